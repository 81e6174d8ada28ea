"""What a rule tracks once the trading core has answered one of its decisions (docs/rules.md).

The runner calls `settle` after a decision was carried out (for a warning or a notice: after it went out)
and `fail` after a definite refusal or error. An answer that was lost calls neither: the rule's pending
closes are then sent again with the same request ids, and the core answers them from its records.
"""

from __future__ import annotations

from typing import Any

from mt5bridge.common.rulespec import EquityGuard
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseVolume,
    Decision,
    EquityWarning,
    Notice,
    PauseTrading,
    SetStopLoss,
    guard_close,
)
from mt5bridge.trading.rules.models import Rule, RuleState

# Failed actions in a row after which a rule is paused and reported (an equity guard is never paused).
MAX_FAILURES = 3


def _stage_done(rule: Rule, stage: int) -> dict[str, Any]:
    # max(): a stage executed means every stage before it was decided (closed or found to round to nothing).
    done = max(rule.stages_done, stage + 1)
    total = len(getattr(rule.spec.action, "stages", ()))
    return {"stages_done": done, "state": RuleState.DONE if done >= total else RuleState.ACTIVE}


def _effect(rule: Rule, decision: Decision) -> dict[str, Any]:
    if isinstance(decision, CloseVolume):
        return _stage_done(rule, decision.stage)
    if isinstance(decision, Notice) and decision.stage is not None:
        return _stage_done(rule, decision.stage)
    if isinstance(decision, EquityWarning):
        return {"warned": True}
    if guard_close(decision) and decision.day:
        return {"fired_on": decision.day, "warned": True}  # a day_start guard waits for the next day
    if isinstance(decision, CloseAll):
        return {"state": RuleState.DONE}
    return {}


def settle(rule: Rule, decision: Decision) -> Rule:
    """`rule` after `decision` was carried out: the pending entry is dropped and its effect applied
    (a stage counted, a guard fired, a lock done, a warning sent). An action clears the failure count."""
    updates = _effect(rule, decision)
    pending = list(rule.pending)
    if decision in pending:
        pending.remove(decision)
        updates["pending"] = tuple(pending)
    if isinstance(decision, SetStopLoss | CloseVolume | CloseAll | PauseTrading):
        updates.update(failures=0, last_error=None)
    return rule.model_copy(update=updates)


def fail(rule: Rule, error: str) -> Rule:
    """`rule` after a definite failure (`error`: the retcode name or error code). Its pending closes are
    dropped: the next round decides afresh under new request ids. At MAX_FAILURES in a row it is paused,
    except an equity guard, which keeps trying (with the runner's back-off): it may always reduce exposure."""
    failures = rule.failures + 1
    updates: dict[str, Any] = {
        "failures": failures, "attempts": rule.attempts + 1, "last_error": error, "pending": (),
    }  # fmt: skip
    if failures >= MAX_FAILURES and not isinstance(rule.spec.action, EquityGuard):
        updates.update(state=RuleState.PAUSED, paused_reason=error)
    return rule.model_copy(update=updates)
