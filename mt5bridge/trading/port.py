"""`TradingPort`: what the chat core and the front ask of one account, wherever its terminal runs;
`RulePort`: the same for its trade-management rules (the local `RuleService`, docs/rules.md).

The local `TradingService` implements it over its own terminal; `mt5bridge.remote.RemoteTrading`
implements it over a bridge's REST API (docs/accounts.md). Both return the core's models and raise the
core's exceptions, so a caller never needs to know which one it holds.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.terminal.models import Account, Deal, Order, Position, PositionSide, SymbolSpec, Tick
from mt5bridge.trading.models import ActionResult, Actor, Preview, TradeRequestModel
from mt5bridge.trading.periods import Period, Window
from mt5bridge.trading.pnl import PnLReport
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.preview import RulePreview


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


@runtime_checkable
class RulePort(Protocol):
    """One account's trade-management rules (`RuleService` implements it): the chat core previews,
    creates, lists, removes and resumes them through this, as it trades through `TradingPort`."""

    async def list(self, states: Iterable[RuleState | str] | None = None) -> builtins.list[Rule]: ...

    async def get(self, rule_id: int) -> Rule: ...

    async def preview(self, spec: RuleSpec, actor: Actor | None = None) -> RulePreview: ...

    async def create(
        self,
        spec: RuleSpec,
        actor: Actor,
        expected: RulePreview | None = None,
        *,
        request_id: str | None = None,
    ) -> Rule: ...

    async def remove(self, rule_id: int, actor: Actor) -> Rule: ...

    async def resume(self, rule_id: int, actor: Actor) -> Rule: ...
