"""Heartbeat: backoff schedule, a terminal that disappears mid-run and comes back, exhausted attempts."""

from __future__ import annotations

import asyncio

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import TerminalUnavailable
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState, reconnect_delay
from mt5bridge.terminal.settings import MT5Settings
from mt5bridge.trading.events import (
    BusLinkListener,
    EventBus,
    EventKind,
    TerminalDisconnected,
    TerminalReconnected,
)

FAST = MT5Settings(heartbeat_interval_sec=0.01, reconnect_interval_sec=0.005, max_reconnect_attempts=3)


def test_backoff_schedule() -> None:
    assert [reconnect_delay(n, 5.0) for n in range(8)] == [5, 10, 20, 30, 60, 60, 60, 60]
    assert [reconnect_delay(n, 0.5) for n in range(5)] == [0.5, 1, 2, 3, 6]
    with pytest.raises(ValueError, match="attempt"):
        reconnect_delay(-1, 5.0)


async def test_terminal_disappears_and_comes_back(sim: Simulator, client: MT5Client, bus: EventBus) -> None:
    sub = bus.subscribe({EventKind.TERMINAL_DISCONNECTED, EventKind.TERMINAL_RECONNECTED}, name="t")
    heartbeat = Heartbeat(client, BusLinkListener(bus), FAST)
    heartbeat.start()
    try:
        async with asyncio.timeout(2):
            await heartbeat.wait_state(LinkState.CONNECTED)
        since = heartbeat.connected_since
        assert since is not None and heartbeat.trade_allowed
        sim.disconnect()
        async with asyncio.timeout(2):
            lost = await sub.get()
        assert isinstance(lost, TerminalDisconnected) and lost.mt5_code == -10004
        assert heartbeat.state is not LinkState.CONNECTED and heartbeat.connected_since is None
        with pytest.raises(TerminalUnavailable):  # reads while down fail fast, nothing stale
            await client.account()
        sim.reconnect()
        async with asyncio.timeout(2):
            back = await sub.get()
        assert isinstance(back, TerminalReconnected) and back.attempts >= 1 and back.downtime_sec > 0
        assert heartbeat.state is LinkState.CONNECTED
        assert heartbeat.connected_since == back.connected_since and back.connected_since > since
        assert (await client.account()).balance == 10000.0
    finally:
        await heartbeat.stop()


async def test_after_max_attempts_it_keeps_trying_at_the_cap(
    sim: Simulator, client: MT5Client, bus: EventBus
) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 7:
            sim.reconnect()
        await asyncio.sleep(0)

    heartbeat = Heartbeat(
        client,
        BusLinkListener(bus),
        MT5Settings(reconnect_interval_sec=5, max_reconnect_attempts=3),
        sleep=sleep,
    )
    assert await heartbeat.check_once()
    sim.disconnect()
    assert not await heartbeat.check_once()
    seen_states: list[LinkState] = []
    original = heartbeat._signal

    def record() -> None:
        seen_states.append(heartbeat.state)
        original()

    heartbeat._signal = record  # type: ignore[method-assign]
    async with asyncio.timeout(2):
        await heartbeat.reconnect()
    assert delays == [5, 10, 20, 60, 60, 60, 60]
    assert seen_states[:3] == [LinkState.RECONNECTING] * 3
    assert LinkState.DISCONNECTED in seen_states and seen_states[-1] is LinkState.CONNECTED


async def test_not_connected_at_start_is_reported_then_recovered(sim: Simulator, bus: EventBus) -> None:
    sim.disconnect()
    client = MT5Client(sim, call_timeout=5.0)
    assert not await client.connect()
    sub = bus.subscribe({EventKind.TERMINAL_DISCONNECTED, EventKind.TERMINAL_RECONNECTED}, name="t")
    heartbeat = Heartbeat(client, BusLinkListener(bus), FAST)
    heartbeat.start()
    try:
        async with asyncio.timeout(2):
            assert isinstance(await sub.get(), TerminalDisconnected)
            sim.reconnect()
            assert isinstance(await sub.get(), TerminalReconnected)
        assert heartbeat.state is LinkState.CONNECTED and client.connected
    finally:
        await heartbeat.stop()
        await client.close()


async def test_algo_trading_switch_is_tracked(sim: Simulator, client: MT5Client, bus: EventBus) -> None:
    heartbeat = Heartbeat(client, BusLinkListener(bus), FAST)
    assert await heartbeat.check_once() and heartbeat.trade_allowed
    sim.set_trade_allowed(False)
    assert await heartbeat.check_once() and not heartbeat.trade_allowed
