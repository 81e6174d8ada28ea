"""Reads of the past: deals and finished orders (typed, or as light rows for many at once) and market
data (bars and ticks as numpy arrays). Mixed into `MT5Client`, whose plumbing they use (`TerminalCalls`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from functools import partial
from typing import Any

import numpy as np

from mt5bridge.terminal import constants as C
from mt5bridge.terminal import models as M
from mt5bridge.terminal.errors import typed
from mt5bridge.terminal.raw_reads import TerminalCalls, filters


class HistoryReads(TerminalCalls):
    """Deals, history orders, bars and ticks."""

    async def deals(
        self, date_from: datetime | int = 0, date_to: datetime | int = 0, *, position: int | None = None,
        group: str | None = None,
    ) -> list[M.Deal]:  # fmt: skip
        """Deals between two times, or every deal of one position (then the times are ignored)."""
        if position is not None:
            raw = await self._history(self._terminal.history_deals_get, position=position)
        else:
            lo, hi = self._epoch(date_from), self._epoch(date_to)
            raw = await self._history(self._terminal.history_deals_get, lo, hi, **filters(group=group))
        return typed(lambda: [M.Deal.from_mt5(d, self._offset) for d in raw])

    async def new_deals(
        self, date_from: datetime | int, date_to: datetime | int, seen: Collection[int]
    ) -> list[M.Deal]:
        """Deals between two times whose tickets are not in `seen`, typed; the seen ones are skipped before
        typing, so a poller that re-reads a look-back window of thousands of deals pays only for the new."""
        lo, hi = self._epoch(date_from), self._epoch(date_to)
        raw = await self._history(self._terminal.history_deals_get, lo, hi)
        return typed(lambda: [M.Deal.from_mt5(d, self._offset) for d in raw if d.ticket not in seen])

    async def deal_rows(
        self, date_from: datetime | int, date_to: datetime | int, *, positions: Collection[int] | None = None
    ) -> list[M.DealRow]:
        """Deals between two times as light `DealRow`s; with `positions`, only the deals of those positions.

        For many deals at once (a busy month has 100,000): the rows are picked and built in a worker
        thread, which also frees the terminal's structures, so the event loop goes on meanwhile; and a
        row costs a tenth of a `Deal` model.
        """
        lo, hi = self._epoch(date_from), self._epoch(date_to)
        held = [await self._history(self._terminal.history_deals_get, lo, hi)]
        wanted = None if positions is None else set(positions)
        return await asyncio.to_thread(typed, partial(_deal_rows, held, wanted))

    async def history_orders(
        self, date_from: datetime | int = 0, date_to: datetime | int = 0, *, position: int | None = None
    ) -> list[M.Order]:
        """Finished orders between two times, or every order of one position."""
        if position is not None:
            raw = await self._history(self._terminal.history_orders_get, position=position)
        else:
            raw = await self._history(
                self._terminal.history_orders_get, self._epoch(date_from), self._epoch(date_to)
            )
        return typed(lambda: [M.Order.from_mt5(o, self._offset) for o in raw])

    async def rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int) -> np.ndarray:
        """Bars oldest first (RATES_DTYPE); position 0 is the current, unfinished bar."""
        return await self._known_symbol(
            self._terminal.copy_rates_from_pos, symbol, timeframe, start_pos, count
        )

    async def rates_range(
        self, symbol: str, timeframe: int, date_from: datetime | int, date_to: datetime | int
    ) -> np.ndarray:
        lo, hi = self._epoch(date_from), self._epoch(date_to)
        return await self._known_symbol(self._terminal.copy_rates_range, symbol, timeframe, lo, hi)

    async def ticks_range(
        self, symbol: str, date_from: datetime | int, date_to: datetime | int, flags: int = C.COPY_TICKS_ALL
    ) -> np.ndarray:
        lo, hi = self._epoch(date_from), self._epoch(date_to)
        return await self._known_symbol(self._terminal.copy_ticks_range, symbol, lo, hi, flags)

    async def ticks_from(
        self, symbol: str, date_from: datetime | int, count: int, flags: int = C.COPY_TICKS_ALL
    ) -> np.ndarray:
        return await self._known_symbol(
            self._terminal.copy_ticks_from, symbol, self._epoch(date_from), count, flags
        )


def _deal_rows(held: list[tuple[Any, ...]], wanted: set[int] | None) -> list[M.DealRow]:
    """The rows of the deals in `held` (of positions `wanted`, if given), taking them out of `held`.

    Run in a worker thread, which then holds the last reference to the terminal's structures: freeing
    100,000 of them takes ~20 ms, which the event loop would otherwise wait for.
    """
    raw = held.pop()
    picked = raw if wanted is None else (d for d in raw if d.position_id in wanted)
    return M.deal_rows(picked)
