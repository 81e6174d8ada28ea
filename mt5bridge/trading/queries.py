"""TradingQueries: what the trading core answers without trading, and the half of `TradingService` every
front-end reads through: the account, positions, orders, symbols and quotes (typed, or as the terminal's
tuples for the API's serialisers), bars, the server clock, periods, deals and P&L.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import typed
from mt5bridge.terminal.models import Account, Deal, DealRow, Order, Position, PositionSide, SymbolSpec, Tick
from mt5bridge.trading.history import DAY, in_window, opening_magics, window_deal_tuples
from mt5bridge.trading.periods import Period, Window, period_window
from mt5bridge.trading.pnl import PnLReport, pnl_report
from mt5bridge.trading.resolve import AliasLookup, SymbolResolver


class TradingQueries:
    """Reads over one terminal; names resolve through its own `SymbolResolver` (aliases, broker names)."""

    def __init__(
        self, client: MT5Client, *, timezone: str | None = None, aliases: AliasLookup | None = None
    ) -> None:
        self._client = client
        self._tz = ZoneInfo(timezone) if timezone else None
        self._resolver = SymbolResolver(client, aliases)

    @property
    def timezone(self) -> ZoneInfo | None:
        """The reporting zone (config `timezone`); None means the server's own day."""
        return self._tz

    @property
    def server_utc_offset(self) -> int:
        """The trade server's clock minus UTC, in seconds."""
        return self._client.server_utc_offset

    async def account(self) -> Account:
        return await self._client.account()

    async def account_tuple(self) -> Any:
        """The terminal's AccountInfo structure, untyped (for serialisers; see `position_tuples`)."""
        return await self._client.account_tuple()

    async def positions(
        self, *, symbol: str | None = None, magic: int | None = None, side: PositionSide | None = None
    ) -> list[Position]:
        """Open positions, filtered by symbol (canonical names and aliases resolve), magic and side."""
        name = await self._broker_name(symbol)
        found = await self._client.positions(symbol=name)
        return [p for p in found if (magic is None or p.magic == magic) and (side is None or p.side is side)]

    async def position_tuples(self, *, symbol: str | None = None, magic: int | None = None) -> list[Any]:
        """`positions` as the terminal's tuples (server-scale times; `server_utc_offset` converts them),
        oldest first: what a fast serialiser reads. Same filters as `positions`, except side."""
        name = await self._broker_name(symbol)
        found = await self._client.position_tuples(symbol=name)
        rows = [p for p in found if magic is None or p.magic == magic]
        rows.sort(key=lambda p: (p.time_msc, p.ticket))
        return rows

    async def orders(self, *, symbol: str | None = None) -> list[Order]:
        name = await self._broker_name(symbol)
        return await self._client.orders(symbol=name)

    async def symbols(self, group: str | None = None) -> list[SymbolSpec]:
        """The terminal's symbols, optionally by an MT5 group mask (`*USD*,!*JPY*`)."""
        return await self._client.symbols(group)

    async def symbol(self, name: str) -> SymbolSpec:
        """One symbol by canonical name, alias or broker name."""
        return await self._resolver.resolve(name)

    async def symbol_tuples(self, group: str | None = None) -> tuple[Any, ...]:
        """`symbols` as the terminal's SymbolInfo structures."""
        return await self._client.symbol_tuples(group)

    async def symbol_and_tick(self, name: str) -> tuple[Any, Any]:
        """The broker symbol `name`'s SymbolInfo and last tick structure (as `symbol_name` gives it)."""
        return await self._client.symbol_and_tick(name)

    async def symbol_name(self, name: str) -> str:
        """The broker's name of a canonical name, alias or broker name (remembered, no terminal call)."""
        return await self._resolver.name(name)

    async def quote(self, symbol: str) -> Tick:
        """The current tick of a symbol by canonical name, alias or broker name."""
        return await self.tick((await self._resolver.resolve(symbol)).name)

    async def tick(self, name: str) -> Tick:
        """The current tick of the broker symbol `name` (as `symbol()` returns it; not resolved again)."""
        return await self._client.tick(name)

    async def rates_from_pos(self, name: str, timeframe: int, start: int, count: int) -> np.ndarray:
        """`count` bars of the broker symbol `name`, oldest first; position 0 is the unfinished bar."""
        return await self._client.rates_from_pos(name, timeframe, start, count)

    async def rates_range(self, name: str, timeframe: int, start: int, end: int) -> np.ndarray:
        """Bars of the broker symbol `name` opened in [start, end] (server-scale epoch seconds)."""
        return await self._client.rates_range(name, timeframe, start, end)

    async def server_now(self) -> int:
        """The trade server's clock as epoch seconds on the server scale."""
        now = await self._client.server_time() or datetime.now(UTC)
        return int(now.timestamp()) + self._client.server_utc_offset

    async def window(self, period: Period) -> Window:
        return period_window(
            period, await self.server_now(), tz=self._tz, server_utc_offset=self._client.server_utc_offset
        )

    async def pnl(self, window: Window, *, symbol: str | None = None, magic: int | None = None) -> PnLReport:
        """Realized (the period's trade deals with costs) and floating P&L, by symbol and magic."""
        name = await self._broker_name(symbol)
        deals, entry_magic = await self.history_rows(window)
        positions = await self._client.positions(symbol=name)
        includes_now = await self.includes_now(window)
        return pnl_report(
            deals,
            positions,
            window,
            entry_magic=entry_magic,
            symbol=name,
            magic=magic,
            include_floating=includes_now,
        )

    async def deals(
        self, window: Window, *, symbol: str | None = None, magic: int | None = None
    ) -> list[Deal]:
        """The window's deals of every type, oldest first, filtered as `pnl` filters them: `symbol` by
        canonical name, alias or broker name, `magic` by the position's opening deal (`pnl.deal_magic`)."""
        found = await self.deal_tuples(window, symbol=symbol, magic=magic)
        offset = self.server_utc_offset
        return typed(lambda: [Deal.from_mt5(d, offset) for d in found])

    async def deal_tuples(
        self, window: Window, *, symbol: str | None = None, magic: int | None = None
    ) -> list[Any]:
        """`deals` as the terminal's TradeDeal tuples (server-scale times): what a fast serialiser reads."""
        name = await self._broker_name(symbol)
        return await window_deal_tuples(self._client, window, symbol=name, magic=magic)

    async def history_rows(
        self, window: Window, *, positions: Sequence[Position] = ()
    ) -> tuple[list[DealRow], dict[int, int]]:
        """The window's deals for windows of many deals (a busy month: 100,000) as `DealRow`s, and each of
        their positions' opening magic (see `pnl.entry_magics`): read, typed and attributed in worker
        threads so the event loop is never held up.

        `positions`, the open positions when the caller has them anyway, tell how far back the opening
        deals of the older positions lie (`history.opening_magics`); without them it may take a query more.
        """
        rows = await self._client.deal_rows(window.start, window.end + DAY)
        rows, entry_magic, older = await asyncio.to_thread(in_window, rows, window)
        if older:
            entry_magic.update(await opening_magics(self._client, window, older, positions))
        return rows, entry_magic

    async def _broker_name(self, symbol: str | None) -> str | None:
        return await self._resolver.name(symbol) if symbol else None

    async def includes_now(self, window: Window) -> bool:
        """Whether the window reaches the present (so floating P&L belongs in it)."""
        return window.end >= await self.server_now()

    async def day_pnl(self) -> float:
        """The server day's P&L as the daily loss limit counts it: today's realized P&L plus how much the
        floating P&L of open positions moved since the day began (not their whole loss since opening)."""
        window = await self.window(Period.TODAY)
        report = await self.pnl(window)
        positions = await self._client.positions()
        change = sum(p.profit + p.swap for p in positions if p.time_server >= window.start)
        older: dict[tuple[str, PositionSide], float] = {}
        for p in positions:
            if p.time_server < window.start:
                older[(p.symbol, p.side)] = older.get((p.symbol, p.side), 0.0) + p.volume
        for (symbol, side), volume in older.items():
            change += await self._moved_since(symbol, side, volume, window.start)
        return round(report.total.realized + change, 2)

    async def _moved_since(self, symbol: str, side: PositionSide, volume: float, start: int) -> float:
        """Profit change of `volume` lots on one side of `symbol` from the price at `start` to now."""
        bars = await self._client.rates_range(symbol, C.TIMEFRAME_M1, start - 7 * 86400, start - 1)
        if not len(bars):
            return 0.0
        tick = await self._client.tick(symbol)
        spread = tick.ask - tick.bid
        # Buys are valued at Bid, sells at Ask; the M1 bars are Bid, so a sell's start adds the spread.
        if side is PositionSide.BUY:
            then, now = float(bars["close"][-1]), tick.bid
        else:
            then, now = float(bars["close"][-1]) + spread, tick.ask
        return await self._client.calc_profit(side, symbol, volume, then, now)
