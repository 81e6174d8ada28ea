"""A client for one remote bridge (`mt5bot serve`): its trading core's methods, models, errors and events.

`RemoteTrading` (REST) mirrors the `TradingService` methods the chat core calls; `BridgeFeed` (WebSocket)
turns the bridge's events into the trading core's `Event` models tagged with the account; `probe` reads
the bridge's health into a `BridgeStatus`. Contract: docs/accounts.md, "Bridge client".
"""

from mt5bridge.remote.client import RemoteTrading
from mt5bridge.remote.errors import BridgeOutcomeUnknown, BridgeRefusal, BridgeUnauthorized, BridgeUnreachable
from mt5bridge.remote.feed import AccountEvent, BridgeFeed, FeedState, FeedStatus
from mt5bridge.remote.settings import BridgeSettings
from mt5bridge.remote.status import BridgeState, BridgeStatus, probe

__all__ = [
    "AccountEvent",
    "BridgeFeed",
    "BridgeOutcomeUnknown",
    "BridgeRefusal",
    "BridgeSettings",
    "BridgeState",
    "BridgeStatus",
    "BridgeUnauthorized",
    "BridgeUnreachable",
    "FeedState",
    "FeedStatus",
    "RemoteTrading",
    "probe",
]
