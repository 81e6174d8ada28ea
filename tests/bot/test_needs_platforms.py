"""The new questions on each platform, on the real chat core and the simulator: Telegram inline buttons
(fake Bot API), QQ numbered menus answered by a typed number (fake OneBot peer), WeCom card buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.core import ChatCore
from bot.messages import Incoming
from bot.onebot.adapter import OneBotAdapter
from bot.onebot.settings import OneBotSettings
from bot.wecom.draw import card_of, pieces
from mt5bot.config import Settings
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_onebot import BOT_QQ, PATH, TOKEN, FakeOneBot, text
from tests.bot.fake_telegram import FakeTelegram, markup_of
from tests.trading.conftest import ACTOR, Core, make_core

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot

TRADER, VIEWER = 42, 43


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()


def chat_core(core: Core, platform: str) -> ChatCore:
    users = [
        {"platform": platform, "id": str(TRADER), "role": "trader", "lang": "zh"},
        {"platform": platform, "id": str(VIEWER), "role": "viewer", "lang": "zh"},
    ]
    return ChatCore(core.service, core.db, Settings(users=users))


def positions(core: Core) -> list[tuple[str, int, float]]:
    return sorted((p.symbol, p.type, p.volume) for p in core.sim.positions_get() or ())


def last_bot_message(fake: FakeTelegram, chat_id: int) -> int:
    return max(mid for (cid, mid), m in fake.messages.items() if cid == chat_id and m["from"]["is_bot"])


def button(call: fake_telegram.Call, label: str) -> str:
    [data] = [b["callback_data"] for row in markup_of(call) or [] for b in row if b["text"] == label]
    return data


# --- Telegram -------------------------------------------------------------------------------------
async def test_telegram_volume_question_by_inline_buttons(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await run_bot(chat_core(core, "telegram"))
    await fake.send_text("sell eurusd 1", user_id=TRADER)
    [question] = await fake.wait_for("sendMessage")
    assert "1 是手数还是价格" in question.params["text"]
    assert [b["text"] for row in markup_of(question) or [] for b in row] == ["1 手", "价格 1"]
    message_id = last_bot_message(fake, TRADER)
    await fake.press(TRADER, message_id, button(question, "1 手"), user_id=TRADER)
    [preview] = await fake.wait_for("editMessageText")
    assert preview.params["message_id"] == message_id and "卖 1.00 手" in preview.params["text"]
    assert positions(core) == []
    await fake.press(TRADER, message_id, button(preview, "✅ 确认"), user_id=TRADER)
    await fake.wait_for("editMessageText", 2)
    assert positions(core) == [("EURUSD.m", 1, 1.0)]


async def test_telegram_lock_with_two_positions_asks_which(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    for volume in (0.02, 0.03):
        await core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=volume), ACTOR)
    tickets = sorted(p.ticket for p in core.sim.positions_get() or ())
    await run_bot(chat_core(core, "telegram"))
    await fake.send_text("锁仓黄金", user_id=TRADER)
    [question] = await fake.wait_for("sendMessage")
    assert "要锁哪一单" in question.params["text"]
    message_id = last_bot_message(fake, TRADER)
    await fake.press(TRADER, message_id, button(question, f"2) #{tickets[1]}"), user_id=TRADER)
    [preview] = await fake.wait_for("editMessageText")
    assert f"锁仓 #{tickets[1]}" in preview.params["text"]
    await fake.press(TRADER, message_id, button(preview, "✅ 确认"), user_id=TRADER)
    await fake.wait_for("editMessageText", 2)
    assert positions(core) == [("XAUUSD.m", 0, 0.02), ("XAUUSD.m", 0, 0.03), ("XAUUSD.m", 1, 0.03)]


async def test_telegram_viewer_gets_no_question(core: Core, fake: FakeTelegram, run_bot: Callable) -> None:
    await run_bot(chat_core(core, "telegram"))
    await fake.send_text("buy 0.01 lots", user_id=VIEWER)
    [refusal] = await fake.wait_for("sendMessage")
    assert markup_of(refusal) is None


# --- QQ (OneBot): numbered menus ------------------------------------------------------------------
@pytest.fixture
async def napcat(core: Core) -> AsyncIterator[FakeOneBot]:
    settings = OneBotSettings.model_validate(
        {"access_token": SecretStr(TOKEN), "self_id": str(BOT_QQ), "action_timeout_sec": 2}
    )
    adapter = OneBotAdapter(settings, chat_core(core, "qq"))
    app = web.Application()
    app.router.add_get(PATH, adapter.ws_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    bot = FakeOneBot(f"http://127.0.0.1:{runner.addresses[0][1]}{PATH}")
    await bot.connect()
    yield bot
    await bot.close()
    await adapter.close()
    await runner.cleanup()


async def say(bot: FakeOneBot, user: int, words: str) -> str:
    """Send a private message and return the text of the bot's answer to it."""
    before = len(bot.actions)
    await bot.send_event(bot.private(user, [text(words)]))
    actions = await bot.wait_actions(before + 1)
    return actions[before].text


async def test_qq_symbol_question_is_a_numbered_menu_answered_by_a_number(
    core: Core, napcat: FakeOneBot
) -> None:
    question = await say(napcat, TRADER, "buy 0.01 lots")
    assert "交易哪个品种" in question
    assert "[1] XAUUSD" in question and "[6] USOIL" in question and "回复序号选择" in question
    preview = await say(napcat, TRADER, "2")  # EURUSD
    assert "EURUSD.m" in preview and "[1] ✅ 确认" in preview
    assert positions(core) == []
    await say(napcat, TRADER, "1")
    assert positions(core) == [("EURUSD.m", 0, 0.01)]


async def test_qq_volume_or_price_then_side_by_numbers(core: Core, napcat: FakeOneBot) -> None:
    question = await say(napcat, TRADER, "sell eurusd 1")
    assert "[1] 1 手" in question and "[2] 价格 1" in question
    preview = await say(napcat, TRADER, "1")
    assert "卖 1.00 手" in preview
    await say(napcat, TRADER, "1")
    assert positions(core) == [("EURUSD.m", 1, 1.0)]


async def test_qq_viewer_gets_no_menu(core: Core, napcat: FakeOneBot) -> None:
    refusal = await say(napcat, VIEWER, "sell eurusd 1")
    assert "[1]" not in refusal
    assert "[1]" not in await say(napcat, VIEWER, "1")
    assert positions(core) == []


# --- WeCom: card buttons carry the question's actions ----------------------------------------------
async def test_wecom_symbol_question_fits_one_card(core: Core) -> None:
    chat = chat_core(core, "wecom")
    [question] = await chat.handle(Incoming(platform="wecom", user_id=str(TRADER), chat_id=str(TRADER),
                                            text="buy 0.01 lots", buttons=False))  # fmt: skip
    assert "[5] XAGUSD" in question.text  # WeChat users type the number
    _text, card_piece = pieces(question)
    card = card_of(card_piece)
    assert [b.text for b in card.buttons] == ["XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "XAGUSD", "USOIL"]
    assert all(b.key.startswith("q:") for b in card.buttons)
    [preview] = await chat.handle(Incoming(platform="wecom", user_id=str(TRADER), chat_id=str(TRADER),
                                           action=card.buttons[4].key, buttons=False))  # fmt: skip
    assert preview.confirmation_id and "XAGUSD.m" in preview.text
