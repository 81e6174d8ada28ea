"""WeCom delivery for real use: nothing lost to the member send limits, retries, per-user order,
WeChat users confirming by typed numbers, the replay window and the group robots.

The real adapter, routes and chat core (simulator, SQLite) in a real aiohttp server, against the fake
WeCom API on 127.0.0.1, which drops what exceeds the member limits silently, as WeCom does. The limits
are scaled from minutes to a second (same counts per window on both sides) to keep the tests short.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.core import ChatCore
from bot.core.outbox import Outcome, Policy, Rate
from bot.keys import CHAT_CORE, NOTIFIER
from bot.messages import Incoming, Outgoing, Reply
from bot.wecom.adapter import WeComAdapter
from bot.wecom.api import WeComAPI
from bot.wecom.app import WECOM, build_crypto, robot_outbox, setup_wecom
from mt5bot.config import Settings
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from reports.models import ReportKind
from tests.bot import fake_wecom
from tests.bot.core_stand import SETUP
from tests.bot.fake_wecom import CallbackClient, FakeWeCom, media_xml
from tests.bot.test_wecom import PATH, PNG, wecom_settings
from tests.trading.conftest import Core, make_core

fake = fake_wecom.fake
CARD_USER = "zhangsan"  # WeCom app: sees cards
WECHAT_USER = "wx_lisi"  # WeChat plugin: sees no cards (users[].buttons: false)
VIEWER = "wangwu"
ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@dataclass
class Stand:
    fake: FakeWeCom
    core: Core
    chat: ChatCore
    adapter: WeComAdapter
    client: CallbackClient
    app: web.Application

    async def say(self, user: str, text: str) -> list[str]:
        """Send a text as `user`; returns the texts the user then really received."""
        before = len(self.fake.shown_texts(user))
        assert (await self.client.text(user, text))[0] == 200
        await self.adapter.drain()
        return self.fake.shown_texts(user)[before:]

    def positions(self) -> dict[int, float]:
        return {p.ticket: p.volume for p in self.core.sim.positions_get() or ()}


def chat_settings(**wecom: object) -> Settings:
    users = [
        {"platform": "wecom", "id": CARD_USER, "role": "trader"},
        {"platform": "wecom", "id": WECHAT_USER, "role": "trader", "buttons": False},
        {"platform": "wecom", "id": VIEWER, "role": "viewer", "subscribe": False},
    ]
    return Settings(users=users, chat={"notify_batch_sec": 0.05}, wecom=wecom)


@pytest.fixture
async def stand(fake: FakeWeCom, tmp_path: Path) -> AsyncIterator[Stand]:
    fake.robot_keys = {ROBOT_KEY: "ops"}
    wecom = wecom_settings(fake.base_url, robots={"ops": ROBOT_KEY}).model_dump(mode="json")
    wecom.update(secret=fake_wecom.SECRET, token=fake_wecom.TOKEN, encoding_aes_key=fake_wecom.AES_KEY)
    wecom["robots"] = {"ops": ROBOT_KEY}
    config = chat_settings(**wecom)
    core = await make_core(tmp_path)
    chat = ChatCore(core.service, core.db, config)
    app = web.Application()
    app[CHAT_CORE], app[NOTIFIER] = chat, chat.notifier()
    setup_wecom(app, config.wecom)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        client = CallbackClient(f"http://127.0.0.1:{port}{PATH}")
        yield Stand(fake, core, chat, app[WECOM], client, app)
    finally:
        await runner.cleanup()
        await core.db.close()
        await core.client.close()


async def scaled_adapter(stand: Stand, session: aiohttp.ClientSession, per_second: int) -> WeComAdapter:
    """An adapter like the service's, with the member limits scaled to `per_second` a second."""
    settings = wecom_settings(stand.fake.base_url)
    pacing = Policy(rates=(Rate(per_second, 1.0),), backoff_sec=0.05, merge_max_chars=600)
    api = WeComAPI(settings, session)
    return WeComAdapter(stand.chat, api, build_crypto(settings), settings, pacing=pacing)


# -- nothing lost to the member limits ---------------------------------------------------------


async def test_the_fake_drops_past_the_limit_silently(stand: Stand) -> None:
    """The control: sent straight through the API, a burst loses messages without any error."""
    stand.fake.member_limits = [(5, 1.0)]
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(wecom_settings(stand.fake.base_url), session)
        for n in range(12):
            await api.send_text(CARD_USER, f"fill {n}")  # every call answers errcode 0
    assert len(stand.fake.of("message/send")) == 12
    assert len(stand.fake.shown_texts(CARD_USER)) == 5


