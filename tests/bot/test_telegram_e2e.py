"""End to end: Telegram (real python-telegram-bot, fake Bot API) -> the real ChatCore -> the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core import ChatCore
from bot.settings import UserEntry
from mt5bot.config import Settings
from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram, markup_of
from tests.trading.conftest import ACTOR, Core, make_core

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot

TRADER, VIEWER, STRANGER = 42, 43, 99


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()


def chat_core(core: Core) -> ChatCore:
    settings = Settings(
        users=(
            UserEntry(platform="telegram", id=str(TRADER), role=Role.TRADER, lang="zh"),
            UserEntry(platform="telegram", id=str(VIEWER), role=Role.VIEWER, lang="zh"),
        )
    )
    return ChatCore(core.service, core.db, settings)


def gold_volumes(core: Core) -> list[float]:
    return sorted(p.volume for p in core.sim.positions_get() if p.symbol.startswith("XAUUSD"))


def last_bot_message(fake: FakeTelegram, chat_id: int) -> int:
    return max(mid for (cid, mid), m in fake.messages.items() if cid == chat_id and m["from"]["is_bot"])


def action_ending(call: fake_telegram.Call, suffix: str) -> str:
    rows = markup_of(call)
    assert rows, f"expected buttons on {call.params.get('text')!r}"
    [action] = [b["callback_data"] for row in rows for b in row if b["callback_data"].endswith(suffix)]
    return action


async def test_close_with_confirmation_shrinks_the_position(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.05), ACTOR)
    await run_bot(chat_core(core))
    await fake.send_text("平仓0.01手黄金", user_id=TRADER)
    [preview] = await fake.wait_for("sendMessage")
    assert preview.params["parse_mode"] == "HTML"
    assert "XAUUSD" in preview.params["text"]
    assert gold_volumes(core) == [0.05]  # nothing happens before the tap
    confirm = action_ending(preview, ":y")
    assert len(confirm.encode()) <= 64
    message_id = last_bot_message(fake, TRADER)
    await fake.press(TRADER, message_id, confirm, user_id=TRADER)
    await fake.wait_for("answerCallbackQuery")
    [result] = await fake.wait_for("editMessageText")
    assert gold_volumes(core) == [pytest.approx(0.04)]
    assert result.params["message_id"] == message_id
    assert "reply_markup" not in fake.messages[(TRADER, message_id)]
    assert result.params["text"] != preview.params["text"]
    # A second tap (a stale client still showing the button) never closes twice.
    await fake.press(TRADER, message_id, confirm, user_id=TRADER)
    await fake.wait_for("answerCallbackQuery", 2)
    await asyncio.sleep(0.2)
    assert gold_volumes(core) == [pytest.approx(0.04)]


async def test_ambiguous_close_is_answered_by_choosing_a_ticket(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    for volume in (0.02, 0.03):
        await core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=volume), ACTOR)
    tickets = sorted(p.ticket for p in core.sim.positions_get())
    await run_bot(chat_core(core))
    await fake.send_text("平仓黄金", user_id=TRADER)
    [question] = await fake.wait_for("sendMessage")
    rows = markup_of(question)
    assert rows is not None
    assert [b["text"] for row in rows for b in row] == [f"1) #{tickets[0]}", f"2) #{tickets[1]}"]
    message_id = last_bot_message(fake, TRADER)
    # Choosing the second ticket turns the question into that ticket's preview, in place.
    await fake.press(TRADER, message_id, rows[0][1]["callback_data"], user_id=TRADER)
    [preview] = await fake.wait_for("editMessageText")
    assert preview.params["message_id"] == message_id
    assert f"#{tickets[1]}" in preview.params["text"]
    await fake.press(TRADER, message_id, action_ending(preview, ":y"), user_id=TRADER)
    await fake.wait_for("editMessageText", 2)
    assert [p.ticket for p in core.sim.positions_get()] == [tickets[0]]
    assert "reply_markup" not in fake.messages[(TRADER, message_id)]


async def test_strangers_and_viewers_cannot_trade(core: Core, fake: FakeTelegram, run_bot: Callable) -> None:
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.05), ACTOR)
    await run_bot(chat_core(core))
    await fake.send_text("平仓0.01手黄金", user_id=STRANGER)
    await fake.send_text("平仓0.01手黄金", user_id=VIEWER)
    refusal, viewer = await fake.wait_for("sendMessage", 2)
    assert refusal.params["chat_id"] == STRANGER
    assert markup_of(refusal) is None
    assert viewer.params["chat_id"] == VIEWER
    assert markup_of(viewer) is None  # no confirm button for a viewer
    assert gold_volumes(core) == [0.05]


async def test_group_chatter_is_ignored_and_a_mention_is_served(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await run_bot(chat_core(core))
    group = -100777
    await fake.send_text("/positions", user_id=TRADER, chat_id=group, chat_type="supergroup")
    text = f"@{fake_telegram.BOT_USERNAME} /account"
    mention = {"type": "mention", "offset": 0, "length": len(fake_telegram.BOT_USERNAME) + 1}
    await fake.send_text(text, user_id=TRADER, chat_id=group, chat_type="supergroup", entities=[mention])
    [answer] = await fake.wait_for("sendMessage")
    assert answer.params["chat_id"] == group
    await asyncio.sleep(0.2)
    assert len(fake.sent("sendMessage")) == 1
