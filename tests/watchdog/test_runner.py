"""The whole watchdog against a real stand-in terminal: the heartbeat over the simulator's link, psutil,
the event bus. The simulator's link is dropped whenever the stand-in is killed, as a real link dies
with its terminal, and restored once a new stand-in runs."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
from mt5bridge.terminal.watchdog import RestartOutcome, TerminalWatchdog
from mt5bridge.trading.events import BusLinkListener, EventBus, EventKind, Subscription
from mt5bridge.trading.events.models import TerminalRestarted, WatchdogGaveUp
from mt5bridge.trading.events.watchdog import BusWatchdogListener
from tests.events.conftest import WEDNESDAY
from tests.watchdog.stand import FakeTerminal, settings_for, wait_for

KINDS = {EventKind.WATCHDOG_GAVE_UP, EventKind.TERMINAL_RESTARTED}


@dataclass
class Rig:
    sim: Simulator
    heartbeat: Heartbeat
    watchdog: TerminalWatchdog
    news: Subscription


@pytest.fixture
async def rig(fake: FakeTerminal, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    rules = getattr(request, "param", {})
    settings = settings_for(fake, **rules)
    sim = Simulator(seed=0, start=WEDNESDAY, market_hours="always")
    client = MT5Client(sim, call_timeout=5.0)
    assert await client.connect()
    bus = EventBus()
    heartbeat = Heartbeat(client, BusLinkListener(bus), settings)
    watchdog = TerminalWatchdog(settings, heartbeat, BusWatchdogListener(bus))
    news = bus.subscribe(KINDS, name="test")
    heartbeat.start()
    try:
        async with asyncio.timeout(2):
            await heartbeat.wait_state(LinkState.CONNECTED)
        yield Rig(sim, heartbeat, watchdog, news)
    finally:
        await watchdog.stop()
        await heartbeat.stop()
        await bus.close()
        await client.close()


async def until(check: Callable[[], bool]) -> None:
    """Wait, off the loop, for a blocking check (psutil, the start log) to hold."""
    await asyncio.to_thread(wait_for, check)


async def test_a_killed_terminal_is_restarted_and_admins_hear_it_is_back(
    rig: Rig, fake: FakeTerminal
) -> None:
    first = fake.launch()
    await until(lambda: fake.started() == {first.pid})
    rig.watchdog.start()
    os.kill(first.pid, signal.SIGKILL)  # the terminal crashes, and its link with it
    rig.sim.disconnect()
    await asyncio.to_thread(first.wait)
    await until(lambda: len(fake.started()) == 2)
    [new] = fake.started() - {first.pid}
    assert fake.pids() == {new}
    assert fake.starts()[-1]["argv"] == ["/portable", "/config:start.ini"]
    rig.sim.reconnect()  # the new terminal logs in
    async with asyncio.timeout(5):
        back = await rig.news.get()
    assert isinstance(back, TerminalRestarted) and back.restarts == 1 and not back.manual
    assert rig.heartbeat.state is LinkState.CONNECTED


async def test_a_hung_terminal_is_stopped_and_started_after_n_minutes(rig: Rig, fake: FakeTerminal) -> None:
    first = fake.launch()
    await until(lambda: fake.started() == {first.pid})
    rig.watchdog.start()
    rig.sim.disconnect()  # the process is there but the link has failed (0.01 min = 0.6 s here)
    await until(lambda: len(fake.started()) == 2)
    assert await asyncio.to_thread(first.wait, 2.0) == 0  # asked to quit, it did
    rig.sim.reconnect()
    async with asyncio.timeout(5):
        assert isinstance(await rig.news.get(), TerminalRestarted)


@pytest.mark.parametrize("rig", [{"max_restarts_per_hour": 2}], indirect=True)
async def test_the_cap_stops_restarts_and_admins_hear_it_once(
    rig: Rig, fake: FakeTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TERMINAL_MODE", "crash")  # every start dies at once
    rig.sim.disconnect()
    rig.watchdog.start()  # no terminal at all: started at once, then after 0.1 s
    async with asyncio.timeout(5):
        gave_up = await rig.news.get()
    assert isinstance(gave_up, WatchdogGaveUp) and gave_up.restarts == 2 and gave_up.cause == "process_gone"
    await asyncio.sleep(0.5)  # several more rounds (every 0.05 s), beyond the longest backoff (0.4 s)
    assert len(fake.starts()) == 2
    assert rig.news.get_nowait() is None


async def test_manual_restart_of_a_working_terminal(rig: Rig, fake: FakeTerminal) -> None:
    first = fake.launch()
    await until(lambda: fake.started() == {first.pid})
    rig.watchdog.start()
    result = await rig.watchdog.restart()
    assert result.outcome is RestartOutcome.RESTARTED and result.stopped == 1
    assert result.pid is not None and fake.pids() == {result.pid}
    async with asyncio.timeout(5):  # the link was never lost: back at the heartbeat's next good check
        back = await rig.news.get()
    assert isinstance(back, TerminalRestarted) and back.manual


@pytest.mark.parametrize("rig", [{"enabled": False}], indirect=True)
async def test_disabled_it_does_nothing(rig: Rig, fake: FakeTerminal) -> None:
    first = fake.launch()
    await until(lambda: fake.started() == {first.pid})
    rig.watchdog.start()
    os.kill(first.pid, signal.SIGKILL)
    rig.sim.disconnect()
    await asyncio.to_thread(first.wait)
    await asyncio.sleep(0.5)
    assert fake.started() == {first.pid} and fake.pids() == set()
