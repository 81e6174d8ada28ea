"""One rule, one round: `evaluate(rule, snapshot)`, what it needs fetched, and its confirmation figures.

Pure: the result depends only on the rule's tracked state and the snapshot, so evaluating again after a
restart finds what was done in the terminal (an SL already moved, lots already closed) and in the rule
(`stages_done`, `pending`), and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from mt5bridge.common.rulespec import BreakEven, EquityGuard, StagedTakeProfit, Trailing
from mt5bridge.common.vocab import Reference, TrailMode
from mt5bridge.trading.rules.account import equity_guard, profit_lock
from mt5bridge.trading.rules.inputs import AtrKey, BarsKey, FigureKey, OpenPosition, Snapshot
from mt5bridge.trading.rules.measure import in_scope
from mt5bridge.trading.rules.models import IDLE_STATES, Rule, RuleState
from mt5bridge.trading.rules.outcome import Evaluation
from mt5bridge.trading.rules.positional import break_even, trailing
from mt5bridge.trading.rules.staged import basis, staged_tp


def evaluate(rule: Rule, snap: Snapshot) -> Evaluation:
    """The rule's decisions on this round and its new tracked state.

    Closes decided earlier and not yet settled (`rule.pending`) are returned again as they are, with
    nothing new, until the runner settles or fails them (settle.py)."""
    if rule.state in (RuleState.PAUSED, RuleState.REMOVED):
        return Evaluation(rule)
    if rule.pending:
        return Evaluation(rule, tuple(rule.pending))
    if rule.state is RuleState.DONE:
        return Evaluation(rule)
    action = rule.spec.action
    if isinstance(action, BreakEven):
        return break_even(rule, action, snap)
    if isinstance(action, Trailing):
        return trailing(rule, action, snap)
    if isinstance(action, StagedTakeProfit):
        return staged_tp(rule, action, snap)
    if isinstance(action, EquityGuard):
        return equity_guard(rule, action, snap)
    return profit_lock(rule, action, snap)


def needs(rule: Rule, positions: Iterable[OpenPosition]) -> set[FigureKey]:
    """The market figures `evaluate` will read for this rule: the ATR or bar extremes of a trail, for the
    symbols of the positions in its scope. Empty for every other kind, and for an idle rule."""
    action = rule.spec.action
    if rule.state in IDLE_STATES or not isinstance(action, Trailing) or action.mode is TrailMode.POINTS:
        return set()
    symbols = {p.symbol for p in positions if in_scope(rule.spec.scope, p)}
    if action.mode is TrailMode.ATR:
        return {AtrKey(s, action.timeframe, action.atr_period) for s in symbols}
    return {BarsKey(s, action.timeframe, action.candles or 0) for s in symbols}


def start(rule: Rule, snap: Snapshot) -> Rule:
    """`rule` with the figures it fixes when confirmed: a staged TP's symbol, side, base volume and entry
    (RuleStartError when its scope is empty or mixed), a peak guard's starting equity, a day guard's day.
    Evaluating a rule that was not started takes them at its first round instead."""
    action = rule.spec.action
    if isinstance(action, StagedTakeProfit):
        return rule.model_copy(update=basis(rule, snap))
    if isinstance(action, EquityGuard) and action.reference is Reference.PEAK and rule.peak is None:
        return rule.model_copy(update={"peak": snap.account.equity})
    if isinstance(action, EquityGuard) and action.reference is Reference.DAY_START:
        return rule.model_copy(update={"day": snap.day})
    return rule
