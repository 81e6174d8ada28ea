"""The real WeCom adapter and routes in a real aiohttp server, against the fake WeCom API on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.core.outbox import Outcome as Delivery
from bot.keys import CHAT_CORE
from bot.messages import Button, Incoming, Media, Outgoing, Reply
from bot.settings import UserEntry
from bot.wecom.adapter import DONE_LABEL, FAILURE, WeComAdapter
from bot.wecom.api import ErrCode, WeComAPI, WeComError
from bot.wecom.app import ROUTE_NAME, WECOM, setup_wecom
from bot.wecom.settings import WeComSettings
from tests.bot import fake_wecom
from tests.bot.fake_wecom import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    CallbackClient,
    FakeWeCom,
    card_event_xml,
    dumps,
    media_xml,
)

fake = fake_wecom.fake
USER = "zhangsan"
PATH = "/wecom/callback"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
TASK_ID = re.compile(r"^[A-Za-z0-9_\-@]{1,128}$")


class StandInCore:
    """The chat core's interface: canned replies per text or action, inputs recorded."""

    def __init__(self, script: Callable[[Incoming], list[Reply]] | None = None) -> None:
        self.seen: list[Incoming] = []
        self._script = script or script_default
        self.users: list[UserEntry] = []

    def users_of(self, platform: str) -> list[UserEntry]:
        return [u for u in self.users if u.platform == platform]

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        if incoming.text == "boom":
            raise RuntimeError("the core broke")
        return self._script(incoming)


def script_default(incoming: Incoming) -> list[Reply]:
    if incoming.action == "cf:abc123":
        return [Reply(text="已平仓 #1001 0.01手 XAUUSD", edit=True)]
    if incoming.text == "平仓":
        buttons = [[Button(text="✅ 确认", action="cf:abc123"), Button(text="❌ 取消", action="cx:abc123")]]
        return [Reply(text="平仓预览\n#1001 XAUUSD 0.01手", buttons=buttons, confirmation_id="abc123")]
    if incoming.text == "图表":
        return [Reply(text="XAUUSD H1", image=PNG)]
    if incoming.text == "长":
        return [Reply(text="\n".join(f"第{i}行 持仓 XAUUSD buy 0.01 +1.23" for i in range(150)))]
    return [Reply(text=f"echo: {incoming.text}")]


@dataclass
class Stand:
    fake: FakeWeCom
    core: StandInCore
    adapter: WeComAdapter
    client: CallbackClient

    async def text(self, content: str, msg_id: str | None = None) -> tuple[int, str]:
        answer = await self.client.text(USER, content, msg_id)
        await self.adapter.drain()
        return answer

    async def press(self, key: str, task_id: str, response_code: str = "rc-press-1") -> tuple[int, str]:
        answer = await self.client.press(USER, key, task_id, response_code)
        await self.adapter.drain()
        return answer


def wecom_settings(base_url: str, **overrides: object) -> WeComSettings:
    values: dict[str, object] = {
        "corp_id": CORP_ID,
        "secret": SECRET,
        "agent_id": AGENT_ID,
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "callback_path": PATH,
        "base_url": base_url,
        "timeout_sec": 2,
        "send_retry_sec": 0.05,
    }
    values.update(overrides)
    return WeComSettings.model_validate(values)


@pytest.fixture
async def core() -> StandInCore:
    return StandInCore()


@pytest.fixture
async def stand(fake: FakeWeCom, core: StandInCore) -> AsyncIterator[Stand]:
    app = web.Application()
    app[CHAT_CORE] = core  # type: ignore[misc]
    setup_wecom(app, wecom_settings(fake.base_url))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Stand(fake, core, app[WECOM], CallbackClient(f"http://127.0.0.1:{port}{PATH}"))
    finally:
        await runner.cleanup()


def test_routes_are_named_for_the_auth_guard() -> None:
    app = web.Application()
    setup_wecom(app, wecom_settings("http://127.0.0.1:1"))
    routes = {(r.method, r.name, r.resource.canonical) for r in app.router.routes() if r.resource}
    assert routes == {("GET", ROUTE_NAME, PATH), ("POST", ROUTE_NAME, PATH)}
    unconfigured = web.Application()
    setup_wecom(unconfigured, WeComSettings())
    assert list(unconfigured.router.routes()) == []


async def test_url_verification(stand: Stand) -> None:
    assert await stand.client.verify("1616140317555161061") == (200, "1616140317555161061")
    status, _ = await stand.client.verify("x", bad_signature=True)
    assert status == 403


