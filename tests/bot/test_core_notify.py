"""Notifications: trade events and margin warnings reach subscribed users, batched and fault-isolated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import Notifier
from bot.messages import Outgoing
from mt5bot.config import Settings
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.events import AccountUpdate, EventBus, TerminalDisconnected, TradeWatcher
from storage.models import UserRecord
from tests.bot.core_stand import Stand, running_stand

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def wait_for(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the condition reads a list the send callback fills
            await asyncio.sleep(0.01)


def account(level: float) -> AccountUpdate:
    return AccountUpdate(
        time=NOW, balance=1000, equity=level * 10, margin=1000, margin_free=0, margin_level=level, profit=0
    )


async def test_sl_hit_reaches_subscribed_users_in_one_batched_message(stand: Stand) -> None:
    bus = EventBus()
    watcher = TradeWatcher(stand.core.client, bus, interval=60)
    await watcher.prime()
    notifier = Notifier(stand.settings, stand.core.db, trading=stand.core.service)
    sent: list[Outgoing] = []

    async def send(out: Outgoing) -> None:
        sent.append(out)

    notifier.register("telegram", send)
    notifier.start(bus)
    await stand.core.db.users.upsert(
        UserRecord(platform="telegram", user_id="3", role="viewer", subscribed=False)
    )
    stand.core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    ticket = await stand.open("EURUSD", PositionSide.BUY, 0.1, sl=1.095)
    await stand.open("XAUUSD", PositionSide.SELL, 0.01)
    await watcher.poll_once()
    stand.core.sim.set_price("EURUSD.m", 1.09400, 1.09402)
    await watcher.poll_once()
    await wait_for(lambda: len(sent) >= 5)
    await asyncio.sleep(0.1)
    by_user = {out.chat_id: out for out in sent}
    assert sorted(by_user) == ["1", "2", "4", "5", "6"]  # viewer 3 unsubscribed at runtime
    assert len(sent) == 5  # three events, one message each
    text = by_user["1"].reply.text
    assert "3 条通知" in text and f"止损触发 #{ticket} EURUSD.m" in text and "@ 1.09400" in text
    gold = stand.core.sim.positions_get(symbol="XAUUSD.m")[0]
    assert f"XAUUSD.m 卖 0.01手 @ {gold.price_open:.2f}\n" in text + "\n"  # an open, with gold's 2 digits
    assert "Stop loss hit" in by_user["5"].reply.text
    await notifier.close()
    await bus.close()


async def test_margin_warning_once_until_recovered_and_a_failing_platform_is_isolated(stand: Stand) -> None:
    users = [
        {"platform": "onebot", "id": "9", "role": "admin"},
        {"platform": "telegram", "id": "1", "role": "admin"},
    ]
    config = Settings(users=users, chat={"notify_batch_sec": 0.05})
    notifier = Notifier(config, stand.core.db)
    sent: list[Outgoing] = []

    async def broken(out: Outgoing) -> None:
        raise ConnectionError("platform down")

    async def send(out: Outgoing) -> None:
        sent.append(out)

    notifier.register("onebot", broken)
    notifier.register("telegram", send)
    for level in (300.0, 120.0, 110.0):
        await notifier.on_event(account(level))
    await wait_for(lambda: len(sent) == 1)
    assert "保证金水平 120%，低于警戒线 150%" in sent[0].reply.text
    sent.clear()
    await notifier.on_event(account(100.0))  # still low: no new warning
    await notifier.on_event(account(200.0))
    await notifier.on_event(account(140.0))  # fell again: warned again
    await notifier.on_event(
        TerminalDisconnected(time=NOW, reason="no IPC", code="terminal_disconnected", mt5_code=None)
    )
    await wait_for(lambda: len(sent) == 1)
    assert "交易终端已断开" in sent[0].reply.text and "140%" in sent[0].reply.text
    await notifier.close()


async def test_a_burst_of_events_reads_the_users_once_and_a_new_choice_applies_at_once(stand: Stand) -> None:
    """A grid EA's burst was a users-table query per event; now one, and an unsubscribe still counts at
    the very next event (the store counts its writes)."""
    notifier = Notifier(stand.settings, stand.core.db, trading=stand.core.service)
    sent: list[Outgoing] = []

    async def send(out: Outgoing) -> None:
        sent.append(out)

    notifier.register("telegram", send)
    users = stand.core.db.users
    reads = 0
    real_all = users.all

    async def counted() -> list[UserRecord]:
        nonlocal reads
        reads += 1
        return await real_all()

    users.all = counted  # type: ignore[method-assign]  # counts, still reads the real table
    lost = TerminalDisconnected(time=NOW, reason="no IPC", code="terminal_disconnected", mt5_code=None)
    for _ in range(50):
        await notifier.on_event(lost)
    assert reads == 1
    await users.upsert(UserRecord(platform="telegram", user_id="1", role="admin", subscribed=False))
    await notifier.on_event(lost)
    assert reads == 2  # re-read at once after the change, not after RECIPIENTS_MAX_AGE
    await notifier.close()
