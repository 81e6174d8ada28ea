"""QQ delivery through the outbox: nothing dropped across a reconnect or an offline spell (only what
expired, with a log line), bursts merged, and sends paced per chat against QQ's risk controls.

The real adapter in a real aiohttp server; the fake NapCat (tests/bot/fake_onebot.py) connects, sends
heartbeats and records our actions with their arrival times."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from bot.messages import Outgoing, Reply
from bot.onebot.pacing import pieces, rates_for
from bot.onebot.settings import OneBotSettings
from tests.bot.fake_onebot import BOT_QQ, FakeOneBot, at, text
from tests.bot.test_onebot import GROUP, USER, Stand, StandInCore, _settings, _stand, _wait


def _note(chat: int | str, words: str) -> Outgoing:
    return Outgoing(platform="qq", chat_id=str(chat), reply=Reply(text=words))


def _sends(bot: FakeOneBot) -> list[str]:
    return [c.text for c in bot.actions if c.action.startswith("send_")]


@pytest.fixture
async def paced() -> AsyncIterator[Stand]:
    settings = _settings(min_interval_sec=0.25, queue_max_age_sec=30)
    async for value in _stand(StandInCore(), settings):
        yield value


async def test_notifications_while_disconnected_wait_and_merge(paced: Stand) -> None:
    outbox = paced.adapter.outbox
    for n in range(8):
        await outbox.send(_note(USER, f"成交 #{n}"))  # nobody is connected yet
    await _wait(lambda: outbox.waiting() == {str(USER): 8})
    bot = paced.bot()
    await bot.connect()
    await paced.adapter.drain()
    assert "\n\n".join(_sends(bot)).split("\n\n") == [f"成交 #{n}" for n in range(8)]
    assert len(_sends(bot)) == 1  # one message, not eight
    await bot.close()


async def test_only_expired_notifications_are_dropped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    async for stand in _stand(StandInCore(), _settings(queue_max_age_sec=60), clock=lambda: now[0]):
        await stand.adapter.outbox.send(_note(USER, "old fill"))
        now[0] = 61.0
        await stand.adapter.outbox.send(_note(USER, "new fill"))
        bot = stand.bot()
        await bot.connect()
        await stand.adapter.drain()
        assert _sends(bot) == ["new fill"]
        assert f"qq message to {USER} not delivered (expired" in caplog.text
        await bot.close()


async def test_offline_heartbeat_holds_messages_until_online_again(paced: Stand) -> None:
    bot = paced.bot()
    await bot.connect()
    await bot.send_event(bot.heartbeat(online=False))
    await _wait(lambda: not paced.adapter.accounts()[0].online)
    await paced.adapter.outbox.send(_note(USER, "held while offline"))
    await bot.send_event(bot.private(USER, [text("hi")]))
    await _wait(lambda: len(paced.core.seen) == 1)
    await _wait(lambda: sum(paced.adapter.outbox.waiting().values()) == 2)
    assert _sends(bot) == []
    await bot.send_event(bot.heartbeat(online=True))
    await paced.adapter.drain()
    assert sorted(_sends(bot)) == ["echo: hi", "held while offline"]
    await bot.close()


async def test_a_reconnect_mid_conversation_loses_nothing(paced: Stand) -> None:
    bot = paced.bot()
    await bot.connect()
    await bot.send_event(bot.private(USER, [text("one")]))
    await _wait(lambda: len(paced.core.seen) == 1)
    await paced.adapter.drain()
    await bot.close()
    await _wait(lambda: not paced.adapter.connected)
    await paced.adapter.outbox.send(_note(USER, "during the gap"))
    again = paced.bot()
    await again.connect()
    await paced.adapter.drain()
    assert _sends(bot) == ["echo: one"] and _sends(again) == ["during the gap"]
    await again.close()


async def test_sends_to_one_chat_are_spaced_and_chats_do_not_wait_for_each_other(paced: Stand) -> None:
    bot = paced.bot()
    await bot.connect()
    for n in range(4):
        paced.adapter.outbox.post(str(USER), Reply(text=f"answer {n}"))
    paced.adapter.outbox.post(f"g{GROUP}", Reply(text="group news"))
    await paced.adapter.drain()
    mine = [c for c in bot.actions if c.action == "send_private_msg"]
    assert [c.text for c in mine] == [f"answer {n}" for n in range(4)]
    gaps = [b.at - a.at for a, b in itertools.pairwise(mine)]
    assert min(gaps) >= 0.24, gaps
    [group] = [c for c in bot.actions if c.action == "send_group_msg"]
    assert group.at < mine[1].at  # the group did not queue behind the private chat
    await bot.close()


async def test_a_group_reply_quotes_the_message_and_is_never_merged(paced: Stand) -> None:
    bot = paced.bot()
    await bot.connect()
    await paced.adapter.outbox.send(_note(f"g{GROUP}", "fill 1"))
    await bot.send_event(bot.group(GROUP, USER, [at(BOT_QQ), text(" hi")]))
    await _wait(lambda: len(paced.core.seen) == 1)
    await paced.adapter.drain()
    sends = [c for c in bot.actions if c.action == "send_group_msg"]
    [quoted] = [c for c in sends if c.of_type("reply")]
    [plain] = [c for c in sends if not c.of_type("reply")]
    assert quoted.text.startswith("echo:") and plain.text == "fill 1"
    await bot.close()


def test_rates_are_lower_for_groups_and_configurable() -> None:
    settings = OneBotSettings.model_validate(
        {"access_token": "x" * 16, "private_per_minute": 20, "group_per_minute": 6, "min_interval_sec": 2}
    )
    rates = rates_for(settings)
    assert [(r.count, r.per_sec) for r in rates("12345")] == [(1, 2.0), (20, 60.0)]
    assert [(r.count, r.per_sec) for r in rates("g678")] == [(1, 2.0), (6, 60.0)]
    no_gap = settings.model_copy(update={"min_interval_sec": 0})
    assert [(r.count, r.per_sec) for r in rates_for(no_gap)("1")] == [(20, 60.0)]


def test_pieces_carry_the_image_and_quote_on_the_first_part_only() -> None:
    long = "\n".join(f"line {n} " + "x" * 80 for n in range(120))
    first, *rest = pieces("1", Reply(text=long, image=b"png", reply_to="42"))
    assert (first.image, first.reply_to) == (b"png", "42")
    assert rest and all(p.image is None and p.reply_to is None for p in rest)
    assert "\n".join(p.text for p in [first, *rest]) == long
    assert pieces("1", Reply(text="  ")) == []
    assert len(pieces("1", Reply(text="", image=b"png"))) == 1