async def test_bad_signature_is_refused_and_nothing_processed(stand: Stand) -> None:
    status, _ = await stand.client.post_plain(
        card_event_xml(USER, "cf:abc123", "t1", "rc"), bad_signature=True
    )
    assert status == 403
    other_corp = CallbackClient(stand.client.url)
    other_corp.crypto = type(stand.client.crypto)(TOKEN, AES_KEY, "ww_another_corp")
    status, _ = await other_corp.text(USER, "平仓")
    assert status == 403
    await stand.adapter.drain()
    assert stand.core.seen == []
    assert stand.fake.calls == []


async def test_dtd_and_garbage_are_refused(stand: Stand) -> None:
    async with aiohttp.ClientSession() as session:
        query = f"msg_signature=x&timestamp={int(time.time())}&nonce=2"
        bomb = b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'
        async with session.post(f"{stand.client.url}?{query}", data=bomb) as resp:
            assert resp.status == 400
        async with session.post(stand.client.url, data=b"<xml/>") as resp:
            assert resp.status == 400  # no signature parameters
    assert stand.core.seen == []


async def test_text_message_reaches_the_core_and_the_reply_is_sent(stand: Stand) -> None:
    assert await stand.text("你好") == (200, "")
    assert stand.core.seen == [
        Incoming(platform="wecom", user_id=USER, chat_id=USER, text="你好", buttons=False)
    ]
    [send] = stand.fake.of("message/send")
    assert send.body == {
        "touser": USER,
        "msgtype": "text",
        "agentid": AGENT_ID,
        "text": {"content": "echo: 你好"},
    }
    await stand.text("again")
    assert len(stand.fake.of("gettoken")) == 1  # the token is cached


async def test_reply_with_buttons_is_its_text_then_a_card_keyed_by_actions(stand: Stand) -> None:
    await stand.text("平仓")
    text, send = stand.fake.of("message/send")
    assert text.body["text"] == {"content": "平仓预览\n#1001 XAUUSD 0.01手"}  # WeChat shows this, not cards
    assert send.body["msgtype"] == "template_card"
    card = send.body["template_card"]
    assert card["card_type"] == "button_interaction"
    assert TASK_ID.match(card["task_id"]), card["task_id"]
    assert card["main_title"] == {"title": "平仓预览"}
    assert "sub_title_text" not in card
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [
        ("✅ 确认", "cf:abc123"),
        ("❌ 取消", "cx:abc123"),
    ], dumps(card)


async def test_press_gives_the_action_and_an_edit_retires_the_card(stand: Stand) -> None:
    await stand.text("平仓")
    task_id = stand.fake.of("message/send")[1].body["template_card"]["task_id"]
    assert await stand.press("cf:abc123", task_id, "rc-777") == (200, "")
    assert stand.core.seen[-1] == Incoming(
        platform="wecom", user_id=USER, chat_id=USER, action="cf:abc123", buttons=False
    )
    [update] = stand.fake.of("message/update_template_card")
    assert update.body == {
        "userids": [USER],
        "agentid": AGENT_ID,
        "response_code": "rc-777",
        "button": {"replace_name": DONE_LABEL},
    }
    last = stand.fake.of("message/send")[-1]
    assert last.body["text"] == {"content": "已平仓 #1001 0.01手 XAUUSD"}
    assert stand.fake.calls.index(update) < stand.fake.calls.index(last)


async def test_image_is_uploaded_then_sent_then_the_text(stand: Stand) -> None:
    await stand.text("图表")
    [upload] = stand.fake.of("media/upload")
    assert upload.query == {"type": "image"}
    assert upload.files["media"] == PNG
    image, text = stand.fake.of("message/send")
    assert image.body["msgtype"] == "image"
    assert image.body["image"]["media_id"].startswith("MEDIA-")
    assert text.body["text"] == {"content": "XAUUSD H1"}


async def test_long_text_is_split_under_the_limit(stand: Stand) -> None:
    await stand.text("长")
    sends = stand.fake.of("message/send")
    assert len(sends) > 1
    assert all(len(s.body["text"]["content"].encode()) <= 2000 for s in sends)


async def test_duplicate_callbacks_are_processed_once(stand: Stand) -> None:
    await stand.text("你好", msg_id="42")
    await stand.text("你好", msg_id="42")  # WeCom's retry
    await stand.press("cx:abc123", "task-1")
    await stand.press("cx:abc123", "task-1")
    assert [i.text or i.action for i in stand.core.seen] == ["你好", "cx:abc123"]


