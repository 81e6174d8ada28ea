"""Building a rule's preview (preview.py's `RulePreview`) from a snapshot (docs/rules.md, "Preview, REST").

`build_preview(rule, snapshot)` is pure: it starts the rule on the snapshot (a staged TP's basis, a
guard's reference), evaluates it once, and describes the result per position (the SL it would set now,
or why not yet), per stage (the lots after rounding), for a guard (the reference and the equity at which it
warns and fires) and for a profit lock (the arming level). The numbers are the evaluation's own: the
preview runs the very code the runner will run.
"""

from __future__ import annotations

import math
from datetime import datetime

from mt5bridge.common.rulespec import (
    BreakEven,
    EquityGuard,
    ProfitLock,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import ProfitUnit, Reference, Side, TrailMode
from mt5bridge.trading.rules.account import drawdown_amount
from mt5bridge.trading.rules.decisions import CloseAll, CloseVolume, HoldCode, Notice, NoticeCode, SetStopLoss
from mt5bridge.trading.rules.evaluate import evaluate, start
from mt5bridge.trading.rules.inputs import OpenPosition, Quote, Snapshot, SymbolFacts
from mt5bridge.trading.rules.measure import scoped
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.outcome import Evaluation
from mt5bridge.trading.rules.positional import break_even_level, trail_target
from mt5bridge.trading.rules.preview import (
    GuardPlan,
    LockPlan,
    PreviewWarning,
    RulePreview,
    ScopedPosition,
    SlStatus,
    StagedPlan,
    StagePlan,
    WarningCode,
)
from mt5bridge.trading.rules.stops import EPS, Rounding, decimals, improves, profit_points, to_tick

_HOLD_STATUS = {
    HoldCode.FROZEN: SlStatus.FROZEN,
    HoldCode.STOPS_LEVEL: SlStatus.STOPS_LEVEL,
    HoldCode.NO_QUOTE: SlStatus.NO_QUOTE,
    HoldCode.NO_SYMBOL: SlStatus.NO_SYMBOL,
    HoldCode.NO_FIGURE: SlStatus.NO_FIGURE,
    HoldCode.NO_PRICE: SlStatus.NO_PRICE,
}


def build_preview(
    rule: Rule,
    snap: Snapshot,
    *,
    day_start_basis: str | None = None,
    day_start_at: datetime | None = None,
) -> tuple[Rule, RulePreview]:
    """The rule as started on `snap` (what `create` stores) and its preview. Raises `RuleStartError` when
    it cannot start (a staged TP with an empty or mixed scope). `day_start_basis`/`_at`: where the
    snapshot's start-of-day equity came from (`SnapshotSource.day_start`)."""
    started = start(rule, snap)
    evaluation = evaluate(started, snap)
    action = rule.spec.action
    warnings: list[PreviewWarning] = []
    in_scope = scoped(rule.spec.scope, snap)
    if isinstance(action, BreakEven | Trailing):
        positions = _sl_positions(evaluation, action, in_scope, snap, warnings)
    else:
        positions = [_position(p, snap) for p in in_scope]
    if not in_scope and not isinstance(action, EquityGuard):
        warnings.append(PreviewWarning(code=WarningCode.NO_POSITIONS))
    staged = guard = lock = None
    if isinstance(action, StagedTakeProfit):
        staged = _staged(started, action, evaluation, snap, warnings)
    elif isinstance(action, EquityGuard):
        guard = _guard(started, action, snap, day_start_basis, day_start_at, warnings)
    elif isinstance(action, ProfitLock):
        lock = _lock(action, in_scope)
    acts = any(isinstance(d, SetStopLoss | CloseVolume | CloseAll) for d in evaluation.decisions)
    preview = RulePreview(
        spec=rule.spec, kind=action.kind, state=started.state, day=snap.day, equity=snap.account.equity,
        positions=tuple(positions), staged=staged, guard=guard, lock=lock, acts_now=acts,
        warnings=tuple(warnings),
    )  # fmt: skip
    return started, preview


def _market(p: OpenPosition, snap: Snapshot) -> tuple[Quote, SymbolFacts] | None:
    quote, facts = snap.quotes.get(p.symbol), snap.symbols.get(p.symbol)
    return None if quote is None or facts is None else (quote, facts)


def _position(p: OpenPosition, snap: Snapshot, **plan: object) -> ScopedPosition:
    market = _market(p, snap)
    points = None if market is None else round(profit_points(p, *market), 6)
    return ScopedPosition(
        ticket=p.ticket, symbol=p.symbol, side=p.side, volume=p.volume, price_open=p.price_open, sl=p.sl,
        tp=p.tp, profit=round(p.net, 2), profit_points=points, **plan,
    )  # fmt: skip


# --- break-even and trailing ---------------------------------------------------------------------------
def _sl_positions(
    evaluation: Evaluation,
    action: BreakEven | Trailing,
    positions: list[OpenPosition],
    snap: Snapshot,
    warnings: list[PreviewWarning],
) -> list[ScopedPosition]:
    sets = {d.ticket: d for d in evaluation.decisions if isinstance(d, SetStopLoss)}
    holds = {h.ticket: h.code for h in evaluation.holds if h.ticket is not None}
    no_risk = {
        d.ticket for d in evaluation.decisions if isinstance(d, Notice) and d.code is NoticeCode.NO_RISK
    }
    trigger = action.trigger if isinstance(action, BreakEven) else action.activation
    risk = evaluation.rule.initial_risk
    out = []
    for p in positions:
        market = _market(p, snap)
        level = (
            None if market is None else _level(action, p, market, snap, evaluation.rule.best.get(p.ticket))
        )
        plan: dict[str, object] = {"level": level}
        if p.ticket in sets:
            plan.update(status=SlStatus.SETS_NOW, sl_now=sets[p.ticket].sl)
        elif p.ticket in holds and holds[p.ticket] in _HOLD_STATUS:
            plan["status"] = _HOLD_STATUS[holds[p.ticket]]
        elif market is None:
            plan["status"] = SlStatus.NO_QUOTE
        elif _protected(action, p, evaluation, level, market[1]):
            plan["status"] = SlStatus.PROTECTED
        elif trigger.unit is ProfitUnit.RISK and trigger.value > 0 and not risk.get(p.ticket):
            plan["status"] = SlStatus.NO_RISK
        else:
            remaining, price = _remaining(trigger, p, market, risk.get(p.ticket))
            plan.update(status=SlStatus.WAITING, remaining=remaining, trigger_price=price)
            if isinstance(action, Trailing) and price is not None and market is not None:
                plan["level"] = _trail_level(action, p, market, snap, price)
        if p.ticket in no_risk or plan["status"] is SlStatus.NO_RISK:
            warnings.append(PreviewWarning(code=WarningCode.NO_RISK, ticket=p.ticket))
        out.append(_position(p, snap, **plan))
    return out


def _protected(
    action: BreakEven | Trailing, p: OpenPosition, evaluation: Evaluation, level: float | None,
    facts: SymbolFacts,
) -> bool:  # fmt: skip
    """Nothing sent and nothing held because the SL already does the job: a trail activated whose SL is
    tighter than its target, a break-even whose SL is at or beyond its level."""
    if isinstance(action, Trailing):
        return p.ticket in evaluation.rule.best
    return level is not None and not improves(p.buy, p.sl, level, facts.tick_size, facts)


def _level(
    action: BreakEven | Trailing, p: OpenPosition, market: tuple[Quote, SymbolFacts], snap: Snapshot,
    best: float | None,
) -> float | None:  # fmt: skip
    """Break-even: the SL it sets. Trailing, activated: the target behind the best price now."""
    if isinstance(action, BreakEven):
        return break_even_level(action, p, market[1])
    if best is None:
        return None
    return _trail_level(action, p, market, snap, best)


def _trail_level(
    action: Trailing, p: OpenPosition, market: tuple[Quote, SymbolFacts], snap: Snapshot, best: float
) -> float | None:
    """The trail's target behind `best` (the closing price), as the evaluation computes it; a distance
    (points or ATR) that leaves no price above 0 has none (a candle trail's target is shown as it is)."""
    target = trail_target(action, p, market, best, snap)
    if target is None or action.mode is TrailMode.CANDLES:
        return target
    return target if target > 0 else None


def _remaining(
    trigger: Trigger, p: OpenPosition, market: tuple[Quote, SymbolFacts], risk: float | None
) -> tuple[float | None, float | None]:
    """How much more profit the trigger needs (its unit), and the closing price that reaches it."""
    quote, facts = market
    points = profit_points(p, quote, facts)
    if trigger.unit is ProfitUnit.MONEY:
        return round(max(trigger.value - p.net, 0.0), 2), None
    if trigger.unit is ProfitUnit.RISK:
        if not risk:
            return None, None
        distance = trigger.value * risk
        left = round(max(trigger.value - points / risk, 0.0), 6)
    else:
        distance = trigger.value
        left = round(max(trigger.value - points, 0.0), 6)
    raw = p.price_open + distance * facts.point if p.buy else p.price_open - distance * facts.point
    return left, to_tick(raw, facts, Rounding.UP if p.buy else Rounding.DOWN)


# --- staged take-profit --------------------------------------------------------------------------------
def _staged(
    started: Rule,
    action: StagedTakeProfit,
    evaluation: Evaluation,
    snap: Snapshot,
    warnings: list[PreviewWarning],
) -> StagedPlan | None:
    symbol, side = started.staged_symbol, started.staged_side
    base, entry = started.base_volume, started.entry
    if symbol is None or side is None or base is None or entry is None:
        return None  # not started: start() raised before this
    facts = snap.symbols.get(symbol)
    if facts is None or symbol not in snap.quotes:
        warnings.append(PreviewWarning(code=WarningCode.NO_QUOTE))
    if any(h.code is HoldCode.FROZEN for h in evaluation.holds):
        warnings.append(PreviewWarning(code=WarningCode.FROZEN))
    reached = {
        d.stage for d in evaluation.decisions if isinstance(d, CloseVolume | Notice) and d.stage is not None
    }
    buy = side is Side.BUY
    held = sum(
        p.volume for p in scoped(started.spec.scope, snap) if p.symbol == symbol and p.side.value == side
    )
    stages = []
    step = facts.volume_step if facts is not None else None
    left = round(held / step) if step else 0
    min_steps = max(1, math.ceil(facts.volume_min / step - EPS)) if facts is not None and step else 1
    for k, stage in enumerate(action.stages):
        if stage.price is not None:
            level = stage.price
        else:
            distance = (stage.points or 0.0) * (facts.point if facts is not None else 0.0)
            level = entry + distance if buy else entry - distance
            level = round(level, max(facts.digits, decimals(facts.tick_size))) if facts is not None else level
        steps = min(math.floor(stage.share * base / step + EPS), left) if step else 0
        nothing = steps < min_steps
        if nothing:
            steps = 0
            warnings.append(PreviewWarning(code=WarningCode.SHARE_ROUNDS_TO_NOTHING, stage=k))
        left -= steps
        lots = round(steps * step, decimals(step) + 2) if step else 0.0
        stages.append(StagePlan(index=k, level=level, share=stage.share, lots=lots, rounds_to_nothing=nothing,
                                reached_now=k in reached))  # fmt: skip
    return StagedPlan(symbol=symbol, side=side, base_volume=base, entry=entry, stages=tuple(stages))


# --- equity guard and profit lock ----------------------------------------------------------------------
def _guard(
    started: Rule,
    guard: EquityGuard,
    snap: Snapshot,
    basis: str | None,
    basis_at: datetime | None,
    warnings: list[PreviewWarning],
) -> GuardPlan:
    equity = snap.account.equity
    if guard.reference is Reference.FIXED:
        reference: float | None = guard.amount
    elif guard.reference is Reference.PEAK:
        reference = started.peak if started.peak is not None else equity
    else:
        reference = snap.day_start_equity
        if basis is not None and basis != "snapshot":
            warnings.append(PreviewWarning(code=WarningCode.DAY_START_ESTIMATED))
    if reference is None or reference <= 0:
        warnings.append(PreviewWarning(code=WarningCode.NO_REFERENCE))
        return GuardPlan(reference=guard.reference, reference_equity=reference, equity=equity, warn_at=None,
                         fire_at=None, warns_now=False, fires_now=False, pause=guard.pause,
                         basis=basis if guard.reference is Reference.DAY_START else None,
                         basis_at=basis_at if guard.reference is Reference.DAY_START else None)  # fmt: skip
    fire_at = round(reference - drawdown_amount(guard.limit, reference), 2)
    warn_at = (
        None if guard.warn_at is None else round(reference - drawdown_amount(guard.warn_at, reference), 2)
    )
    fires = equity <= fire_at + 1e-9
    warns = not fires and warn_at is not None and equity <= warn_at + 1e-9
    if fires:
        warnings.append(PreviewWarning(code=WarningCode.FIRES_NOW))
    elif warns:
        warnings.append(PreviewWarning(code=WarningCode.WARNS_NOW))
    day = guard.reference is Reference.DAY_START
    return GuardPlan(
        reference=guard.reference, reference_equity=round(reference, 2), basis=basis if day else None,
        basis_at=basis_at if day else None, equity=equity, warn_at=warn_at, fire_at=fire_at, warns_now=warns,
        fires_now=fires, pause=guard.pause,
    )  # fmt: skip


def _lock(lock: ProfitLock, positions: list[OpenPosition]) -> LockPlan:
    floating = round(sum(p.net for p in positions), 2)
    armed = bool(positions) and floating >= lock.activate_at - 1e-9
    peak = max(floating, lock.activate_at)
    return LockPlan(activate_at=lock.activate_at, floating=floating, armed_now=armed,
                    close_at=round(peak * (1 - lock.give_back), 2))  # fmt: skip
