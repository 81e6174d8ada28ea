"""A confirmed trade-management rule as the bridge keeps it: its spec, its state, what it tracks.

The spec (what to do, on which positions) is `mt5bridge.common.rulespec.RuleSpec`; docs/rules.md says what
each tracked figure means and when it is set.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.common.vocab import Side
from mt5bridge.trading.rules.decisions import Pending


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleState(StrEnum):
    """waiting: its trigger has not been reached; active: it is acting (a trail following the price);
    done: nothing left to do (every stage closed, its positions gone); paused: stopped after failures or
    by an admin, acting on nothing until resumed; removed: deleted by a user (kept for the audit)."""

    WAITING = "waiting"
    ACTIVE = "active"
    DONE = "done"
    PAUSED = "paused"
    REMOVED = "removed"


# States in which a rule acts on nothing (the runner does not run it, `needs` fetches nothing for it).
IDLE_STATES = (RuleState.DONE, RuleState.PAUSED, RuleState.REMOVED)


class Rule(_Model):
    """A confirmed rule as the bridge keeps it (storage), with what it tracks while it runs."""

    id: int
    spec: RuleSpec
    state: RuleState = RuleState.WAITING
    created_at: AwareDatetime
    created_by: str = Field(min_length=1, max_length=128)  # platform:user_id
    updated_at: AwareDatetime | None = None
    # Tracked figures, per position where they are per position (ticket -> value).
    base_volume: float | None = None  # STAGED_TP: lots the scope held when the rule was confirmed
    stages_done: int = 0  # STAGED_TP: stages executed
    initial_risk: dict[int, float] = Field(
        default_factory=dict
    )  # RISK triggers: entry-to-SL distance at first sight
    peak: float | None = None  # EQUITY_GUARD (PEAK): highest equity; PROFIT_LOCK: highest floating profit
    warned: bool = False  # EQUITY_GUARD: the warning went out (once per reference period)
    failures: int = 0  # consecutive failed actions; at the limit the rule is paused
    last_error: str | None = None
    paused_reason: str | None = None
    day: date | None = None  # EQUITY_GUARD (DAY_START): the reporting day the reference belongs to
    fired_on: date | None = None  # EQUITY_GUARD (DAY_START): the reporting day it fired; waits for the next
    best: dict[int, float] = Field(
        default_factory=dict
    )  # TRAILING: best price since activation (bid for buys, ask for sells); a ticket here is activated
    entry: float | None = None  # STAGED_TP: volume-weighted entry of the scope when confirmed
    staged_symbol: str | None = None  # STAGED_TP: the one symbol it closes (the scope's, or its positions')
    staged_side: Side | None = None  # STAGED_TP: the one side it closes (the scope's, or its positions')
    # Closes decided but not yet settled, written before they are sent: re-sent as they are (same request
    # ids) until the trading core answers, so a lost answer after a restart is replayed, never doubled.
    pending: tuple[Pending, ...] = ()
    attempts: int = 0  # definite failures ever; part of request ids, so a retry is a new request
