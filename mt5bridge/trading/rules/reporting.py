"""A rule's actions as bus events (`RuleAction`), for the chat notifier and anyone else listening."""

from __future__ import annotations

from datetime import UTC, datetime

from mt5bridge.trading.events.models import RuleAction, RuleActionKind
from mt5bridge.trading.rules.carry import Answer
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseReason,
    CloseVolume,
    EquityWarning,
    Notice,
    PauseTrading,
    SetStopLoss,
)
from mt5bridge.trading.rules.models import Rule


def _now() -> datetime:
    return datetime.now(UTC)


def sl_moved(d: SetStopLoss, answer: Answer) -> RuleAction:
    return RuleAction(
        time=_now(), rule_id=d.rule_id, action=RuleActionKind.SL_MOVED, reason=d.reason.value,
        symbol=d.symbol, ticket=d.ticket, old_sl=d.previous, new_sl=d.sl, request_id=answer.request_id,
    )  # fmt: skip


def closed(d: CloseVolume | CloseAll, answer: Answer) -> RuleAction:
    """A stage's close (lots closed, FIFO) or a close of the scope (every ticket it closed)."""
    reason = CloseReason.STAGED_TP if isinstance(d, CloseVolume) else d.reason
    return RuleAction(
        time=_now(), rule_id=d.rule_id, action=RuleActionKind.CLOSED, reason=reason.value, symbol=d.symbol,
        ticket=d.ticket, volume=answer.closed or None, stage=d.stage if isinstance(d, CloseVolume) else None,
        tickets=answer.tickets, error=answer.error, request_id=answer.request_id,
    )  # fmt: skip


def trading_paused(d: PauseTrading) -> RuleAction:
    return RuleAction(
        time=_now(), rule_id=d.rule_id, action=RuleActionKind.TRADING_PAUSED,
        reason=CloseReason.EQUITY_GUARD.value, request_id=d.key,
    )  # fmt: skip


def warned(d: EquityWarning) -> RuleAction:
    return RuleAction(
        time=_now(), rule_id=d.rule_id, action=RuleActionKind.EQUITY_WARNING,
        reason=CloseReason.EQUITY_GUARD.value, equity=d.equity, level=d.fire_at,
    )  # fmt: skip


def noticed(d: Notice) -> RuleAction:
    return RuleAction(
        time=_now(), rule_id=d.rule_id, action=RuleActionKind.NOTICE, reason=d.code.value, symbol=d.symbol,
        ticket=d.ticket, stage=d.stage, volume=d.volume,
    )  # fmt: skip


def stopped(rule: Rule, action: RuleActionKind, error: str, request_id: str | None = None) -> RuleAction:
    """The rule was paused: after MAX_FAILURES failures (`rule_paused`) or unclear closes (`unclear`)."""
    return RuleAction(
        time=_now(), rule_id=rule.id, action=action, reason=rule.spec.action.kind.value, error=error,
        symbol=rule.spec.scope.symbol or rule.staged_symbol, ticket=rule.spec.scope.ticket,
        request_id=request_id,
    )  # fmt: skip
