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
from collections.abc import Awaitable, Callable
from datetime import datetime

from mt5bridge.common.errors import MT5BotError
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import ClientCode, TerminalUnavailable
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
from mt5bridge.trading import risk
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    PreviewChanged,
    RequestInProgress,
    RiskRefused,
)
from mt5bridge.trading.models import (
    Action,
    ActionResult,
    Actor,
    CancelRequest,
    CloseRequest,
    ModifyRequest,
    OpenRequest,
    Preview,
    TradeRequestModel,
)
from mt5bridge.trading.planner import Planner, deviation_of
from mt5bridge.trading.queries import TradingQueries
from mt5bridge.trading.recheck import change_of
from mt5bridge.trading.records import audit_entry
from mt5bridge.trading.recovery import settle_open_claims
from mt5bridge.trading.refusals import Refusal, ReplayedRefusal, refusal_of, settles_request
from mt5bridge.trading.resolve import AliasLookup
from mt5bridge.trading.sending import send_legs
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database
from storage.models import Claim, ClaimState, JsonObject

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


class TradingService(TradingQueries):
    """Trader-level operations over one terminal, with risk rules, idempotency and an audit trail.

    The terminal client, the database and the resolver are its own: callers read through the queries
    (`TradingQueries`: account, positions, deals, ticks, bars, the server clock), never around them.
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
        super().__init__(client, timezone=timezone, aliases=aliases)
        self._db = db
        self._risk_settings = risk_settings
        self._planner = Planner(client, self._resolver)
        self._paused = False
        self._read_only = risk_settings.read_only_mode
        self._heartbeat = heartbeat
        self._points: dict[str, float] = {}  # a symbol's point size, for the price re-check

    # --- runtime switches ------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def read_only(self) -> bool:
        return self._read_only

    def pause(self, on: bool = True) -> None:
        """Stop (or allow again) new positions; closes stay allowed."""
        self._paused = on

    def set_read_only(self, on: bool) -> None:
        self._read_only = on

    # --- previews --------------------------------------------------------------------------------
    async def preview(self, req: TradeRequestModel, *, protective: bool = False) -> Preview:
        """What `execute(req)` would send now, without sending anything (`protective`: see execute)."""
        action = _ACTIONS[type(req)]
        self._require_link()
        await self._check_risk(action, req, protective=protective and action is Action.CLOSE)
        planners: dict[Action, Callable[..., Awaitable[Preview]]] = {
            Action.OPEN: self._planner.open,
            Action.CLOSE: self._planner.close,
            Action.MODIFY: self._planner.modify,
            Action.CANCEL: self._planner.cancel,
        }
        return await planners[action](req)

    async def _check_risk(self, action: Action, req: TradeRequestModel, *, protective: bool = False) -> None:
        symbol = getattr(req, "symbol", None) or ""
        canonical = symbol.upper()
        if symbol and action is Action.OPEN:
            symbol = await self._resolver.name(symbol)  # the plan reads the spec itself, fresh
        volume = req.volume if isinstance(req, (OpenRequest, CloseRequest)) and req.volume else 0.0
        state = await self._risk_state(action)
        refusal = risk.check(_RISK_KIND[action], state, symbol=symbol, canonical=canonical, volume=volume,
                             protective=protective)  # fmt: skip
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
        protective: bool = False,
    ) -> ActionResult:
        """Run a trading action once per request id; a repeated id gets the first answer again.

        Only a trader or an admin may execute (`Forbidden` otherwise, before anything else). A refusal is
        stored under the id like a result, so a retry is refused the same way; a temporary one (terminal
        unreachable) is not, so a retry may run. `expected` is the preview the user confirmed: the one
        preview taken here is compared with it, and if the plan differs (other tickets or volumes) or a
        market price moved beyond the order's deviation, nothing is sent and `PreviewChanged` carries the
        fresh preview (not stored: the same id may be sent again with it).

        `protective` is for the rule runner's equity guards only (docs/rules.md, "Runner"): a close that
        only reduces exposure, let through the read-only switch and `risk.read_only_mode`; every other risk
        rule still applies, and it means nothing for any other action. No front-end passes it.
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
            # The keyword only when set: wrappers of the core (tests' counting ones) override preview(req).
            preview = await (self.preview(req, protective=True) if protective else self.preview(req))
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
