"""TickPoller: polls only subscribed symbols and publishes only changed ticks."""

from __future__ import annotations

import asyncio

from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.events import EventBus, EventKind, TickEvent, TickPoller


async def test_only_changed_ticks_are_published(sim: Simulator, client: MT5Client, bus: EventBus) -> None:
    poller = TickPoller(client, bus, interval=0.01)
    assert await poller.poll_once() == 0  # nobody subscribed: nothing polled
    sub = bus.subscribe({EventKind.TICK}, {"EURUSD", "NOSUCH"}, name="ws")
    assert await poller.poll_once() == 1
    first = sub.get_nowait()
    assert isinstance(first, TickEvent) and first.symbol == "EURUSD"
    assert await poller.poll_once() == 0  # the clock stands still: same tick
    sim.set_price("EURUSD", 1.20001, 1.20011)
    assert await poller.poll_once() == 1
    latest = sub.get_nowait()
    assert isinstance(latest, TickEvent) and (latest.bid, latest.ask) == (1.20001, 1.20011)
    assert latest.time.tzinfo is not None


async def test_background_polling_follows_runtime_subscriptions(
    sim: Simulator, client: MT5Client, bus: EventBus
) -> None:
    poller = TickPoller(client, bus, interval=0.005)
    sub = bus.subscribe({EventKind.TICK}, {"EURUSD"}, name="ws")
    poller.start()
    try:
        async with asyncio.timeout(2):
            assert (await sub.get()).symbol == "EURUSD"  # type: ignore[union-attr]
            sub.add_symbols({"XAUUSD"})
            sim.set_price("XAUUSD", 2500.0, 2500.2)
            event = await sub.get()
            while event.symbol != "XAUUSD":  # type: ignore[union-attr]
                event = await sub.get()
            assert event.bid == 2500.0  # type: ignore[union-attr]
        sim.disconnect()  # an outage: rounds are skipped, nothing breaks
        await asyncio.sleep(0.03)
        sim.reconnect()
        assert await client.connect()
        sim.set_price("EURUSD", 1.3, 1.3001)
        async with asyncio.timeout(2):
            event = await sub.get()
            while event.bid != 1.3:  # type: ignore[union-attr]
                event = await sub.get()
    finally:
        await poller.stop()
