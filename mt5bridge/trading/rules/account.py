"""Equity protection and profit lock: rules over a whole scope's money (docs/rules.md)."""

from __future__ import annotations

from datetime import date

from mt5bridge.common.rulespec import Drawdown, EquityGuard, ProfitLock
from mt5bridge.common.vocab import Reference
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseReason,
    EquityWarning,
    HoldCode,
    PauseTrading,
    Pending,
)
from mt5bridge.trading.rules.inputs import Snapshot
from mt5bridge.trading.rules.measure import scoped
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.outcome import Draft, Evaluation, request_key

# Money comes from the terminal rounded to cents; this only absorbs float noise in the sums.
_MONEY_EPS = 1e-9


def _close_all(
    draft: Draft, tickets: list[int], reason: CloseReason, what: str, day: date | None = None
) -> CloseAll:
    scope = draft.rule.spec.scope
    side = PositionSide(scope.side.value) if scope.side is not None else None
    return CloseAll(
        rule_id=draft.rule.id, key=request_key(draft.rule, what), reason=reason, ticket=scope.ticket,
        symbol=scope.symbol, side=side, magic=scope.magic, tickets=tuple(tickets), day=day,
    )  # fmt: skip


def drawdown_amount(drawdown: Drawdown, reference: float) -> float:
    """How far below `reference` a guard's limit or warning lies: a percent of it, or money."""
    return reference * drawdown.percent / 100 if drawdown.percent is not None else drawdown.money or 0.0


def _reference(draft: Draft, guard: EquityGuard, snap: Snapshot) -> float | None:
    """The guard's reference for this round; a new day (day_start) or a new peak re-arms the warning."""
    if guard.reference is Reference.FIXED:
        return guard.amount
    if guard.reference is Reference.PEAK:
        old, equity = draft.rule.peak, snap.account.equity
        peak = equity if old is None else max(old, equity)
        draft.set(peak=peak)
        if old is not None and peak > old:
            draft.set(warned=False)
        return peak
    if draft.rule.day != snap.day:
        draft.set(day=snap.day, warned=False)  # a new reporting day: a new reference period
    return snap.day_start_equity


def _fire(draft: Draft, guard: EquityGuard, snap: Snapshot) -> None:
    day = snap.day if guard.reference is Reference.DAY_START else None
    tickets = [p.ticket for p in scoped(draft.rule.spec.scope, snap)]
    what = f"guard-{day or 'once'}"
    fire: list[Pending] = []
    if guard.pause:
        fire.append(PauseTrading(rule_id=draft.rule.id, key=request_key(draft.rule, f"{what}-pause")))
    fire.append(_close_all(draft, tickets, CloseReason.EQUITY_GUARD, what, day))
    draft.set(pending=tuple(fire))
    for d in fire:
        draft.decide(d)


def equity_guard(rule: Rule, guard: EquityGuard, snap: Snapshot) -> Evaluation:
    """Warn at `warn_at`, then close the scope (and pause) once equity is down to the limit."""
    draft = Draft(rule)
    reference = _reference(draft, guard, snap)
    if reference is None or reference <= 0:
        draft.hold(HoldCode.NO_REFERENCE)
        return draft.done()
    if guard.reference is Reference.DAY_START and rule.fired_on == snap.day:
        return draft.done()  # fired today already: waits for the next reporting day
    equity = snap.account.equity
    fire_at = reference - drawdown_amount(guard.limit, reference)
    if equity <= fire_at + _MONEY_EPS:
        _fire(draft, guard, snap)
    elif guard.warn_at is not None and not draft.get("warned"):
        warn_at = reference - drawdown_amount(guard.warn_at, reference)
        if equity <= warn_at + _MONEY_EPS:
            draft.decide(EquityWarning(rule_id=rule.id, equity=equity, reference=reference, warn_at=warn_at,
                                       fire_at=fire_at))  # fmt: skip
    return draft.done()


def profit_lock(rule: Rule, lock: ProfitLock, snap: Snapshot) -> Evaluation:
    """Arm at `activate_at`, follow the peak, close the scope at peak x (1 - give_back)."""
    draft = Draft(rule)
    positions = scoped(rule.spec.scope, snap)
    floating = sum(p.net for p in positions)
    if rule.state is RuleState.WAITING:
        if not positions or floating < lock.activate_at - _MONEY_EPS:
            return draft.done()
        draft.state(RuleState.ACTIVE)
        peak = floating
    elif not positions:
        draft.state(RuleState.DONE)  # armed, and everything it watched was closed meanwhile
        return draft.done()
    else:
        peak = floating if rule.peak is None else max(rule.peak, floating)
    draft.set(peak=peak)
    if floating <= peak * (1 - lock.give_back) + _MONEY_EPS:
        close = _close_all(draft, [p.ticket for p in positions], CloseReason.PROFIT_LOCK, "lock")
        draft.set(pending=(close,))
        draft.decide(close)
    return draft.done()
