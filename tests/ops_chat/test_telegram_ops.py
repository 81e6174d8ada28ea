"""End to end through python-telegram-bot and the fake Bot API: an admin's /status, a viewer refused, and a
10027 storm from the simulator pushed to the admin's Telegram chat as one warning."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core import ChatCore
from bot.core.opswatch import OpsWatcher
from bot.settings import UserEntry
from mt5bot.config import Settings
from mt5bridge.common.roles import Role
from mt5bridge.terminal.errors import TradeRejected
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from mt5bridge.trading.settings import AlertSettings
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram
from tests.trading.conftest import ACTOR, Core, make_core

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot

ADMIN, VIEWER = 41, 43


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()


def _settings() -> Settings:
    return Settings(
        users=(
            UserEntry(platform="telegram", id=str(ADMIN), role=Role.ADMIN, lang="en"),
            UserEntry(platform="telegram", id=str(VIEWER), role=Role.VIEWER, lang="en"),
        ),
        alerts=AlertSettings(rejections_repeat=3, disk_free_below_mb=0),
    )


async def test_status_over_telegram_and_a_rejection_storm_pushed_once(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    settings = _settings()
    chat = ChatCore(core.service, core.db, settings)
    runner = await run_bot(chat)
    notifier = chat.notifier()
    notifier.register("telegram", runner.outbox)
    watcher = OpsWatcher(settings, core.db, notifier)

    await fake.send_text("/status", user_id=ADMIN)
    [status] = await fake.wait_for("sendMessage", 1)
    assert status.params["chat_id"] == ADMIN
    assert "Service status" in status.params["text"]
    await fake.send_text("/status", user_id=VIEWER)
    refusal = (await fake.wait_for("sendMessage", 2))[1]
    assert refusal.params["chat_id"] == VIEWER
    assert "Service status" not in refusal.params["text"]

    core.sim.set_trade_allowed(False)
    for _ in range(20):
        with pytest.raises(TradeRejected):
            await core.service.execute(
                OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01), ACTOR
            )
    assert len(await watcher.check_once()) == 1
    assert await watcher.check_once() == []
    warning = (await fake.wait_for("sendMessage", 3))[2]
    assert warning.params["chat_id"] == ADMIN
    assert "Algo Trading" in warning.params["text"]
    assert "10027" in warning.params["text"]
    await runner.outbox.drain()
    assert [c.params["chat_id"] for c in fake.sent("sendMessage")] == [ADMIN, VIEWER, ADMIN]
