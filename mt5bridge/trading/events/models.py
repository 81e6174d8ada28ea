"""Typed events the bridge publishes: frozen models, each with a `kind`; subscribers `match` on them.

Closing scheme: every full close is exactly ONE event, and its kind says why: `StopLossHit`,
`TakeProfitHit`, `StopOut`, or `PositionClosed` (by hand, by an EA/our API, or anything else). All four
share the same fields (`ClosureBase`); `CLOSE_KINDS` lists them for a subscriber that wants every close.
A partial close is a `PositionReduced` (volume decrease with its realized profit); `PositionModified` is
only SL/TP changes and volume increases (netting). A pending fill gives `PendingFilled` and then the
`PositionOpened` of the position it created (hedging), or a `PositionModified` of the one it grew (netting).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mt5bridge.terminal import models as M


class EventKind(StrEnum):
    TICK = "tick"
    POSITION_OPENED = "position_opened"
    POSITION_CLOSED = "position_closed"
    STOP_LOSS_HIT = "stop_loss_hit"
    TAKE_PROFIT_HIT = "take_profit_hit"
    STOP_OUT = "stop_out"
    POSITION_REDUCED = "position_reduced"
    POSITION_MODIFIED = "position_modified"
    PENDING_PLACED = "pending_placed"
    PENDING_FILLED = "pending_filled"
    PENDING_CANCELLED = "pending_cancelled"
    ACCOUNT_UPDATE = "account_update"
    TERMINAL_DISCONNECTED = "terminal_disconnected"
    TERMINAL_RECONNECTED = "terminal_reconnected"
    WATCHDOG_GAVE_UP = "watchdog_gave_up"
    TERMINAL_RESTARTED = "terminal_restarted"
    RULE_ACTION = "rule_action"


CLOSE_KINDS = frozenset(
    {EventKind.POSITION_CLOSED, EventKind.STOP_LOSS_HIT, EventKind.TAKE_PROFIT_HIT, EventKind.STOP_OUT}
)
TRADE_KINDS = CLOSE_KINDS | {
    EventKind.POSITION_OPENED, EventKind.POSITION_REDUCED, EventKind.POSITION_MODIFIED,
    EventKind.PENDING_PLACED, EventKind.PENDING_FILLED, EventKind.PENDING_CANCELLED,
}  # fmt: skip


class CloseReason(StrEnum):
    """Who closed: from the closing deal's reason. `unknown` = no closing deal could be found."""

    MANUAL = "manual"
    EXPERT = "expert"
    SL = "sl"
    TP = "tp"
    STOP_OUT = "stop_out"
    OTHER = "other"
    UNKNOWN = "unknown"


_REASONS = {
    M.Reason.CLIENT: CloseReason.MANUAL, M.Reason.MOBILE: CloseReason.MANUAL,
    M.Reason.WEB: CloseReason.MANUAL, M.Reason.EXPERT: CloseReason.EXPERT, M.Reason.SL: CloseReason.SL,
    M.Reason.TP: CloseReason.TP, M.Reason.SO: CloseReason.STOP_OUT,
}  # fmt: skip


def close_reason(reason: M.Reason) -> CloseReason:
    """The close reason for a deal reason (rollover, variation margin, split -> `other`)."""
    return _REASONS.get(reason, CloseReason.OTHER)


class CancelState(StrEnum):
    """How a pending order ended without a fill; `unknown` = it left the terminal without a trace."""

    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    time: AwareDatetime


class TickEvent(_Event):
    kind: Literal[EventKind.TICK] = EventKind.TICK
    symbol: str
    bid: float
    ask: float
    time_msc: int


class PositionOpened(_Event):
    kind: Literal[EventKind.POSITION_OPENED] = EventKind.POSITION_OPENED
    position: M.Position


class ClosureBase(_Event):
    """A position gone: `volume` closed at `price` (volume-weighted over the closing deals).

    `profit` = profit + commission + swap + fee of the closing deal(s); `price`/`profit` are None only with
    reason `unknown`. `magic` is the position's (the closing deal's may differ).
    """

    ticket: int
    symbol: str
    side: M.PositionSide
    volume: float
    price: float | None
    profit: float | None
    reason: CloseReason
    magic: int


class PositionClosed(ClosureBase):
    kind: Literal[EventKind.POSITION_CLOSED] = EventKind.POSITION_CLOSED


class StopLossHit(ClosureBase):
    kind: Literal[EventKind.STOP_LOSS_HIT] = EventKind.STOP_LOSS_HIT


class TakeProfitHit(ClosureBase):
    kind: Literal[EventKind.TAKE_PROFIT_HIT] = EventKind.TAKE_PROFIT_HIT


class StopOut(ClosureBase):
    kind: Literal[EventKind.STOP_OUT] = EventKind.STOP_OUT


class PositionReduced(_Event):
    """A partial close: `volume_closed` left the position, `volume_left` remains (same ticket)."""

    kind: Literal[EventKind.POSITION_REDUCED] = EventKind.POSITION_REDUCED
    ticket: int
    symbol: str
    side: M.PositionSide
    volume_closed: float
    volume_left: float
    price: float | None
    profit: float | None
    reason: CloseReason
    magic: int


