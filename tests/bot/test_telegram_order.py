"""Telegram updates: one chat's in order, different chats at once, through python-telegram-bot against
the fake Bot API; notifications go through the outbox (retried on network errors, merged)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.messages import Incoming, Outgoing, Reply
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.telegram_stand import ScriptedCore

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot


class GatedCore(ScriptedCore):
    """Answers "echo: <text>"; a message "slow" waits until released."""

    def __init__(self) -> None:
        super().__init__(lambda incoming: [Reply(text=f"echo: {incoming.text}")])
        self.release = asyncio.Event()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        if incoming.text == "slow":
            await self.release.wait()
        return [Reply(text=f"echo: {incoming.text}")]


def texts_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [c.params["text"] for c in fake.sent("sendMessage") if c.params["chat_id"] == chat]


async def test_one_chat_in_order_other_chats_at_once(fake: FakeTelegram, run_bot: Callable) -> None:
    core = GatedCore()
    await run_bot(core)
    await fake.send_text("slow", user_id=1)
    await fake.send_text("second", user_id=1)
    await fake.send_text("hello", user_id=2)
    [answer] = await fake.wait_for("sendMessage")  # chat 2 is answered while chat 1 waits
    assert answer.params["chat_id"] == 2
    assert [(i.chat_id, i.text) for i in core.seen] == [("1", "slow"), ("2", "hello")]  # "second" waits
    core.release.set()
    await fake.wait_for("sendMessage", 3)
    assert texts_to(fake, 1) == ["echo: slow", "echo: second"]


async def test_a_notification_survives_a_network_error(fake: FakeTelegram, run_bot: Callable) -> None:
    runner = await run_bot(ScriptedCore())
    fake.fail_next["sendMessage"] = 1  # a 502 from a proxy in between
    [done] = runner.outbox.post("7", Reply(text="成交 XAUUSD"))
    assert (await done).value == "sent"
    assert texts_to(fake, 7) == ["成交 XAUUSD"] * 2  # the first attempt was answered 502
    assert [m["text"] for (chat, _), m in fake.messages.items() if chat == 7] == ["成交 XAUUSD"]


async def test_a_blocked_bot_is_not_retried(fake: FakeTelegram, run_bot: Callable) -> None:
    runner = await run_bot(ScriptedCore())
    fake.forbidden.add(8)  # the user blocked the bot: 403 Forbidden
    await runner.outbox.send(Outgoing(platform="telegram", chat_id="8", reply=Reply(text="日报")))
    await runner.outbox.drain()
    assert len([c for c in fake.sent("sendMessage") if c.params["chat_id"] == 8]) == 1