async def test_a_burst_of_notifications_is_merged_and_nothing_is_lost(stand: Stand) -> None:
    stand.fake.member_limits = [(5, 1.0)]
    async with aiohttp.ClientSession() as session:
        adapter = await scaled_adapter(stand, session, 5)
        lines = [f"成交 #{1000 + n} XAUUSD buy 0.01 @ 2650.{n:02d}" for n in range(60)]
        for line in lines:
            await adapter.outbox.send(Outgoing(platform="wecom", chat_id=CARD_USER, reply=Reply(text=line)))
        await adapter.drain()
        await adapter.close()
    sent = stand.fake.of("message/send")
    shown = stand.fake.shown_texts(CARD_USER)
    assert len(shown) == len(sent) < len(lines)  # merged into fewer messages, none dropped by WeCom
    assert "\n\n".join(shown).split("\n\n") == lines  # every line, in order


async def test_replies_beyond_the_limit_wait_their_turn(stand: Stand) -> None:
    stand.fake.member_limits = [(4, 1.0)]
    async with aiohttp.ClientSession() as session:
        adapter = await scaled_adapter(stand, session, 4)
        started = time.monotonic()
        futures = [f for n in range(10) for f in adapter.outbox.post(CARD_USER, Reply(text=f"answer {n}"))]
        assert await asyncio.gather(*futures) == [Outcome.SENT] * 10
        elapsed = time.monotonic() - started
        await adapter.close()
    assert stand.fake.shown_texts(CARD_USER) == [f"answer {n}" for n in range(10)]
    assert elapsed >= 1.9  # 10 messages at 4 a second: three windows


# -- retries -----------------------------------------------------------------------------------


async def test_busy_and_frequency_limits_are_retried_then_delivered_once(stand: Stand) -> None:
    stand.fake.fail_next = [-1, 45009, 45033]
    stand.fake.http_fail_next = 1
    assert await stand.say(CARD_USER, "你好") != []
    texts = stand.fake.shown_texts(CARD_USER)
    assert len(texts) == 1
    assert len(stand.fake.of("message/send")) == 5  # 502, -1, 45009, 45033, then ok


