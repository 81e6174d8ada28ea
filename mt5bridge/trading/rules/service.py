"""RuleService: the one API chat and REST call to preview, create, list, remove and resume rules.

Like the trading core's `TradingService`, every front-end goes through it, so roles, the read-only switch,
idempotency, the "confirmed preview still holds" check and the audit apply to all of them at once
(docs/rules.md, "Preview, REST"). The runner (runner.py) carries out what the rules decide; this service
never sends an order.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from pydantic import JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.common.roles import Role
from mt5bridge.common.rulespec import EquityGuard, RuleSpec
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    RequestInProgress,
    RiskRefused,
    TradingError,
)
from mt5bridge.trading.models import Actor
from mt5bridge.trading.rules.evaluate import needs
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.preview import ChangeReason, RulePreview, change_of
from mt5bridge.trading.rules.previewing import build_preview
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.service import TradingService
from storage.database import Database
from storage.errors import RuleNotFoundError, StaleRuleError
from storage.models import AuditEntry, ClaimState, Outcome

# Audit actions (storage's `action` column): a rule's own actions are the runner's (`rule.<decision>`).
CREATE, REMOVE, RESUME = "rule.create", "rule.remove", "rule.resume"
_SAVE_ATTEMPTS = 3  # a resume racing the runner's saves reads the rule again this often

_CHANGED = {
    "spec_changed": "the rule is not the one previewed; please preview it again",
    "positions_changed": "the positions in the rule's scope changed since the preview; please confirm again",
    "basis_changed": "the rule's figures (base volume, entry, reference) changed since the preview; "
    "please confirm again",
    "acts_now": "since the preview the rule would act at once (a stage reached, the guard's limit); "
    "please confirm again",
}


class RuleNotFound(TradingError):
    """No rule with that id in this account (REST: 404)."""

    def __init__(self, rule_id: int) -> None:
        super().__init__("rule_not_found", f"no rule {rule_id} in this account")
        self.rule_id = rule_id


class RuleNotPaused(TradingError):
    """Only a paused rule can be resumed."""

    kind = ErrorKind.CONFLICT

    def __init__(self, rule_id: int, state: RuleState) -> None:
        super().__init__("rule_not_paused", f"rule {rule_id} is {state.value}, not paused: nothing to resume")
        self.rule_id = rule_id
        self.state = state


class TicketNotOpen(TradingError):
    """A rule on one ticket that is not an open position of this account."""

    def __init__(self, ticket: int) -> None:
        super().__init__("ticket_not_found", f"no open position #{ticket}")
        self.ticket = ticket


class RulePreviewChanged(TradingError):
    """What the user confirmed is no longer what the rule would do; nothing was created. `fresh` is the
    preview now (the same code as a trade's `preview_changed`, so front-ends answer both alike)."""

    kind = ErrorKind.CONFLICT

    def __init__(self, fresh: RulePreview, reason: ChangeReason) -> None:
        super().__init__("preview_changed", _CHANGED[reason])
        self.fresh = fresh
        self.reason: ChangeReason = reason

    def details(self) -> dict[str, JsonValue]:
        return {"reason": self.reason, "preview": self.fresh.model_dump(mode="json")}


def _key(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"[:128]


def _fingerprint(spec: RuleSpec) -> str:
    body = json.dumps({"action": CREATE, "spec": spec.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class RuleService:
    """Rules of this bridge's account for every front-end: preview, create, list, remove, resume.

    `source` is the snapshot source the runner reads too (one start-of-day equity for both), `trading` the
    core whose symbol names and read-only switch apply, `db` the storage (rules, request ids, audit)."""

    def __init__(self, trading: TradingService, db: Database, source: SnapshotSource) -> None:
        self._trading = trading
        self._db = db
        self._source = source
        # Its own versions: a resume saved here makes the runner's next save stale, never silently undone.
        self._repo = RuleRepository(db.rules)
        self._listeners: list[Callable[[], None]] = []

    def listen(self, changed: Callable[[], None]) -> Callable[[], None]:
        """Call `changed()` after every rule created, removed or resumed here (the runner reloads at once
        instead of at its next periodic reload); returns the function that stops it."""
        self._listeners.append(changed)
        return lambda: self._listeners.remove(changed)

    def _changed(self) -> None:
        for changed in list(self._listeners):
            changed()

    @property
    def source(self) -> SnapshotSource:
        return self._source

    # --- reads -------------------------------------------------------------------------------------------
    async def list(self, states: Iterable[RuleState | str] | None = None) -> builtins.list[Rule]:
        """The account's rules in `states` (every state when None), oldest first; anyone may read them."""
        return await self._repo.list(states)

    async def get(self, rule_id: int) -> Rule:
        rule = await self._repo.get(rule_id)
        if rule is None:
            raise RuleNotFound(rule_id)
        return rule

    async def preview(self, spec: RuleSpec, actor: Actor | None = None) -> RulePreview:
        """What the rule would do if created now, with today's numbers; nothing is stored.

        Refused as creating it would be: an unknown symbol (`unknown_symbol`), a ticket that is no open
        position (`ticket_not_found`), a staged TP with an empty or mixed scope (`rule_empty_scope`,
        `rule_mixed_scope`), any rule but an equity guard in read-only mode (`risk_read_only`). `actor` is
        for symmetry with `create`: a preview changes nothing, so any role may ask for one."""
        _, preview = await self._plan(spec)
        return preview

    async def _plan(self, spec: RuleSpec) -> tuple[Rule, RulePreview]:
        spec = await self._resolved(spec)
        if self._trading.read_only and not isinstance(spec.action, EquityGuard):
            raise RiskRefused("read_only", "read_only: trading is read-only; only an equity guard may be set")
        rule = Rule(id=0, spec=spec, created_at=datetime.now(UTC), created_by="preview")
        snap = await self._source.take()
        wanted = needs(rule, snap.positions)
        if wanted:
            snap = await self._source.take(wanted)
        ticket = spec.scope.ticket
        if ticket is not None and not snap.is_open(ticket):
            raise TicketNotOpen(ticket)
        basis = self._source.day_start
        return build_preview(
            rule,
            snap,
            day_start_basis=basis.basis.value if basis else None,
            day_start_at=basis.at if basis else None,
        )

    async def _resolved(self, spec: RuleSpec) -> RuleSpec:
        """The spec with the scope's symbol as the broker names it (positions carry the broker's names)."""
        symbol = spec.scope.symbol
        if symbol is None:
            return spec
        name = await self._trading.symbol_name(symbol)
        return (
            spec
            if name == symbol
            else spec.model_copy(update={"scope": spec.scope.model_copy(update={"symbol": name})})
        )

    # --- changes -----------------------------------------------------------------------------------------
    async def create(
        self,
        spec: RuleSpec,
        actor: Actor,
        expected: RulePreview | None = None,
        *,
        request_id: str | None = None,
    ) -> Rule:
        """Store the rule as previewed now and return it (the runner picks it up at its next round).

        Only a trader or an admin (`Forbidden`). The preview is taken again: refused as `preview` refuses,
        and with `expected` (the preview the user confirmed) `RulePreviewChanged` when it materially
        differs (`change_of`: another spec, other positions, another basis, something done at once that
        was not). `request_id` (REST's Idempotency-Key) makes a repeat return the rule first created
        (`IdempotencyConflict` for another spec or caller, `RequestInProgress` while it runs); refusals
        are not stored under it, so a retry after one runs again. Audited as `rule.create`."""
        started = time.perf_counter()
        rid = request_id or uuid.uuid4().hex
        command: dict[str, JsonValue] = {"spec": spec.model_dump(mode="json")}
        if not actor.may_trade:
            refused = Forbidden(actor.role, "create a rule")
            await self._audit(actor, CREATE, command, rid, error=refused, started=started)
            raise refused
        fingerprint = _fingerprint(spec)
        if request_id is not None:
            prior = await self._db.requests.lookup(rid, fingerprint, _key(actor))
            if prior is not None:
                return await self._answer(prior.state, prior.result, rid)
        try:
            rule, fresh = await self._plan(spec)
            if expected is not None:
                reason = change_of(expected, fresh)
                if reason is not None:
                    raise RulePreviewChanged(fresh, reason)
        except MT5BotError as refused:
            await self._audit(actor, CREATE, command, rid, error=refused, started=started)
            raise
        claim = await self._db.requests.begin(rid, fingerprint, _key(actor))
        if claim.state is not ClaimState.NEW:
            return await self._answer(claim.state, claim.result, rid)
        try:
            created = await self._repo.create(fresh.spec, _key(actor), rule)
        except BaseException:
            await self._db.requests.abandon(rid)
            raise
        result: dict[str, JsonValue] = {"rule_id": created.id, "state": created.state.value}
        tickets = [p.ticket for p in fresh.positions]
        entry = _entry(actor, CREATE, {**command, "rule_id": created.id}, rid, started=started, result=result,
                       preview=fresh.model_dump(mode="json"), tickets=tickets)  # fmt: skip
        await self._db.requests.complete(rid, result, audit=entry)
        self._changed()
        return created

    async def _answer(self, state: ClaimState, result: dict[str, JsonValue] | None, rid: str) -> Rule:
        """What a request id already holds: the rule it created (as it is now), or why it cannot say."""
        if state is ClaimState.CONFLICT:
            raise IdempotencyConflict(rid)
        rule_id = result.get("rule_id") if state is ClaimState.DONE and result is not None else None
        if not isinstance(rule_id, int):
            raise RequestInProgress(rid)
        return await self.get(rule_id)

    async def remove(self, rule_id: int, actor: Actor) -> Rule:
        """Mark the rule removed (kept for the audit) and return it; the runner drops it at its next round.
        Only a trader or an admin; removing a removed rule changes nothing. Audited as `rule.remove`."""
        started = time.perf_counter()
        command: dict[str, JsonValue] = {"rule_id": rule_id}
        rid = f"rule-{rule_id}-remove-{uuid.uuid4().hex[:8]}"
        try:
            if not actor.may_trade:
                raise Forbidden(actor.role, "remove a rule")
            try:
                removed = await self._repo.remove(rule_id, _key(actor))
            except RuleNotFoundError:
                raise RuleNotFound(rule_id) from None
        except MT5BotError as refused:
            await self._audit(actor, REMOVE, command, rid, error=refused, started=started)
            raise
        await self._audit(actor, REMOVE, command, rid, started=started,
                          result={"rule_id": rule_id, "state": removed.state.value})  # fmt: skip
        self._changed()
        return removed

    async def resume(self, rule_id: int, actor: Actor) -> Rule:
        """Resume a paused rule (admins only): it waits again with its failures reset; `attempts` is kept,
        so its next requests get new ids. `RuleNotPaused` for a rule in another state. Audited."""
        started = time.perf_counter()
        command: dict[str, JsonValue] = {"rule_id": rule_id}
        rid = f"rule-{rule_id}-resume-{uuid.uuid4().hex[:8]}"
        try:
            if actor.role is not Role.ADMIN:
                raise Forbidden(actor.role, "resume a rule")
            resumed = await self._resume(rule_id)
        except MT5BotError as refused:
            await self._audit(actor, RESUME, command, rid, error=refused, started=started)
            raise
        await self._audit(actor, RESUME, command, rid, started=started,
                          result={"rule_id": rule_id, "state": resumed.state.value})  # fmt: skip
        self._changed()
        return resumed

    async def _resume(self, rule_id: int) -> Rule:
        for attempt in range(_SAVE_ATTEMPTS):
            rule = await self.get(rule_id)
            if rule.state is not RuleState.PAUSED:
                raise RuleNotPaused(rule_id, rule.state)
            update = {"state": RuleState.WAITING, "failures": 0, "last_error": None, "paused_reason": None}
            try:
                return await self._repo.save(rule.model_copy(update=update))
            except StaleRuleError:
                if attempt == _SAVE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    async def _audit(
        self,
        actor: Actor,
        action: str,
        command: dict[str, JsonValue],
        request_id: str,
        *,
        started: float,
        error: Exception | None = None,
        result: dict[str, JsonValue] | None = None,
    ) -> None:
        await self._db.audit.append(_entry(actor, action, command, request_id, started=started, error=error,
                                           result=result))  # fmt: skip


def _entry(
    actor: Actor,
    action: str,
    command: dict[str, JsonValue],
    request_id: str,
    *,
    started: float,
    error: Exception | None = None,
    result: dict[str, JsonValue] | None = None,
    preview: dict[str, JsonValue] | None = None,
    tickets: builtins.list[int] | None = None,
) -> AuditEntry:
    """The audit line of a rule change: the rule id in `command` and `result`, refusals with their code."""
    outcome = Outcome.OK
    code = None
    if error is not None:
        outcome = Outcome.DENIED if isinstance(error, Forbidden) else Outcome.REFUSED
        code = str(getattr(error, "code", type(error).__name__))
        result = {"error": str(error)}
    return AuditEntry(
        at=datetime.now(UTC), platform=actor.platform, user_id=actor.user_id, chat_id=actor.chat_id,
        role=actor.role.value, action=action, raw_input=actor.raw_input, command=command, preview=preview,
        outcome=outcome, result=result, tickets=tickets or [], request_id=request_id[:128], error_code=code,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )  # fmt: skip
