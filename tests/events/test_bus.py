"""EventBus: conflated ticks, bounded queues with drop counting, runtime symbol changes, fault isolation."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import pytest

from mt5bridge.terminal import models as M
from mt5bridge.trading.events import AccountUpdate, EventBus, EventKind, SubscriptionClosed, TickEvent
from mt5bridge.trading.events.models import CloseReason, Event, PositionClosed

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)


def tick(symbol: str, n: int) -> TickEvent:
    return TickEvent(symbol=symbol, bid=1.0 + n / 1e5, ask=1.0001 + n / 1e5, time=NOW, time_msc=n)


def account(n: int) -> AccountUpdate:
    return AccountUpdate(time=NOW, balance=n, equity=n, margin=0, margin_free=n, margin_level=0, profit=0)


def closed(ticket: int) -> PositionClosed:
    return PositionClosed(
        time=NOW,
        ticket=ticket,
        symbol="EURUSD",
        side=M.PositionSide.BUY,
        volume=0.1,
        price=1.1,
        profit=1.0,
        reason=CloseReason.MANUAL,
        magic=0,
    )


def drain(sub) -> list[Event]:
    out = []
    while (event := sub.get_nowait()) is not None:
        out.append(event)
    return out


async def test_slow_tick_subscriber_sees_latest_per_symbol_with_bounded_memory(bus: EventBus) -> None:
    symbols = ["EURUSD", "GBPUSD", "XAUUSD"]
    slow = bus.subscribe({EventKind.TICK}, symbols, name="slow")
    for n in range(10_000):
        bus.publish(tick(symbols[n % 3], n))
        assert slow.pending <= 3  # never a backlog
    got = drain(slow)
    assert {e.symbol: e.time_msc for e in got} == {"EURUSD": 9999, "GBPUSD": 9997, "XAUUSD": 9998}  # type: ignore[union-attr]
    assert len(got) == 3 and slow.dropped == 0
    assert sys.getsizeof(slow._ticks) < 1000


async def test_symbols_filter_and_runtime_changes(bus: EventBus) -> None:
    sub = bus.subscribe({EventKind.TICK}, {"EURUSD"}, name="ws-1")
    everything = bus.subscribe(None, name="all")
    assert bus.tick_symbols() == {"EURUSD"}
    bus.publish(tick("GBPUSD", 1))
    assert sub.get_nowait() is None
    sub.add_symbols(["GBPUSD"])
    assert bus.tick_symbols() == {"EURUSD", "GBPUSD"}
    bus.publish(tick("GBPUSD", 2))
    assert sub.get_nowait().time_msc == 2  # type: ignore[union-attr]
    bus.publish(tick("EURUSD", 3))
    sub.remove_symbols(["EURUSD"])  # its waiting tick goes too
    assert sub.get_nowait() is None
    assert bus.tick_symbols() == {"GBPUSD"}
    assert [e.time_msc for e in drain(everything)] == [2, 3]  # conflated: GBPUSD tick 1 was replaced  # type: ignore[union-attr]
    sub.close()
    assert bus.tick_symbols() == frozenset()


async def test_kinds_filter_and_trade_events_before_ticks(bus: EventBus) -> None:
    closes = bus.subscribe({EventKind.POSITION_CLOSED}, name="closes")
    both = bus.subscribe({EventKind.POSITION_CLOSED, EventKind.TICK}, {"EURUSD"}, name="both")
    bus.publish(tick("EURUSD", 1))
    bus.publish(account(1))
    bus.publish(closed(7))
    assert [e.kind for e in drain(closes)] == [EventKind.POSITION_CLOSED]
    assert [e.kind for e in drain(both)] == [EventKind.POSITION_CLOSED, EventKind.TICK]


async def test_overflow_drops_oldest_and_counts(bus: EventBus, caplog) -> None:
    sub = bus.subscribe({EventKind.ACCOUNT_UPDATE}, name="tiny", queue_size=10)
    other = bus.subscribe({EventKind.ACCOUNT_UPDATE}, name="roomy")
    for n in range(25):
        bus.publish(account(n))
    assert sub.dropped == 15 and other.dropped == 0
    assert [e.balance for e in drain(sub)] == list(range(15, 25))  # type: ignore[union-attr]
    assert len(drain(other)) == 25
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "tiny" in r.getMessage()]
    assert len(warnings) == 1


async def test_a_crashing_or_stuck_subscriber_does_not_affect_others(bus: EventBus) -> None:
    seen: list[int] = []
    done = asyncio.Event()

    async def crashing(event: Event) -> None:
        raise RuntimeError("notifier down")

    async def healthy(event: Event) -> None:
        seen.append(event.ticket)  # type: ignore[union-attr]
        if len(seen) == 50:
            done.set()

    stuck = bus.subscribe(None, name="never-reads", queue_size=5)
    bus.consume(crashing, {EventKind.POSITION_CLOSED}, name="crashing")
    bus.consume(healthy, {EventKind.POSITION_CLOSED}, name="healthy")

    async def crashing_iterator() -> None:
        async for _ in bus.subscribe(None, name="raises"):
            raise ValueError("consumer bug")

    task = asyncio.create_task(crashing_iterator())
    for n in range(50):
        bus.publish(closed(n))
        await asyncio.sleep(0)
    async with asyncio.timeout(2):
        await done.wait()
    assert seen == list(range(50))
    assert stuck.dropped == 45
    assert "event-bus:crashing" in bus.tasks.running  # the crashing handler keeps consuming
    try:
        await task
    except ValueError:
        pass


async def test_close_ends_iteration_after_draining(bus: EventBus) -> None:
    sub = bus.subscribe(None, name="c")
    bus.publish(account(1))
    sub.close()
    bus.publish(account(2))  # after close: not delivered
    assert [e.balance async for e in sub] == [1]  # type: ignore[union-attr]
    assert sub not in bus.subscriptions


async def test_wait_then_take_ticks_hands_over_the_newest_of_each_symbol_at_once(bus: EventBus) -> None:
    sub = bus.subscribe({EventKind.TICK}, ["EURUSD", "GBPUSD"], name="batch")
    waiter = asyncio.create_task(sub.wait())
    await asyncio.sleep(0)
    assert not waiter.done()  # nothing waiting yet
    for n in range(6):
        bus.publish(tick("EURUSD" if n % 2 else "GBPUSD", n))
    await asyncio.wait_for(waiter, 1)
    taken = sub.take_ticks()
    assert [(t.symbol, t.time_msc) for t in taken] == [("GBPUSD", 4), ("EURUSD", 5)]  # first-seen order
    assert sub.take_ticks() == [] and sub.pending == 0 and sub.delivered == 2
    sub.close()
    with pytest.raises(SubscriptionClosed):
        await sub.wait()
