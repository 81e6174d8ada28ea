"""Reading a window's deals and attributing them: which EA opened each position the window's deals touch.

A deal belongs to the magic of its position's first IN deal (`pnl.entry_magics`). For a position that
opened before the window that deal is older than the window, and reading it one position at a time
(`history_deals_get(position=)`) costs a terminal round trip per position: hundreds on a busy account.
`opening_magics` reads the deals before the window in a few stretches instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import typed
from mt5bridge.terminal.models import DealEntry, DealRow, Position, deal_rows
from mt5bridge.trading.periods import Window
from mt5bridge.trading.pnl import TRADE_TYPES, DealLike, entry_magics, select_deals

DAY = 86400
LOOKBACK_QUERIES = 5
"""Range queries at most for the opening deals of a window's positions that opened before it."""

ROWS_ON_LOOP = 2000
"""Up to this many deals get their rows built on the event loop (~1.7 us each); more in a thread."""

D = TypeVar("D", bound=DealLike)


def in_window(deals: Sequence[D], window: Window) -> tuple[list[D], dict[int, int], set[int]]:
    """The deals inside the window, their positions' opening magic, and the positions opened before it
    (a deal of theirs in the window, but no IN deal)."""
    kept = [d for d in deals if window.contains(d.time_server)]
    entry_magic = entry_magics(kept)
    older = {d.position_id for d in kept if d.position_id and d.position_id not in entry_magic}
    return kept, entry_magic, older


async def opening_magics(
    client: MT5Client, window: Window, older: set[int], positions: Sequence[Position] = ()
) -> dict[int, int]:
    """The opening magic of positions that opened before `window`, from at most LOOKBACK_QUERIES queries.

    The deals before the window are read in stretches going back, each four times as long as the one
    before (the last one from the very first deal), keeping only those positions' IN deals, until each
    position's opening deal has been seen: the deal of the order that opened it, whose ticket is the
    position's id (mt5-api.md, "Tickets"). No older deal can be an IN deal of it, so the magic is the one
    `history_deals_get(position=)` would give. The open positions among them say when they opened, so
    the first stretch reaches back to the oldest of those (`positions`: the open ones, if at hand).
    """
    span = max(window.end - window.start, DAY)
    hi = window.start
    lo = max(0, min([hi - span, *(p.time_server for p in positions if p.identifier in older)]))
    left, found = set(older), list[DealRow]()
    for attempt in range(1, LOOKBACK_QUERIES + 1):
        if attempt == LOOKBACK_QUERIES:
            lo = 0
        # Both ends are inclusive: consecutive stretches share a second, so no deal falls between.
        rows = await client.deal_rows(lo, hi, positions=left)
        opening = [r for r in rows if r.entry is DealEntry.IN and r.type in TRADE_TYPES]
        found += opening
        left -= {r.position_id for r in opening if r.order == r.position_id}
        if not left or lo == 0:
            break
        span *= 4
        hi, lo = lo, max(0, lo - span)
    return entry_magics(found)


async def window_deal_tuples(
    client: MT5Client, window: Window, *, symbol: str | None = None, magic: int | None = None
) -> list[Any]:
    """The deals `TradingService.deals` gives, as the terminal's TradeDeal tuples, oldest first, without
    a model each (GET /history/deals encodes the tuples). Only a `magic` filter needs the positions'
    opening magics; without one the window and symbol are checked on the tuples as they come."""
    raw = await client.deal_tuples(window.start, window.end + DAY)
    start, end = window.start, window.end
    kept = [d for d in raw if start <= d.time < end and (symbol is None or d.symbol == symbol)]
    if magic is not None:
        rows_of = partial(deal_rows, raw)
        rows = typed(rows_of) if len(raw) <= ROWS_ON_LOOP else await asyncio.to_thread(typed, rows_of)
        in_range, entry_magic, older = in_window(rows, window)
        if older:
            entry_magic.update(await opening_magics(client, window, older))
        wanted = {d.ticket for d in select_deals(in_range, window, entry_magic=entry_magic, magic=magic)}
        kept = [d for d in kept if d.ticket in wanted]
    kept.sort(key=_oldest_first)
    return kept


_oldest_first = attrgetter("time_msc", "ticket")