async def test_a_refusal_that_time_cannot_fix_is_not_retried(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    stand.fake.fail_next = [40003]  # invalid userid
    [done] = stand.adapter.outbox.post("nobody", Reply(text="x"))
    assert await done is Outcome.FAILED
    assert len(stand.fake.of("message/send")) == 1
    assert "not delivered (failed: wecom_40003" in caplog.text


async def test_out_of_attempts_is_logged_as_not_delivered(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    stand.fake.fail_next = [45009] * 5  # send_attempts = 5
    [done] = stand.adapter.outbox.post(CARD_USER, Reply(text="x"))
    assert await done is Outcome.FAILED
    assert len(stand.fake.of("message/send")) == 5
    assert "not delivered" in caplog.text


# -- users in parallel, each in order ----------------------------------------------------------


async def test_users_are_served_at_once_and_each_in_order(stand: Stand) -> None:
    release = asyncio.Event()
    seen: list[str] = []
    handle = stand.chat.handle

    async def slow_core(incoming: Incoming) -> list[Reply]:
        seen.append(f"{incoming.user_id}:{incoming.text}")
        if incoming.text == "慢":
            await release.wait()
        return await handle(incoming)

    stand.adapter._handler = type("Slow", (), {"handle": staticmethod(slow_core)})()
    for text in ("慢", "黄金报价"):
        await stand.client.text(CARD_USER, text)
    await stand.client.text(WECHAT_USER, "黄金报价")
    await stand.fake.until(lambda: bool(stand.fake.shown_texts(WECHAT_USER)))  # not held up
    assert seen == [f"{CARD_USER}:慢", f"{WECHAT_USER}:黄金报价"]  # the slow user's second waits
    release.set()
    await stand.adapter.drain()
    assert seen[-1] == f"{CARD_USER}:黄金报价"
    first, second = stand.fake.shown_texts(CARD_USER)
    assert "XAUUSD" not in first and "XAUUSD" in second  # answers in the order asked


# -- confirming: cards, and typed numbers for WeChat -------------------------------------------


async def test_a_wechat_user_confirms_by_typing_the_number(stand: Stand) -> None:
    [preview] = await stand.say(WECHAT_USER, "买入0.01手黄金")
    assert "[1]" in preview and "[2]" in preview
    assert stand.fake.of("message/send")[-1].body["msgtype"] == "text"  # no card for a WeChat user
    assert stand.positions() == {}
    [done] = await stand.say(WECHAT_USER, "1")
    [(ticket, volume)] = stand.positions().items()
    assert volume == pytest.approx(0.01)
    assert str(ticket) in done


async def test_a_card_user_gets_both_and_may_type_or_press(stand: Stand) -> None:
    [preview] = await stand.say(CARD_USER, "买入0.01手黄金")
    card = stand.fake.of("message/send")[-1].body
    assert card["msgtype"] == "template_card"
    keys = [b["key"] for b in card["template_card"]["button_list"]]
    assert len(keys) == 2 and "[1]" in preview
    await stand.say(CARD_USER, "1")  # typed, with the card still on screen
    assert len(stand.positions()) == 1
    await stand.say(CARD_USER, "买入0.02手黄金")
    card = stand.fake.of("message/send")[-1].body["template_card"]
    await stand.client.press(CARD_USER, card["button_list"][0]["key"], card["task_id"], "rc-1")
    await stand.adapter.drain()
    assert sorted(stand.positions().values()) == pytest.approx([0.01, 0.02])
    assert stand.fake.of("message/update_template_card")[-1].body["response_code"] == "rc-1"


async def test_voice_gets_a_polite_answer(stand: Stand) -> None:
    assert (await stand.client.post_plain(media_xml(CARD_USER, "voice", "77")))[0] == 200
    await stand.adapter.drain()
    [answer] = stand.fake.shown_texts(CARD_USER)
    assert "语音" in answer and "文字" in answer


# -- the replay window -------------------------------------------------------------------------


async def test_a_callback_outside_the_replay_window_is_refused(stand: Stand) -> None:
    stand.client.skew_sec = -3600  # a captured request replayed an hour later: the signature still fits
    assert (await stand.client.text(CARD_USER, "你好"))[0] == 403
    stand.client.skew_sec = 90  # a server clock a little off is fine
    assert (await stand.client.text(CARD_USER, "你好"))[0] == 200
    await stand.adapter.drain()
    assert len(stand.fake.shown_texts(CARD_USER)) == 1


# -- group robots ------------------------------------------------------------------------------


async def test_a_scheduled_report_reaches_the_robot_as_image_and_markdown(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await stand.core.service.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.05), SETUP)
    report = await stand.chat.deps.reports.build(ReportKind.DAILY)
    notifier = stand.app[NOTIFIER]
    assert len(await notifier.broadcast_report(report, PNG)) == 3  # two subscribed members and the robot
    await stand.adapter.drain()
    await stand.fake.until(lambda: len(stand.fake.robot_shown.get("ops", [])) >= 2)
    image, text = stand.fake.robot_shown["ops"]
    raw = base64.b64decode(image["image"]["base64"])
    assert raw == PNG and image["image"]["md5"] == hashlib.md5(PNG).hexdigest()  # noqa: S324
    assert text["msgtype"] == "markdown" and text["markdown"]["content"].startswith("**")
    assert "[1]" not in text["markdown"]["content"]  # a group gets no trade suggestions to press
    assert "wecom_robot message to ops sent" in caplog.text
    assert ROBOT_KEY not in caplog.text


async def test_robot_frequency_limit_is_waited_out(stand: Stand) -> None:
    stand.fake.robot_limit = (3, 1.0)
    settings = wecom_settings(stand.fake.base_url, robots={"ops": ROBOT_KEY})
    async with aiohttp.ClientSession() as session:
        outbox = robot_outbox(settings, session, Rate(3, 1.0))
        futures = [f for n in range(7) for f in outbox.post("ops", Reply(text=f"告警 {n}", image=PNG))]
        assert await asyncio.gather(*futures) == [Outcome.SENT] * 14
        await outbox.close()
    shown = stand.fake.robot_shown["ops"]
    assert [m["markdown"]["content"] for m in shown if m["msgtype"] == "markdown"] == [
        f"**告警 {n}**\n" for n in range(7)
    ]
    assert not [c for c in stand.fake.of("webhook/send") if c.body.get("msgtype") is None]


async def test_robots_may_post_plain_text(stand: Stand) -> None:
    settings = wecom_settings(stand.fake.base_url, robots={"ops": ROBOT_KEY}, robot_markdown=False)
    async with aiohttp.ClientSession() as session:
        outbox = robot_outbox(settings, session)
        long = "\n".join(f"#{n} XAUUSD 买 0.01手 @ 4035.37 盈亏 +1.23 USD" for n in range(80))
        futures = outbox.post("ops", Reply(text=long))
        assert await asyncio.gather(*futures) == [Outcome.SENT] * len(futures) and len(futures) > 1
        await outbox.close()
    shown = stand.fake.robot_shown["ops"]
    assert {m["msgtype"] for m in shown} == {"text"}
    assert "\n".join(m["text"]["content"] for m in shown) == long  # split under 2,048 bytes, nothing lost


async def test_unknown_robot_key_fails_without_leaking_it(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    settings = wecom_settings(stand.fake.base_url, robots={"ops": "wrong-key-0000"})
    async with aiohttp.ClientSession() as session:
        outbox = robot_outbox(settings, session)
        [done] = outbox.post("ops", Reply(text="x"))
        assert await done is Outcome.FAILED
        await outbox.close()
    assert "wrong-key-0000" not in caplog.text
