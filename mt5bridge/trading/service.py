"""TradingService: the one core that chat, REST and reports call.

Every trading action goes the same way: risk rules, idempotency claim, plan (the preview), send each
leg once (a lost answer is settled from history by the client, never re-sent), record the result under
the request id, and append an audit line. A risk limit, an audit record or a fix here applies to every
front-end at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from mt5bridge.common.errors import MT5BotError
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import ClientCode, TerminalUnavailable, typed
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
from mt5bridge.terminal.models import Account, Deal, DealRow, Order, Position, PositionSide, SymbolSpec, Tick
from mt5bridge.trading import risk
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    PreviewChanged,
    RequestInProgress,
    RiskRefused,
)
from mt5bridge.trading.history import DAY, in_window, opening_magics, window_deal_tuples
from mt5bridge.trading.models import (
    Action,
    ActionResult,
    Actor,
    CancelRequest,
    CloseRequest,
    ModifyRequest,
    OpenRequest,
    Preview,
)
from mt5bridge.trading.periods import Period, Window, period_window
from mt5bridge.trading.planner import Planner, deviation_of
from mt5bridge.trading.pnl import PnLReport, pnl_report
from mt5bridge.trading.recheck import change_of
from mt5bridge.trading.records import audit_entry
from mt5bridge.trading.recovery import settle_open_claims
from mt5bridge.trading.refusals import Refusal, ReplayedRefusal, refusal_of, settles_request
from mt5bridge.trading.resolve import AliasLookup, SymbolResolver
from mt5bridge.trading.sending import send_legs
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database
from storage.models import Claim, ClaimState, JsonObject

TradeRequestModel = OpenRequest | CloseRequest | ModifyRequest | CancelRequest
_ACTIONS: dict[type, Action] = {
    OpenRequest: Action.OPEN,
    CloseRequest: Action.CLOSE,
    ModifyRequest: Action.MODIFY,
    CancelRequest: Action.CANCEL,
}
_RISK_KIND = {
    Action.OPEN: risk.ActionKind.OPEN,
    Action.CLOSE: risk.ActionKind.CLOSE,
    Action.MODIFY: risk.ActionKind.MODIFY,
    Action.CANCEL: risk.ActionKind.CANCEL,
}


def _fingerprint(action: Action, req: TradeRequestModel) -> str:
    # Only the request: the preview a caller confirmed (`expected`) is not part of it, so after a
    # `preview_changed` the same id may be sent again with the fresh preview.
    body = json.dumps({"action": action, **req.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class TradingService:
    """Trader-level operations over one terminal, with risk rules, idempotency and an audit trail.

    The terminal client, the database and the resolver are its own: callers read through the queries
    below (account, positions, deals, ticks, bars, the server clock), never around them.
    """

    def __init__(
        self,
        client: MT5Client,
        db: Database,
        risk_settings: RiskSettings,
        *,
        timezone: str | None = None,
        heartbeat: Heartbeat | None = None,
        aliases: AliasLookup | None = None,
    ) -> None:
        self._client = client
        self._db = db
        self._risk_settings = risk_settings
        self._tz = ZoneInfo(timezone) if timezone else None
        self._resolver = SymbolResolver(client, aliases)
        self._planner = Planner(client, self._resolver)
        self._paused = False
        self._read_only = risk_settings.read_only_mode
        self._heartbeat = heartbeat
        self._points: dict[str, float] = {}  # a symbol's point size, for the price re-check

    # --- queries ---------------------------------------------------------------------------------
    @property
    def timezone(self) -> ZoneInfo | None:
        """The reporting zone (config `timezone`); None means the server's own day."""
        return self._tz

    @property
    def server_utc_offset(self) -> int:
        """The trade server's clock minus UTC, in seconds."""
        return self._client.server_utc_offset

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def read_only(self) -> bool:
        return self._read_only

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

    # --- runtime switches ------------------------------------------------------------------------
    def pause(self, on: bool = True) -> None:
        """Stop (or allow again) new positions; closes stay allowed."""
        self._paused = on

    def set_read_only(self, on: bool) -> None:
        self._read_only = on

    # --- previews --------------------------------------------------------------------------------
    async def preview(self, req: TradeRequestModel) -> Preview:
        """What `execute(req)` would send now, without sending anything."""
        action = _ACTIONS[type(req)]
        self._require_link()
        await self._check_risk(action, req)
        planners: dict[Action, Callable[..., Awaitable[Preview]]] = {
            Action.OPEN: self._planner.open,
            Action.CLOSE: self._planner.close,
            Action.MODIFY: self._planner.modify,
            Action.CANCEL: self._planner.cancel,
        }
        return await planners[action](req)

    async def _check_risk(self, action: Action, req: TradeRequestModel) -> None:
        symbol = getattr(req, "symbol", None) or ""
        canonical = symbol.upper()
        if symbol and action is Action.OPEN:
            symbol = await self._resolver.name(symbol)  # the plan reads the spec itself, fresh
        volume = req.volume if isinstance(req, (OpenRequest, CloseRequest)) and req.volume else 0.0
        state = await self._risk_state(action)
        refusal = risk.check(_RISK_KIND[action], state, symbol=symbol, canonical=canonical, volume=volume)
        if refusal is not None:
            raise RiskRefused(refusal.rule, refusal.message)

    async def _risk_state(self, action: Action) -> risk.RiskState:
        needs_money = action is Action.OPEN and self._risk_settings.max_daily_loss > 0
        daily = await self.day_pnl() if needs_money else 0.0
        positions, orders = 0, 0
        if action is Action.OPEN:  # asked together: one wait for the terminal's worker, not two
            positions, orders = await asyncio.gather(
                self._client.positions_total(), self._client.orders_total()
            )
        return risk.RiskState(
            settings=self._risk_settings,
            paused=self._paused,
            read_only=self._read_only,
            open_positions=positions,
            pending_orders=orders,
            daily_pnl=daily,
            market_open=True,
        )

    # --- execution -------------------------------------------------------------------------------
    async def execute(
        self,
        req: TradeRequestModel,
        actor: Actor,
        *,
        request_id: str | None = None,
        confirmation: str | None = None,
        expected: Preview | None = None,
    ) -> ActionResult:
        """Run a trading action once per request id; a repeated id gets the first answer again.

        Only a trader or an admin may execute (`Forbidden` otherwise, before anything else). A refusal is
        stored under the id like a result, so a retry is refused the same way; a temporary one (terminal
        unreachable) is not, so a retry may run. `expected` is the preview the user confirmed: the one
        preview taken here is compared with it, and if the plan differs (other tickets or volumes) or a
        market price moved beyond the order's deviation, nothing is sent and `PreviewChanged` carries the
        fresh preview (not stored: the same id may be sent again with it).
        """
        action = _ACTIONS[type(req)]
        started = time.perf_counter()
        command = req.model_dump(mode="json")
        rid = request_id or uuid.uuid4().hex
        if not actor.may_trade:
            refused = Forbidden(actor.role, action.value)
            await self._db.audit.append(audit_entry(actor, action, command, rid, error=refused,
                                                   confirmation=confirmation, started=started))  # fmt: skip
            raise refused
        fingerprint, actor_key = _fingerprint(action, req), f"{actor.platform}:{actor.user_id}"
        if request_id is not None:
            prior = await self._db.requests.lookup(rid, fingerprint, actor_key)
            if prior is not None:
                return _answer(prior)
        try:
            preview = await self.preview(req)
            if expected is not None:
                await self._recheck(req, expected, preview)
        except MT5BotError as refused:
            entry = audit_entry(actor, action, command, rid, error=refused, confirmation=confirmation,
                                started=started)  # fmt: skip
            if not settles_request(refused):
                await self._db.audit.append(entry)
                raise
            stored: JsonObject = {"refusal": refusal_of(refused).model_dump(mode="json")}
            claim = await self._db.requests.record(rid, fingerprint, actor_key, stored, audit=entry)
            if claim.state is not ClaimState.NEW:
                return _answer(claim)  # a duplicate claimed it meanwhile: answer as that one
            raise
        claim = await self._db.requests.begin(
            rid, fingerprint, actor_key, plan=preview.model_dump(mode="json")
        )
        if claim.state is not ClaimState.NEW:
            return _answer(claim)
        result = await send_legs(self._client, rid, action, preview)
        entry = audit_entry(actor, action, command, rid, result=result, confirmation=confirmation,
                            started=started)  # fmt: skip
        await self._db.requests.complete(rid, result.model_dump(mode="json"), audit=entry)
        return result

    async def settle_open_claims(self, *, created_before: datetime) -> int:
        """Settle requests a crash left in progress from the terminal's records (see recovery.py)."""
        return await settle_open_claims(self._client, self._db, created_before=created_before)

    async def _recheck(self, req: TradeRequestModel, expected: Preview, now: Preview) -> None:
        """Raise `PreviewChanged` if `now` is not what the caller confirmed as `expected`."""
        for name in {leg.symbol for leg in now.legs} - self._points.keys():
            self._points[name] = (await self._client.symbol(name)).point  # specs do not change in a run
        reason = change_of(expected, now, self._points, deviation_of(req))
        if reason is not None:
            raise PreviewChanged(now, reason)

    def _require_link(self) -> None:
        """Fail fast when the heartbeat says the terminal (or its broker link) is down."""
        if self._heartbeat is not None and self._heartbeat.state is not LinkState.CONNECTED:
            raise TerminalUnavailable(
                ClientCode.TERMINAL_DISCONNECTED, "terminal not connected; nothing sent"
            )


def _answer(claim: Claim) -> ActionResult:
    """What an id already holds: its result again (`replayed`), its refusal again, or why it is busy."""
    if claim.state is ClaimState.CONFLICT:
        raise IdempotencyConflict(claim.request_id)
    if claim.state is not ClaimState.DONE or claim.result is None:
        raise RequestInProgress(claim.request_id)
    refusal = claim.result.get("refusal")
    if refusal is not None:
        raise ReplayedRefusal(Refusal.model_validate(refusal))
    return ActionResult.model_validate({**claim.result, "replayed": True})
