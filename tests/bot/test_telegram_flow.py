"""The real python-telegram-bot against the fake Bot API: messages, buttons, edits, photos, groups."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable

import pytest

from bot.messages import Button, Incoming, Outgoing, Reply
from bot.text import split_text
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import BOT_USERNAME, FakeTelegram, markup_of
from tests.bot.telegram_stand import ScriptedCore

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot


async def test_message_gets_html_preview_with_inline_keyboard(fake: FakeTelegram, run_bot: Callable) -> None:
    core = ScriptedCore()
    await run_bot(core)
    await fake.send_text("平仓0.01手黄金", user_id=42, lang="zh-hans")
    [call] = await fake.wait_for("sendMessage")
    assert call.params["chat_id"] == 42
    assert call.params["parse_mode"] == "HTML"
    assert call.params["text"] == "<b>平仓预览</b>: 平仓0.01手黄金"
    rows = markup_of(call)
    assert rows == [
        [{"text": "✅ 确认", "callback_data": "cf:abc123"}, {"text": "❌ 取消", "callback_data": "cx:abc123"}]
    ]
    [seen] = core.seen
    assert seen == Incoming(
        platform="telegram",
        user_id="42",
        chat_id="42",
        text="平仓0.01手黄金",
        user_name="alice",
        is_group=False,
        addressed=True,
        lang="zh",
    )


async def test_button_press_answers_and_edits_away_the_keyboard(
    fake: FakeTelegram, run_bot: Callable
) -> None:
    core = ScriptedCore()
    await run_bot(core)
    await fake.send_text("平仓0.01手黄金", user_id=42)
    [preview] = await fake.wait_for("sendMessage")
    sent = [m for m in fake.messages.values() if m.get("reply_markup")]
    message_id = sent[0]["message_id"]
    # Someone else's identity comes from the callback's from_user, never from the chat.
    await fake.press(42, message_id, "cf:abc123", user_id=43)
    [answer] = await fake.wait_for("answerCallbackQuery")
    [edit] = await fake.wait_for("editMessageText")
    assert answer.params["callback_query_id"].startswith("cb")
    assert edit.params["message_id"] == message_id
    assert edit.params["text"] == "已平仓 #1001 0.01手 XAUUSD"
    assert "reply_markup" not in edit.params
    assert "reply_markup" not in fake.messages[(42, message_id)]
    pressed = core.seen[-1]
    assert (pressed.action, pressed.user_id, pressed.chat_id, pressed.text) == ("cf:abc123", "43", "42", None)
    assert fake.sent("sendMessage") == [preview]


async def test_edit_can_replace_the_keyboard(fake: FakeTelegram, run_bot: Callable) -> None:
    def script(incoming: Incoming) -> list[Reply]:
        if incoming.action:
            return [Reply(text="哪一单?", edit=True, buttons=[[Button(text="#1", action="pick:1")]])]
        return [Reply(text="选择", buttons=[[Button(text="go", action="go")]])]

    await run_bot(ScriptedCore(script))
    await fake.send_text("平仓黄金")
    await fake.wait_for("sendMessage")
    message_id = max(k[1] for k in fake.messages)
    await fake.press(42, message_id, "go")
    [edit] = await fake.wait_for("editMessageText")
    assert markup_of(edit) == [[{"text": "#1", "callback_data": "pick:1"}]]


async def test_callback_is_answered_even_when_nothing_is_edited(
    fake: FakeTelegram, run_bot: Callable
) -> None:
    await run_bot(ScriptedCore(lambda incoming: []))
    await fake.send_text("hi")
    await fake.wait_for("getUpdates", 2)
    message = fake._message(fake.chat(42), "old", sender=fake.me())
    await fake.press(42, message["message_id"], "stale:1")
    await fake.wait_for("answerCallbackQuery")


async def test_image_goes_out_as_a_photo_with_caption(fake: FakeTelegram, run_bot: Callable) -> None:
    def script(incoming: Incoming) -> list[Reply]:
        return [Reply(text="今日盈亏 a_b*c", image=PNG, buttons=[[Button(text="月报", action="rep:m")]])]

    await run_bot(ScriptedCore(script))
    await fake.send_text("/pnl")
    [call] = await fake.wait_for("sendPhoto")
    assert call.files["photo"] == PNG
    assert call.params["caption"] == "今日盈亏 a_b*c"
    assert call.params["parse_mode"] == "HTML"
    assert markup_of(call) == [[{"text": "月报", "callback_data": "rep:m"}]]


@pytest.mark.parametrize(
    "text",
    ["comment a_b*c", "<tag> & </b> <<x>>", "XAU_USD.m [1](x) ~`>#+-=|{}.!", "&amp; is not &"],
)
async def test_every_symbol_and_comment_survives_html(
    fake: FakeTelegram, run_bot: Callable, text: str
) -> None:
    await run_bot(ScriptedCore(lambda incoming: [Reply(text=text)]))
    await fake.send_text("x")
    [call] = await fake.wait_for("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert html.unescape(call.params["text"]) == text
    assert fake.messages[(42, max(k[1] for k in fake.messages))]["text"] == call.params["text"]


async def test_broken_core_html_falls_back_to_plain_text(fake: FakeTelegram, run_bot: Callable) -> None:
    reply = Reply(text="profit <5%", html="profit <5%")  # unescaped: Telegram refuses it
    await run_bot(ScriptedCore(lambda incoming: [reply]))
    await fake.send_text("x")
    first, second = await fake.wait_for("sendMessage", 2)
    assert first.params["parse_mode"] == "HTML"
    assert second.params["text"] == "profit <5%"
    assert "parse_mode" not in second.params


async def test_markdown_only_reply_is_sent_as_markdown_v2(fake: FakeTelegram, run_bot: Callable) -> None:
    reply = Reply(text="a_b 1.5!", markdown=r"a\_b 1\.5\!")
    await run_bot(ScriptedCore(lambda incoming: [reply]))
    await fake.send_text("x")
    [call] = await fake.wait_for("sendMessage")
    assert (call.params["parse_mode"], call.params["text"]) == ("MarkdownV2", r"a\_b 1\.5\!")


async def test_core_failure_gets_an_apology_and_the_bot_keeps_serving(
    fake: FakeTelegram, run_bot: Callable
) -> None:
    core = ScriptedCore()
    await run_bot(core)
    await fake.send_text("boom")
    await fake.send_text("平仓")
    apology, preview = await fake.wait_for("sendMessage", 2)
    assert "Internal error" in apology.params["text"]
    assert markup_of(preview) is not None


def _mention(text: str, word: str) -> dict[str, object]:
    return {"type": "mention", "offset": text.index(word), "length": len(word)}


async def test_group_answers_only_when_addressed(fake: FakeTelegram, run_bot: Callable) -> None:
    core = ScriptedCore()
    await run_bot(core)
    group = -100123
    await fake.send_text("平仓黄金", user_id=42, chat_id=group, chat_type="supergroup")
    other = "@someone_else 看看"
    await fake.send_text(
        other, chat_id=group, chat_type="supergroup", entities=[_mention(other, "@someone_else")]
    )
    await fake.send_text(
        "/positions@other_bot",
        chat_id=group,
        chat_type="supergroup",
        entities=[{"type": "bot_command", "offset": 0, "length": 20}],
    )
    text = f"@{BOT_USERNAME} 平仓0.01手黄金"
    await fake.send_text(
        text, user_id=42, chat_id=group, chat_type="supergroup", entities=[_mention(text, f"@{BOT_USERNAME}")]
    )
    [preview] = await fake.wait_for("sendMessage")
    assert len(core.seen) == 1
    seen = core.seen[0]
    assert (seen.text, seen.is_group, seen.addressed, seen.user_id, seen.chat_id) == (
        "平仓0.01手黄金",
        True,
        True,
        "42",
        str(group),
    )
    assert preview.params["chat_id"] == group
    # A reply to the bot's message, and a command aimed at this bot, are addressed too.
    bot_message = max(k[1] for k in fake.messages if k[0] == group)
    await fake.send_text("0.02", user_id=44, chat_id=group, chat_type="supergroup", reply_to=bot_message)
    command = f"/positions@{BOT_USERNAME}"
    await fake.send_text(
        command,
        chat_id=group,
        chat_type="supergroup",
        entities=[{"type": "bot_command", "offset": 0, "length": len(command)}],
    )
    await fake.wait_for("sendMessage", 3)
    assert [(i.text, i.user_id) for i in core.seen[1:]] == [("0.02", "44"), ("/positions", "42")]


async def test_notification_goes_to_its_chat(fake: FakeTelegram, run_bot: Callable) -> None:
    runner = await run_bot(ScriptedCore())
    await runner.send(Outgoing(platform="telegram", chat_id="42", reply=Reply(text="成交 <XAUUSD> 0.01")))
    [call] = fake.sent("sendMessage")
    assert call.params["text"] == "成交 &lt;XAUUSD&gt; 0.01"
    with pytest.raises(ValueError, match="not a telegram message"):
        await runner.send(Outgoing(platform="onebot", chat_id="42", reply=Reply(text="x")))


async def test_long_text_is_split_and_buttons_stay_on_the_last_part(
    fake: FakeTelegram, run_bot: Callable
) -> None:
    long = "\n".join(f"#{i} XAUUSD.m 0.01 buy 2650.{i:02d}" for i in range(400))
    reply = Reply(text=long, buttons=[[Button(text="more", action="more")]])
    await run_bot(ScriptedCore(lambda incoming: [reply]))
    await fake.send_text("/positions")
    expected = len(split_text(long, 4096, keep_breaks=True))
    assert expected > 2
    calls = await fake.wait_for("sendMessage", expected)
    assert "".join(c.params["text"] for c in calls) == long
    assert all(len(c.params["text"]) <= 4096 for c in calls)
    assert [markup_of(c) is not None for c in calls] == [False] * (len(calls) - 1) + [True]


async def test_a_photo_caption_telegram_refuses_is_sent_plain(fake: FakeTelegram, run_bot: Callable) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    reply = Reply(text="profit <5% today", html="profit <5% today", image=png)  # unescaped: refused
    await run_bot(ScriptedCore(lambda incoming: [reply]))
    await fake.send_text("x")
    first, second = await fake.wait_for("sendPhoto", 2)
    assert first.params["parse_mode"] == "HTML"
    assert second.params["caption"] == "profit <5% today"
    assert "parse_mode" not in second.params
    assert second.files  # the chart itself went out the second time too


async def test_flood_control_waits_retry_after_then_delivers(fake: FakeTelegram, run_bot: Callable) -> None:
    # Telegram answers 429 with parameters.retry_after; the library's rate limiter waits that long and
    # sends again (up to three times), so the reply arrives late but arrives, once.
    fake.flood["sendMessage"] = 1
    fake.flood_retry_after = 1
    await run_bot(ScriptedCore(lambda incoming: [Reply(text="pong")]))
    started = asyncio.get_running_loop().time()
    await fake.send_text("ping")
    first, second = await fake.wait_for("sendMessage", 2, within=15.0)
    waited = asyncio.get_running_loop().time() - started
    assert first.params["text"] == second.params["text"] == "pong"
    assert waited >= 1.0  # it waited retry_after, not a blind immediate resend
    await asyncio.sleep(0.5)
    assert len(fake.sent("sendMessage")) == 2  # delivered once after the flood answer, not again
