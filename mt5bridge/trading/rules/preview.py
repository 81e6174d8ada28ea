"""What a rule will do, with today's numbers: the preview shown before a rule is confirmed (docs/rules.md,
"Preview, REST").

The preview's models (`RulePreview` and its parts: per position, per stage, for a guard and for a profit
lock, with the warnings) and `change_of(expected, fresh)`, which says whether what a user confirmed still
holds. previewing.py builds a preview from a snapshot.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.common.vocab import Reference, RuleKind, Side
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.models import RuleState


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlStatus(StrEnum):
    """What an SL rule does for one position now."""

    SETS_NOW = "sets_now"  # `sl` is sent as soon as the rule is created
    WAITING = "waiting"  # the trigger is not reached: `remaining` more, in the trigger's unit
    PROTECTED = "protected"  # the current SL is already at or beyond what the rule would set
    STOPS_LEVEL = "stops_level"  # the level is inside the stops level now; it waits for the price
    FROZEN = "frozen"  # within the freeze level: MT5 refuses changes now
    NO_RISK = "no_risk"  # a risk trigger and no SL (or one on the profit side): never triggers
    NO_QUOTE = "no_quote"
    NO_SYMBOL = "no_symbol"  # the symbol's facts cannot be read or priced
    NO_FIGURE = "no_figure"  # the trail's ATR or bar extremes cannot be computed now
    NO_PRICE = "no_price"  # the trail's target is at or below 0


class WarningCode(StrEnum):
    NO_RISK = "no_risk"  # a position has no risk for a risk trigger (ticket)
    NO_POSITIONS = "no_positions"  # nothing in scope now: the rule waits for positions that match
    FIRES_NOW = "fires_now"  # an equity guard whose limit is already reached: it closes (and pauses) at once
    WARNS_NOW = "warns_now"  # an equity guard whose warning level is already reached
    DAY_START_ESTIMATED = "day_start_estimated"  # no snapshot at the day's start: see `guard.basis`
    NO_REFERENCE = "no_reference"  # an equity guard without a usable reference now
    SHARE_ROUNDS_TO_NOTHING = "share_rounds_to_nothing"  # a stage closes nothing (stage)
    FROZEN = "frozen"  # a stage reached now waits: a position it closes is within the freeze level
    NO_QUOTE = "no_quote"  # no quote or symbol facts for the staged symbol now


class PreviewWarning(_Model):
    code: WarningCode
    ticket: int | None = None
    stage: int | None = None


class ScopedPosition(_Model):
    """A position in the rule's scope now and, for an SL rule, what the rule does with it."""

    ticket: int
    symbol: str
    side: PositionSide
    volume: float
    price_open: float
    sl: float | None
    tp: float | None
    profit: float  # profit + swap, account currency
    profit_points: float | None  # None without a quote or facts
    status: SlStatus | None = None  # SL rules only
    sl_now: float | None = None  # SETS_NOW: the SL sent at once
    level: float | None = None  # break-even: the SL it sets (entry ± offset, on the grid); trailing:
    # the target now (activated) or, waiting on a points or risk trigger, the target at activation
    remaining: float | None = None  # WAITING: more profit the trigger needs, in the trigger's unit
    trigger_price: float | None = None  # WAITING on points or risk: the closing price that triggers it


class StagePlan(_Model):
    index: int
    level: float  # the price that executes it (buy scopes: bid at or above; sell scopes: ask at or below)
    share: float
    lots: float  # share x base, rounded down to the volume step, capped at what is left; 0: rounds to nothing
    rounds_to_nothing: bool
    reached_now: bool  # executed as soon as the rule is created


class StagedPlan(_Model):
    symbol: str
    side: Side
    base_volume: float
    entry: float
    stages: tuple[StagePlan, ...]


class GuardPlan(_Model):
    reference: Reference
    reference_equity: float | None  # None: no usable reference now (nothing happens until there is one)
    basis: str | None = None  # DAY_START: snapshot, first_snapshot or first_seen (docs/rules.md)
    basis_at: datetime | None = None  # DAY_START: when that equity was measured (UTC)
    equity: float
    warn_at: float | None
    fire_at: float | None
    warns_now: bool
    fires_now: bool
    pause: bool


class LockPlan(_Model):
    activate_at: float
    floating: float  # the scope's profit + swap now
    armed_now: bool
    close_at: float  # the floating profit at which it closes if the peak stayed max(floating, activate_at)


ChangeReason = Literal["spec_changed", "positions_changed", "basis_changed", "acts_now"]


class RulePreview(_Model):
    """What the rule will do, with the numbers of `day` now."""

    spec: RuleSpec  # as it will be stored: the scope's symbol is the broker's name
    kind: RuleKind
    state: RuleState  # the state it starts in
    day: date
    equity: float
    positions: tuple[ScopedPosition, ...]
    staged: StagedPlan | None = None
    guard: GuardPlan | None = None
    lock: LockPlan | None = None
    acts_now: bool  # creating it sends something at once (an SL, a stage, a close)
    warnings: tuple[PreviewWarning, ...] = ()


# --- what changed since the preview a user confirmed ---------------------------------------------------
def _book(preview: RulePreview) -> set[tuple[int, float]]:
    return {(p.ticket, p.volume) for p in preview.positions}


def _acting(preview: RulePreview) -> set[object]:
    """What the rule does at once that is not an SL (SLs move with the price and are not compared)."""
    acts: set[object] = set()
    if preview.staged is not None:
        acts.update(("stage", s.index) for s in preview.staged.stages if s.reached_now)
    if preview.guard is not None and preview.guard.fires_now:
        acts.add("fires")
    return acts


def change_of(expected: RulePreview, fresh: RulePreview) -> ChangeReason | None:
    """Why `fresh` is materially not what the user confirmed as `expected`, or None.

    Material: another spec; other positions in scope (tickets or lots); a staged TP's basis or stage lots,
    or a day or fixed guard's reference and levels; something done at once that was not (a stage reached,
    a guard firing). Not material: SL figures and trigger distances (they move with every tick, and a
    rule does what it was asked whenever its trigger is reached), a peak guard's reference (the equity
    now)."""
    if expected.spec != fresh.spec:
        return "spec_changed"
    if _book(expected) != _book(fresh):
        return "positions_changed"
    if expected.staged != fresh.staged and (
        expected.staged is None
        or fresh.staged is None
        or expected.staged.model_dump(exclude={"stages"}) != fresh.staged.model_dump(exclude={"stages"})
        or [(s.lots, s.level) for s in expected.staged.stages]
        != [(s.lots, s.level) for s in fresh.staged.stages]
    ):
        return "basis_changed"
    old, new = expected.guard, fresh.guard
    if old is not None and new is not None and old.reference is not Reference.PEAK:
        if (old.reference_equity, old.fire_at, old.warn_at) != (
            new.reference_equity,
            new.fire_at,
            new.warn_at,
        ):
            return "basis_changed"
    if not _acting(fresh) <= _acting(expected):
        return "acts_now"
    return None
