"""`TradingPort`: what the chat core and the front ask of one account, wherever its terminal runs.

The local `TradingService` implements it over its own terminal; `mt5bridge.remote.RemoteTrading`
implements it over a bridge's REST API (docs/accounts.md). Both return the core's models and raise the
core's exceptions, so a caller never needs to know which one it holds.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from mt5bridge.terminal.models import Account, Deal, Order, Position, PositionSide, SymbolSpec, Tick
from mt5bridge.trading.models import ActionResult, Actor, Preview, TradeRequestModel
from mt5bridge.trading.periods import Period, Window
from mt5bridge.trading.pnl import PnLReport


@runtime_checkable
class TradingPort(Protocol):
    """One account's reads and trades (the methods both implementations share)."""

    @property
    def timezone(self) -> ZoneInfo | None: ...

    @property
    def server_utc_offset(self) -> int: ...

    async def account(self) -> Account: ...

    async def positions(
        self, *, symbol: str | None = None, magic: int | None = None, side: PositionSide | None = None
    ) -> list[Position]: ...

    async def orders(self, *, symbol: str | None = None) -> list[Order]: ...

    async def symbols(self, group: str | None = None) -> list[SymbolSpec]: ...

    async def symbol(self, name: str) -> SymbolSpec: ...

    async def quote(self, symbol: str) -> Tick: ...

    async def window(self, period: Period) -> Window: ...

    async def pnl(
        self, window: Window, *, symbol: str | None = None, magic: int | None = None
    ) -> PnLReport: ...

    async def deals(
        self, window: Window, *, symbol: str | None = None, magic: int | None = None
    ) -> list[Deal]: ...

    async def preview(self, req: TradeRequestModel) -> Preview: ...

    async def execute(
        self,
        req: TradeRequestModel,
        actor: Actor,
        *,
        request_id: str | None = None,
        confirmation: str | None = None,
        expected: Preview | None = None,
    ) -> ActionResult: ...
