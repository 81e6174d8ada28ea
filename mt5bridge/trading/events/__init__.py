"""Events of the bridge: typed models, the in-process bus, and the pollers that feed it.

See docs/events.md ("Heartbeat and events") for the delivery rules and the event scheme.
"""

from mt5bridge.common.tasks import TaskSet
from mt5bridge.trading.events.bus import BusLinkListener, EventBus, Subscription, SubscriptionClosed
from mt5bridge.trading.events.models import (
    CLOSE_KINDS,
    TRADE_KINDS,
    AccountUpdate,
    CancelState,
    CloseReason,
    Event,
    EventKind,
    PendingCancelled,
    PendingFilled,
    PendingPlaced,
    PositionClosed,
    PositionModified,
    PositionOpened,
    PositionReduced,
    RuleAction,
    RuleActionKind,
    StopLossHit,
    StopOut,
    TakeProfitHit,
    TerminalDisconnected,
    TerminalReconnected,
    TickEvent,
)
from mt5bridge.trading.events.ticks import TickPoller
from mt5bridge.trading.events.watcher import TradeWatcher

__all__ = [
    "CLOSE_KINDS",
    "TRADE_KINDS",
    "AccountUpdate",
    "BusLinkListener",
    "CancelState",
    "CloseReason",
    "Event",
    "EventBus",
    "EventKind",
    "PendingCancelled",
    "PendingFilled",
    "PendingPlaced",
    "PositionClosed",
    "PositionModified",
    "PositionOpened",
    "PositionReduced",
    "RuleAction",
    "RuleActionKind",
    "StopLossHit",
    "StopOut",
    "Subscription",
    "SubscriptionClosed",
    "TakeProfitHit",
    "TaskSet",
    "TerminalDisconnected",
    "TerminalReconnected",
    "TickEvent",
    "TickPoller",
    "TradeWatcher",
]
