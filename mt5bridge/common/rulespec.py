"""What a trade-management rule asks for (issue 19): the action and the positions it applies to.

In the shared leaf, like `vocab`, because the parser builds these from what a trader types and the trading
core runs them: one model, no copy in `nlu`. Pydantic and the standard library only. A confirmed rule, with
what the bridge tracks while it runs, is `mt5bridge.trading.rules.models.Rule`; every field's meaning is in
docs/rules.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mt5bridge.common.vocab import ProfitUnit, Reference, RuleKind, Side, TrailMode


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Positive and finite (NaN fails every comparison, so it is refused too).
Positive = Annotated[float, Field(gt=0, lt=1e12, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, lt=1e12, allow_inf_nan=False)]
Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]


class Scope(_Model):
    """Which positions a rule acts on: every field given must match; none given is the whole account.
    A standing scope (no ticket) picks up positions opened after the rule."""

    ticket: int | None = Field(None, gt=0, lt=2**63)  # MT5 tickets are 64-bit
    symbol: str | None = Field(None, min_length=1, max_length=32)
    magic: int | None = Field(None, ge=0, lt=2**63)
    side: Side | None = None

    @property
    def whole_account(self) -> bool:
        return self.ticket is None and self.symbol is None and self.magic is None and self.side is None


class Trigger(_Model):
    unit: ProfitUnit = ProfitUnit.POINTS
    value: NonNegative = 0.0  # 0: at once (as soon as the move is at least the offset, docs/rules.md)


class BreakEven(_Model):
    kind: Literal[RuleKind.BREAK_EVEN] = RuleKind.BREAK_EVEN
    trigger: Trigger = Trigger()
    offset_points: float = Field(
        0.0, ge=-1e6, le=1e6, allow_inf_nan=False
    )  # beyond entry, in the profit's direction


class Trailing(_Model):
    kind: Literal[RuleKind.TRAILING] = RuleKind.TRAILING
    mode: TrailMode = TrailMode.POINTS
    distance_points: Positive | None = None  # POINTS
    atr_k: Positive | None = None  # ATR
    atr_period: int = Field(14, ge=1, le=500)
    candles: int | None = Field(None, ge=1, le=500)  # CANDLES
    timeframe: str = Field("H1", pattern=r"^(M1|M5|M15|M30|H1|H4|D1)$")  # ATR and CANDLES
    activation: Trigger = Trigger()  # trails once the position is this far in profit
    step_points: NonNegative = 0.0  # move only when the SL improves by at least this (and one tick always)

    @model_validator(mode="after")
    def _mode_has_its_figure(self) -> Trailing:
        needed = {
            TrailMode.POINTS: self.distance_points,
            TrailMode.ATR: self.atr_k,
            TrailMode.CANDLES: self.candles,
        }
        if needed[self.mode] is None:
            raise ValueError(f"a {self.mode} trail needs its distance")
        return self


class Stage(_Model):
    """Close `share` of the base volume once the price reaches `price` (or is `points` in profit)."""

    price: Positive | None = None
    points: Positive | None = None
    share: Share

    @model_validator(mode="after")
    def _one_level(self) -> Stage:
        if (self.price is None) == (self.points is None):
            raise ValueError("a stage has a price or a distance in points, not both")
        return self


class StagedTakeProfit(_Model):
    kind: Literal[RuleKind.STAGED_TP] = RuleKind.STAGED_TP
    stages: list[Stage] = Field(min_length=1, max_length=5)

    @model_validator(mode="after")
    def _at_most_everything(self) -> StagedTakeProfit:
        if sum(s.share for s in self.stages) > 1 + 1e-9:
            raise ValueError("the stages close more than the whole position")
        return self


class Drawdown(_Model):
    """A drawdown from the reference: a percent of it, or an amount of account currency."""

    percent: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    money: Positive | None = None

    @model_validator(mode="after")
    def _one(self) -> Drawdown:
        if (self.percent is None) == (self.money is None):
            raise ValueError("a drawdown is a percent or an amount, not both")
        return self


class EquityGuard(_Model):
    kind: Literal[RuleKind.EQUITY_GUARD] = RuleKind.EQUITY_GUARD
    reference: Reference = Reference.DAY_START
    amount: Positive | None = None  # the FIXED reference
    limit: Drawdown
    warn_at: Drawdown | None = None  # must be below `limit`
    pause: bool = True  # pause trading (the bridge's pause) until an admin resumes

    @model_validator(mode="after")
    def _fixed_has_amount(self) -> EquityGuard:
        if (self.reference is Reference.FIXED) != (self.amount is not None):
            raise ValueError("a fixed reference needs its amount, and only a fixed one has one")
        return self


class ProfitLock(_Model):
    kind: Literal[RuleKind.PROFIT_LOCK] = RuleKind.PROFIT_LOCK
    activate_at: Positive  # floating profit (money, profit + swap of the scope) that arms it
    give_back: Share  # close everything in scope once the floating profit falls to peak x (1 - give_back)


RuleAction = Annotated[
    BreakEven | Trailing | StagedTakeProfit | EquityGuard | ProfitLock, Field(discriminator="kind")
]


class RuleSpec(_Model):
    """What a user asks for: the action and the positions it applies to."""

    scope: Scope = Scope()
    action: RuleAction