async def test_voice_image_and_file_reach_the_core_as_media(stand: Stand) -> None:
    for n, kind in enumerate(["voice", "image", "file"]):
        assert await stand.client.post_plain(media_xml(USER, kind, f"9{n}")) == (200, "")
    location = media_xml(USER, "location", "99").replace("<MsgId>", "<Location_X>23.1</Location_X><MsgId>")
    await stand.client.post_plain(location)
    other = media_xml(USER, "event", "98").replace("<MsgId>", "<Event>enter_agent</Event><MsgId>")
    await stand.client.post_plain(other)  # entering the app: not a message, nothing to answer
    await stand.adapter.drain()
    assert [i.media for i in stand.core.seen] == [Media.VOICE, Media.IMAGE, Media.FILE, Media.LOCATION]
    assert all(i.text is None and i.action is None for i in stand.core.seen)


async def test_core_failure_sends_the_failure_text(stand: Stand) -> None:
    await stand.text("boom")
    [send] = stand.fake.of("message/send")
    assert send.body["text"] == {"content": FAILURE.text}


async def test_expired_token_is_refreshed_and_the_call_retried_once(stand: Stand) -> None:
    await stand.text("one")
    stand.fake.expire_token()
    await stand.text("two")
    sends = stand.fake.of("message/send")
    assert [s.body["text"]["content"] for s in sends] == ["echo: one", "echo: two", "echo: two"]
    assert len(stand.fake.of("gettoken")) == 2
    assert sends[1].token == stand.fake.tokens_issued[0]
    assert sends[2].token == stand.fake.tokens_issued[1]


async def test_ip_not_trusted_is_logged_and_the_adapter_goes_on(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    stand.fake.ip_blocked = True
    with caplog.at_level(logging.INFO):
        await stand.text("one")
    assert any(r.levelno == logging.ERROR and r.name == "bot.wecom.api" for r in caplog.records)
    [done] = stand.adapter.outbox.post(USER, Reply(text="report"))
    assert await done == Delivery.FAILED  # 60020 is not retried: it needs the admin, not time
    assert "wecom_60020" in caplog.text
    stand.fake.ip_blocked = False
    await stand.text("two")
    assert stand.fake.of("message/send")[-1].body["text"] == {"content": "echo: two"}


async def test_notifier_send(stand: Stand) -> None:
    outbox = stand.adapter.outbox
    await outbox.send(Outgoing(platform="wecom", chat_id="lisi", reply=Reply(text="成交: XAUUSD")))
    await stand.adapter.drain()
    [send] = stand.fake.of("message/send")
    assert (send.body["touser"], send.body["text"]) == ("lisi", {"content": "成交: XAUUSD"})
    with pytest.raises(ValueError, match="not a wecom message"):
        await outbox.send(Outgoing(platform="telegram", chat_id="1", reply=Reply(text="x")))


async def test_secrets_and_tokens_never_logged(stand: Stand, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await stand.client.verify("echo")
        await stand.text("平仓")
        stand.fake.expire_token()
        await stand.text("图表")
        stand.fake.ip_blocked = True
        await stand.text("blocked")
        stand.fake.ip_blocked = False
        await stand.fake.stop()  # transport failure: aiohttp's errors carry the URL with the token
        await stand.text("down")
    assert len(stand.fake.tokens_issued) == 2
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert logged  # something was logged at all
    for secret in [SECRET, TOKEN, AES_KEY, *stand.fake.tokens_issued]:
        assert secret not in logged


async def test_token_cached_until_five_minutes_before_expiry(fake: FakeWeCom) -> None:
    now = [1000.0]
    fake.expires_in = 7200
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(wecom_settings(fake.base_url), session, clock=lambda: now[0])
        first = await api.access_token()
        now[0] += 7200 - 301
        assert await api.access_token() == first
        now[0] += 2
        assert await api.access_token() != first
    assert len(fake.of("gettoken")) == 2


async def test_wrong_secret_and_transport_errors_are_typed(fake: FakeWeCom) -> None:
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(wecom_settings(fake.base_url, secret="wrong-secret"), session)
        with pytest.raises(WeComError) as err:
            await api.send_text(USER, "x")
        assert err.value.errcode == 40001
        await fake.stop()
        api = WeComAPI(wecom_settings(fake.base_url), session)
        with pytest.raises(WeComError) as err:
            await api.send_text(USER, "x")
        assert err.value.errcode == ErrCode.TRANSPORT
        assert SECRET not in str(err.value)
        assert err.value.__cause__ is None and err.value.__suppress_context__
