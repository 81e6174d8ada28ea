"""`BridgeFeed` on real bridges: events tagged with the account after a trade (callback and bus), the
bridge's pings answered, a stopped bridge reconnected with growing, capped, jittered delays until a new
server listens on the same port, and a wrong token shown as unauthorized."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from api.keys import BUS
from api.ws import set_ws_options
from api.ws_hub import WsOptions
from mt5bridge.remote import RemoteTrading
from mt5bridge.remote.feed import AccountEvent, BridgeFeed, FeedState, backoff_delay
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.events import EventBus, EventKind
from mt5bridge.trading.events.models import AccountUpdate, PositionOpened, RuleAction, RuleActionKind
from mt5bridge.trading.models import OpenRequest
from tests.api.conftest import Api, start_api
from tests.remote.conftest import ADMIN, settings_of, start_on_port

BUY = OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01)
FAST = {"reconnect_initial": 0.05, "reconnect_max": 0.4, "reconnect_jitter": 0.2}


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for `check()` to hold (polling the loop), failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.02)


def test_backoff_grows_to_the_cap_and_jitter_only_shortens() -> None:
    plain = [backoff_delay(n, 0.5, 30.0, 0.2, rand=lambda: 0.0) for n in range(1, 10)]
    assert plain == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert backoff_delay(3, 0.5, 30.0, 0.2, rand=lambda: 1.0) == 2.0 * 0.8
    assert backoff_delay(10_000, 0.5, 30.0, 0.0) == 30.0  # no overflow far out


async def test_a_trade_on_the_bridge_arrives_tagged_with_the_account(
    bridge: Api, remote: RemoteTrading
) -> None:
    seen: list[AccountEvent] = []
    bus = EventBus()
    sub = bus.subscribe({EventKind.POSITION_OPENED}, name="front-test")
    feed = BridgeFeed(settings_of(bridge, name="acct-a"), on_event=seen.append, bus=bus)
    feed.start()
    try:
        await until(lambda: any(isinstance(e.event, AccountUpdate) for e in seen))  # the account snapshot
        assert feed.status.state is FeedState.CONNECTED and feed.status.connected_since is not None
        result = await remote.execute(BUY, ADMIN, request_id="tagged")
        await until(lambda: any(isinstance(e.event, PositionOpened) for e in seen))
        (opened,) = [e for e in seen if isinstance(e.event, PositionOpened)]
        assert opened.account == "acct-a"
        assert isinstance(opened.event, PositionOpened)
        assert opened.event.position.ticket == result.outcomes[0].order
        assert opened.event.position.symbol == "XAUUSD"
        on_bus = await asyncio.wait_for(sub.get(), 5)  # the account's own bus got the bare event
        assert on_bus == opened.event
        assert feed.status.events == len(seen)
    finally:
        await feed.stop()
    assert feed.status.state is FeedState.STOPPED


async def test_the_bridges_pings_are_answered_so_it_keeps_the_feed(bridge: Api) -> None:
    set_ws_options(bridge.app, WsOptions(ping_interval=0.1, pong_timeout=0.3))
    states: list[FeedState] = []
    feed = BridgeFeed(settings_of(bridge), on_status=lambda s: states.append(s.state), heartbeat=60.0)
    feed.start()
    try:
        await until(lambda: feed.status.state is FeedState.CONNECTED)
        await asyncio.sleep(1.2)  # four pong timeouts: a silent client would have been dropped
        assert feed.status.state is FeedState.CONNECTED
        assert states == [FeedState.CONNECTING, FeedState.CONNECTED]
    finally:
        await feed.stop()


async def test_a_stopped_bridge_is_reconnected_when_it_comes_back_on_its_port(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "b")
    port = int(bridge.url.rsplit(":", 1)[1])
    seen: list[AccountEvent] = []
    feed = BridgeFeed(settings_of(bridge, name="acct-b", **FAST), on_event=seen.append)
    feed.start()
    runner = None
    try:
        await until(lambda: feed.status.state is FeedState.CONNECTED)
        first_since = feed.status.connected_since
        await bridge.runner.cleanup()
        await until(lambda: feed.status.state is FeedState.RECONNECTING and feed.status.attempts >= 4)
        status = feed.status
        assert status.last_error and status.connected_since is None
        delays = feed.delays
        assert all(d <= FAST["reconnect_max"] for d in delays)
        assert delays[0] <= FAST["reconnect_initial"] < delays[2]  # it backs off
        runner = await start_on_port(tmp_path / "b", port)  # the same bridge again, same port
        await until(lambda: feed.status.state is FeedState.CONNECTED)
        assert feed.status.attempts == 0 and feed.status.last_error is None
        assert feed.status.connected_since != first_since
        remote = RemoteTrading(settings_of(bridge))
        try:
            await remote.execute(BUY, ADMIN, request_id="after-restart")
        finally:
            await remote.close()
        await until(lambda: any(isinstance(e.event, PositionOpened) for e in seen))
    finally:
        await feed.stop()
        if runner is not None:
            await runner.cleanup()


async def test_a_wrong_token_is_unauthorized_and_retried_at_the_cap(bridge: Api) -> None:
    settings = settings_of(bridge, token="not-the-token-0123456789", **FAST)
    feed = BridgeFeed(settings)
    feed.start()
    try:
        await until(lambda: feed.status.state is FeedState.UNAUTHORIZED)
        assert "401" in (feed.status.last_error or "")
        assert feed.delays[0] > FAST["reconnect_max"] * (1 - FAST["reconnect_jitter"]) - 1e-9
    finally:
        await feed.stop()


async def test_a_rules_action_on_the_bridge_reaches_the_front_for_its_notifier(bridge: Api) -> None:
    """A rule running on a bridge tells its users through the front: the feed subscribes to the bridge's
    `rules` channel and puts the `rule_action` event on the account's bus like a trade event."""
    seen: list[AccountEvent] = []
    bus = EventBus()
    sub = bus.subscribe({EventKind.RULE_ACTION}, name="front-test")
    feed = BridgeFeed(settings_of(bridge, name="acct-r"), on_event=seen.append, bus=bus)
    feed.start()
    try:
        await until(lambda: any(isinstance(e.event, AccountUpdate) for e in seen))  # subscribed by now
        moved = RuleAction(time=datetime.now(UTC), rule_id=7, action=RuleActionKind.SL_MOVED, reason="break_even",
                           symbol="XAUUSD", ticket=1000001, old_sl=None, new_sl=3612.4)  # fmt: skip
        bridge.app[BUS].publish(moved)
        on_bus = await asyncio.wait_for(sub.get(), 5)
        assert on_bus == moved
        assert [e.account for e in seen if isinstance(e.event, RuleAction)] == ["acct-r"]
    finally:
        await feed.stop()
