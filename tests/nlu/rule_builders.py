"""The rules the chat's phrases must read as (tests/nlu/test_rules_*.py): scopes, units and one builder per
rule kind, so that each expected `RuleSpec` reads like the phrase it comes from."""

from __future__ import annotations

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    ProfitLock,
    RuleSpec,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import ProfitUnit, Reference, TrailMode
from nlu import Command, Intent

GOLD = Scope(symbol="XAUUSD")
EURUSD = Scope(symbol="EURUSD")
ACCOUNT = Scope()
POINTS, MONEY, RISK = ProfitUnit.POINTS, ProfitUnit.MONEY, ProfitUnit.RISK


def be(scope: Scope, trigger: tuple[ProfitUnit, float] = (POINTS, 0), offset: float = 0) -> RuleSpec:
    unit, value = trigger
    return RuleSpec(
        scope=scope, action=BreakEven(trigger=Trigger(unit=unit, value=value), offset_points=offset)
    )


def trail(scope: Scope, after: tuple[ProfitUnit, float] = (POINTS, 0), **figures: object) -> RuleSpec:
    unit, value = after
    action = Trailing.model_validate({**figures, "activation": Trigger(unit=unit, value=value)})
    return RuleSpec(scope=scope, action=action)


def points(distance: float) -> dict[str, object]:
    return {"mode": TrailMode.POINTS, "distance_points": distance}


def stages(scope: Scope, *levels: tuple[str, float, float]) -> RuleSpec:
    made = [Stage.model_validate({kind: value, "share": share}) for kind, value, share in levels]
    return RuleSpec(scope=scope, action=StagedTakeProfit(stages=made))


def guard(scope: Scope, reference: Reference, limit: Drawdown, **more: object) -> RuleSpec:
    return RuleSpec(
        scope=scope, action=EquityGuard.model_validate({"reference": reference, "limit": limit, **more})
    )


def lock(scope: Scope, start: float, give_back: float) -> RuleSpec:
    return RuleSpec(scope=scope, action=ProfitLock(activate_at=start, give_back=give_back))


PCT3, PCT10 = Drawdown(percent=3), Drawdown(percent=10)
DAY, PEAK = Reference.DAY_START, Reference.PEAK


def rule_set(spec: RuleSpec) -> Command:
    """What a phrase that sets `spec` parses to."""
    return Command(intent=Intent.RULE_SET, rule=spec)