class PositionModified(_Event):
    """SL/TP changed, or the volume grew (netting); None = no SL/TP."""

    kind: Literal[EventKind.POSITION_MODIFIED] = EventKind.POSITION_MODIFIED
    ticket: int
    symbol: str
    old_sl: float | None
    new_sl: float | None
    old_tp: float | None
    new_tp: float | None
    old_volume: float
    new_volume: float


class PendingPlaced(_Event):
    kind: Literal[EventKind.PENDING_PLACED] = EventKind.PENDING_PLACED
    order: M.Order


class PendingFilled(_Event):
    kind: Literal[EventKind.PENDING_FILLED] = EventKind.PENDING_FILLED
    order_ticket: int
    position_ticket: int
    symbol: str
    type: M.OrderType
    volume: float
    price: float | None
    magic: int


class PendingCancelled(_Event):
    kind: Literal[EventKind.PENDING_CANCELLED] = EventKind.PENDING_CANCELLED
    order_ticket: int
    symbol: str
    type: M.OrderType
    volume: float
    state: CancelState
    magic: int


class AccountUpdate(_Event):
    kind: Literal[EventKind.ACCOUNT_UPDATE] = EventKind.ACCOUNT_UPDATE
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    profit: float


class TerminalDisconnected(_Event):
    """The terminal link (or its link to the trade server) was lost; `code` is the error's stable code."""

    kind: Literal[EventKind.TERMINAL_DISCONNECTED] = EventKind.TERMINAL_DISCONNECTED
    reason: str
    code: str | None
    mt5_code: int | None


class TerminalReconnected(_Event):
    kind: Literal[EventKind.TERMINAL_RECONNECTED] = EventKind.TERMINAL_RECONNECTED
    connected_since: datetime
    downtime_sec: float
    attempts: int


class WatchdogGaveUp(_Event):
    """The terminal watchdog stopped restarting: `restarts` in the last hour reached its cap."""

    kind: Literal[EventKind.WATCHDOG_GAVE_UP] = EventKind.WATCHDOG_GAVE_UP
    cause: str  # why it wanted to restart again: process_gone | heartbeat_failed
    restarts: int


class TerminalRestarted(_Event):
    """The terminal answers again after the watchdog's (or an admin's, `manual`) restart(s)."""

    kind: Literal[EventKind.TERMINAL_RESTARTED] = EventKind.TERMINAL_RESTARTED
    restarts: int
    downtime_sec: float  # since the first of those restarts
    manual: bool


class RuleActionKind(StrEnum):
    """What a trade-management rule did (docs/rules.md, "Runner")."""

    SL_MOVED = "sl_moved"  # ticket, old_sl -> new_sl; reason break_even | trailing
    CLOSED = "closed"  # volume lots (a stage) or every position in scope (tickets); reason staged_tp | ...
    TRADING_PAUSED = "trading_paused"  # an equity guard paused trading; reason equity_guard
    EQUITY_WARNING = "equity_warning"  # equity at the warning level: equity, level (where it fires)
    NOTICE = "notice"  # reason: the notice code (share_rounds_to_nothing, no_risk)
    RULE_PAUSED = "rule_paused"  # the rule failed MAX_FAILURES times in a row; error: the last one
    UNCLEAR = "unclear"  # a close's outcome is unknown after MAX_FAILURES tries; the rule is paused


class RuleAction(_Event):
    """An action a trade-management rule took (or why it stopped), for notifications; codes, not words.

    `reason` is the rule's kind (break_even, trailing, staged_tp, equity_guard, profit_lock), a notice's
    code, or for `rule_paused`/`unclear` the error code; `request_id` names the trading core's request,
    whose audit line carries the rule id too."""

    kind: Literal[EventKind.RULE_ACTION] = EventKind.RULE_ACTION
    rule_id: int
    action: RuleActionKind
    reason: str
    symbol: str | None = None
    ticket: int | None = None
    old_sl: float | None = None
    new_sl: float | None = None
    volume: float | None = None  # lots closed (a stage), or the share in lots that rounds to nothing
    stage: int | None = None  # a staged TP's stage, from 0
    tickets: tuple[int, ...] = ()  # closed whole (a close of the scope), or touched
    equity: float | None = None
    level: float | None = None  # an equity warning: the equity at which the guard fires
    error: str | None = None
    request_id: str | None = None


Event = Annotated[
    TickEvent
    | PositionOpened
    | PositionClosed
    | StopLossHit
    | TakeProfitHit
    | StopOut
    | PositionReduced
    | PositionModified
    | PendingPlaced
    | PendingFilled
    | PendingCancelled
    | AccountUpdate
    | TerminalDisconnected
    | TerminalReconnected
    | WatchdogGaveUp
    | TerminalRestarted
    | RuleAction,
    Field(discriminator="kind"),
]
"""Every event the bus carries; `TypeAdapter(Event)` parses one back from JSON."""

Closure = PositionClosed | StopLossHit | TakeProfitHit | StopOut

ClosureType = type[PositionClosed] | type[StopLossHit] | type[TakeProfitHit] | type[StopOut]
_CLOSURE_BY_REASON: dict[CloseReason, ClosureType] = {
    CloseReason.SL: StopLossHit, CloseReason.TP: TakeProfitHit, CloseReason.STOP_OUT: StopOut,
}  # fmt: skip


def closure_type(reason: CloseReason) -> ClosureType:
    """The event class of a full close with this reason."""
    return _CLOSURE_BY_REASON.get(reason, PositionClosed)
