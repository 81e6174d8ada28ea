"""The real QQ bot adapter and webhook in a real aiohttp server, on the real chat core over the simulator,
against the fake platform (token endpoint and OpenAPI) on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.core import ChatCore
from bot.core.outbox import Outcome
from bot.keys import CHAT_CORE, NOTIFIER
from bot.messages import Outgoing, Reply
from bot.qqbot.adapter import QQBotAdapter
from bot.qqbot.api import ErrCode, QQBotAPI, QQBotError
from bot.qqbot.app import QQBOT, ROUTE_NAME, setup_qqbot
from bot.qqbot.callback import handle_post
from bot.qqbot.settings import QQBotSettings
from bot.qqbot.signing import Signer
from bot.qqbot.window import NoReplyWindow
from mt5bot.config import Settings
from tests.bot import fake_qqbot
from tests.bot.core_stand import FakeClock
from tests.bot.fake_qqbot import APP_ID, MSG_EXPIRE, PNG_MAGIC, SECRET, Call, CallbackClient, FakeQQBot
from tests.trading.conftest import Core, make_core

fake = fake_qqbot.fake
PATH = "/qqbot/callback"
TRADER = "E4F4AEA33253A2797FB897C50B81D7ED"  # a user_openid
MEMBER = "0A1B2C3D4E5F60718293A4B5C6D7E8F9"  # a member_openid in GROUP
GROUP = "C9F778FE6ADF9D1D1DBE395BF744A33A"
STRANGER = "FFFF0000FFFF0000FFFF0000FFFF0000"
PNG = PNG_MAGIC + bytes(range(256)) * 4


def qqbot_settings(fake: FakeQQBot, **overrides: object) -> QQBotSettings:
    values: dict[str, object] = {
        "app_id": APP_ID,
        "secret": SECRET,
        "api_base_url": fake.base_url,
        "token_url": fake.token_url,
        "timeout_sec": 2,
    }
    values.update(overrides)
    return QQBotSettings.model_validate(values)


def chat_core(core: Core) -> ChatCore:
    users = [
        {"platform": "qqbot", "id": TRADER, "role": "trader", "lang": "zh"},
        {"platform": "qqbot", "id": MEMBER, "role": "trader", "lang": "zh"},
    ]
    return ChatCore(core.service, core.db, Settings(users=users))


def positions(core: Core) -> list[tuple[str, int, float]]:
    return sorted((p.symbol, p.type, p.volume) for p in core.sim.positions_get() or ())


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{PATH}"


@dataclass
class Stand:
    fake: FakeQQBot
    adapter: QQBotAdapter
    client: CallbackClient
    clock: FakeClock
    core: Core

    async def say(self, user: str, text: str) -> list[Call]:
        """A private message; returns the replies the platform accepted for it."""
        before = len(self.fake.sent())
        status, answer = await self.client.c2c(user, text)
        assert (status, answer) == (200, {"op": 12})
        await self.adapter.drain()
        return self.fake.sent()[before:]


@pytest.fixture
async def stand(fake: FakeQQBot, core: Core) -> AsyncIterator[Stand]:
    """The adapter with an injected clock behind a real route (setup_qqbot is tested on its own below)."""
    clock = FakeClock()
    settings = qqbot_settings(fake)
    async with aiohttp.ClientSession() as session:
        adapter = QQBotAdapter(chat_core(core), QQBotAPI(settings, session), settings, clock=clock)

        async def route(request: web.Request) -> web.Response:
            return await handle_post(request, adapter)

        app = web.Application()
        app.router.add_post(PATH, route)
        runner, url = await serve(app)
        try:
            yield Stand(fake, adapter, CallbackClient(url, fake), clock, core)
        finally:
            await adapter.close()
            await runner.cleanup()


def text_of(call: Call) -> str:
    return str(call.body["content"])


# --- wiring -------------------------------------------------------------------------------------


class RecordingNotifier:
    def __init__(self) -> None:
        self.registered: list[tuple[str, bool]] = []

    def register(self, platform: str, send: object, *, buttons: bool = True) -> None:
        self.registered.append((platform, buttons))


def test_route_is_named_for_the_auth_guard() -> None:
    app = web.Application()
    setup_qqbot(app, QQBotSettings.model_validate({"app_id": APP_ID, "secret": SECRET}))
    routes = {(r.method, r.name, r.resource.canonical) for r in app.router.routes() if r.resource}
    assert routes == {("POST", ROUTE_NAME, PATH)}
    unconfigured = web.Application()
    setup_qqbot(unconfigured, QQBotSettings())
    assert list(unconfigured.router.routes()) == []


async def test_setup_wires_the_adapter_the_notifier_and_the_route(fake: FakeQQBot, core: Core) -> None:
    app = web.Application()
    app[CHAT_CORE] = chat_core(core)
    notifier = RecordingNotifier()
    app[NOTIFIER] = notifier  # type: ignore[misc]
    setup_qqbot(app, qqbot_settings(fake))
    runner, url = await serve(app)
    try:
        assert notifier.registered == [("qqbot", False)]
        assert await CallbackClient(url, fake).c2c(TRADER, "buy 0.01 lots") == (200, {"op": 12})
        await app[QQBOT].drain()
        [reply] = fake.sent()
        assert "交易哪个品种" in text_of(reply)
    finally:
        await runner.cleanup()


# --- authentication -----------------------------------------------------------------------------


async def test_validation_answer_verifies_with_the_bots_public_key(stand: Stand) -> None:
    status, answer = await stand.client.validation("Arq0D5A61EgUu4OxUvOp", "1725442341")
    assert status == 200
    assert answer["plain_token"] == "Arq0D5A61EgUu4OxUvOp"
    public = Ed25519PublicKey.from_public_bytes(Signer(SECRET).public_key)
    public.verify(bytes.fromhex(answer["signature"]), b"1725442341Arq0D5A61EgUu4OxUvOp")  # raises if wrong
    signed_status, signed = await stand.client.validation("tok123", "1725442341", signed=True)
    assert signed_status == 200 and signed["plain_token"] == "tok123"


async def test_unsigned_validation_cannot_be_used_to_sign_a_body(stand: Stand) -> None:
    # Were this answered, the signature would be a valid X-Signature-Ed25519 for timestamp "1" and that body.
    forged_body = stand.client.c2c_body(TRADER, "buy 0.01 lots", "m-forged").decode()
    status, _ = await stand.client.validation(forged_body, "1")
    assert status == 401


async def test_signed_dispatch_is_accepted_and_acknowledged(stand: Stand) -> None:
    status, answer = await stand.client.c2c(TRADER, "buy 0.01 lots")
    assert (status, answer) == (200, {"op": 12})
    await stand.adapter.drain()
    assert len(stand.fake.sent()) == 1


async def test_forged_missing_and_tampered_signatures_are_refused_and_nothing_runs(stand: Stand) -> None:
    body = stand.client.c2c_body(TRADER, "buy 0.01 lots", "m-1")
    other = Signer("another-bot-secret-123")
    ts = "1764954000"
    cases = {
        "forged": await stand.client.post(body, signature=other.sign_callback(ts, body), timestamp=ts),
        "missing": await stand.client.post(body, signed=False),
        "timestamp tampered": await stand.client.post(
            body, signature=stand.client.signer.sign_callback(ts, body), timestamp=str(int(ts) + 1)
        ),
        "body tampered": await stand.client.post(
            body.replace(b"0.01", b"9.99"),
            signature=stand.client.signer.sign_callback(ts, body),
            timestamp=ts,
        ),
        "not hex": await stand.client.post(body, signature="zz" * 64),
        "only timestamp": await stand.client.post(body, signed=False, headers={"X-Signature-Timestamp": ts}),
        "another app": await stand.client.post(body, headers={"X-Bot-Appid": "999"}),
        "stale": await stand.client.post(body, timestamp="1000000000"),
    }
    statuses = {name: status for name, (status, _) in cases.items()}
    assert statuses == {
        "forged": 403,
        "missing": 401,
        "timestamp tampered": 403,
        "body tampered": 403,
        "not hex": 403,
        "only timestamp": 401,
        "another app": 403,
        "stale": 403,
    }
    await stand.adapter.drain()
    assert stand.fake.calls == []
    assert positions(stand.core) == []


# --- messages through the real chat core --------------------------------------------------------


async def test_private_trade_by_numbered_menus(stand: Stand) -> None:
    [question] = await stand.say(TRADER, "buy 0.01 lots")
    assert "交易哪个品种" in text_of(question) and "[2] EURUSD" in text_of(question)
    assert (question.scene, question.openid) == ("users", TRADER)
    assert question.body["msg_type"] == 0 and question.body["msg_seq"] == 1
    assert question.body["msg_id"] in stand.fake.delivered
    assert question.token == stand.fake.tokens_issued[0]
    [preview] = await stand.say(TRADER, "2")
    assert "EURUSD.m" in text_of(preview) and "[1] ✅ 确认" in text_of(preview)
    assert preview.body["msg_id"] != question.body["msg_id"]
    assert positions(stand.core) == []
    await stand.say(TRADER, "1")
    assert positions(stand.core) == [("EURUSD.m", 0, 0.01)]
    assert len(stand.fake.of("token")) == 1  # the token is cached


async def test_group_at_message_is_answered_in_the_group(stand: Stand) -> None:
    status, _ = await stand.client.group_at(GROUP, MEMBER, "buy 0.01 lots")
    assert status == 200
    await stand.adapter.drain()
    [reply] = stand.fake.sent()
    assert (reply.scene, reply.openid) == ("groups", GROUP)
    assert "交易哪个品种" in text_of(reply)  # the leading space of the @-message did not confuse the parser
    assert reply.body["msg_seq"] == 1


async def test_retries_of_an_event_are_processed_once(stand: Stand) -> None:
    body = stand.client.c2c_body(TRADER, "buy 0.01 lots", "m-retry", event_id="C2C:evt-1")
    assert (await stand.client.post(body))[0] == 200
    assert (await stand.client.post(body))[0] == 200  # the platform's retry
    again = stand.client.c2c_body(TRADER, "buy 0.01 lots", "m-retry", event_id="C2C:evt-2")
    assert (await stand.client.post(again))[0] == 200  # the same message pushed twice
    await stand.adapter.drain()
    assert len(stand.fake.of("message")) == 1


async def test_other_events_are_acknowledged_and_ignored(stand: Stand) -> None:
    body = stand.client.dispatch("GROUP_ADD_ROBOT", {"group_openid": GROUP, "op_member_openid": MEMBER})
    assert await stand.client.post(body) == (200, {"op": 12})
    empty = stand.client.c2c_body(TRADER, "   ", "m-empty")
    assert await stand.client.post(empty) == (200, {"op": 12})
    await stand.adapter.drain()
    assert stand.fake.calls == []


# --- notifications: passive replies only --------------------------------------------------------


def note(text: str, chat: str = TRADER, image: bytes | None = None) -> Outgoing:
    return Outgoing(platform="qqbot", chat_id=chat, reply=Reply(text=text, image=image))


async def test_notifications_reply_to_the_latest_message_with_increasing_msg_seq(stand: Stand) -> None:
    [answer] = await stand.say(TRADER, "buy 0.01 lots")
    for n in range(4):
        await stand.adapter.send(note(f"成交 {n}"))
    sent = stand.fake.sent()
    assert [c.body["msg_seq"] for c in sent] == [1, 2, 3, 4, 5]
    assert {c.body["msg_id"] for c in sent} == {answer.body["msg_id"]}
    with pytest.raises(NoReplyWindow) as err:  # five replies per message: the sixth has nowhere to go
        await stand.adapter.send(note("成交 5"))
    assert err.value.code == ErrCode.NO_REPLY_WINDOW
    assert len(stand.fake.of("message")) == 5


async def test_notification_to_a_chat_that_never_wrote_fails_clearly(stand: Stand) -> None:
    with pytest.raises(NoReplyWindow, match="has not written") as err:
        await stand.adapter.send(note("日报", chat=STRANGER))
    assert isinstance(err.value, QQBotError) and err.value.code == ErrCode.NO_REPLY_WINDOW
    assert stand.fake.calls == []


async def test_notification_after_the_window_fails_clearly(stand: Stand) -> None:
    await stand.say(TRADER, "buy 0.01 lots")
    await stand.client.group_at(GROUP, MEMBER, "buy 0.01 lots")
    await stand.adapter.drain()
    stand.clock.now += 301  # past the group's 5 minutes, within the private 60
    await stand.adapter.send(note("私聊仍可"))
    with pytest.raises(NoReplyWindow, match="has not written recently"):
        await stand.adapter.send(note("群已过期", chat="g" + GROUP))
    stand.clock.now += 3600
    with pytest.raises(NoReplyWindow, match="has not written recently"):
        await stand.adapter.send(note("私聊也过期"))
    assert [text_of(c) for c in stand.fake.sent()][-1] == "私聊仍可"


async def test_notifications_through_the_outbox_say_how_each_ended(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    await stand.say(TRADER, "buy 0.01 lots")
    [sent] = stand.adapter.outbox.post(TRADER, Reply(text="成交"))
    [nowhere] = stand.adapter.outbox.post(STRANGER, Reply(text="日报"))
    assert (await sent, await nowhere) == (Outcome.SENT, Outcome.FAILED)  # no window: not retried
    assert f"qqbot message to {STRANGER} not delivered (failed: no_reply_window" in caplog.text
    assert text_of(stand.fake.sent()[-1]) == "成交"


async def test_the_platform_refusing_an_expired_reply_is_an_error(stand: Stand) -> None:
    await stand.say(TRADER, "buy 0.01 lots")
    stand.fake.advance(3601)  # our clock thinks the window is open; the platform's does not
    with pytest.raises(QQBotError) as err:
        await stand.adapter.send(note("太晚"))
    assert err.value.code == MSG_EXPIRE


async def test_image_is_uploaded_then_sent_as_media_then_the_text(stand: Stand) -> None:
    await stand.say(TRADER, "buy 0.01 lots")
    await stand.adapter.send(note("XAUUSD 日报", image=PNG))
    [upload] = stand.fake.of("file")
    assert upload.body["file_type"] == 1 and upload.body["srv_send_msg"] is False
    image, text = stand.fake.sent()[1:]
    assert image.body["msg_type"] == 7 and image.body["media"]["file_info"].startswith("FILEINFO-")
    assert (image.body["msg_seq"], text.body["msg_seq"]) == (2, 3)
    assert text_of(text) == "XAUUSD 日报"


async def test_expired_token_is_refreshed_and_the_call_retried_once(stand: Stand) -> None:
    await stand.say(TRADER, "buy 0.01 lots")
    stand.fake.expire_token()
    await stand.adapter.send(note("成交"))
    assert len(stand.fake.of("token")) == 2
    refused, accepted = stand.fake.of("message")[1:]
    assert (refused.status, refused.token) == (401, stand.fake.tokens_issued[0])
    assert (accepted.status, accepted.token) == (200, stand.fake.tokens_issued[1])


async def test_secrets_and_tokens_never_logged(stand: Stand, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await stand.client.validation("tok", "1725442341")
        await stand.say(TRADER, "buy 0.01 lots")
        await stand.client.post(b'{"op": 0}', signature="00" * 64)
        stand.fake.expire_token()
        await stand.adapter.send(note("成交", image=PNG))
        await stand.fake.stop()  # transport failure
        await stand.say(TRADER, "2")
        with pytest.raises(QQBotError):
            await stand.adapter.send(note("down"))
    assert len(stand.fake.tokens_issued) == 2
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert "qqbot" in logged
    for secret in [SECRET, *stand.fake.tokens_issued]:
        assert secret not in logged


async def test_wrong_secret_and_transport_errors_are_typed(fake: FakeQQBot) -> None:
    async with aiohttp.ClientSession() as session:
        api = QQBotAPI(qqbot_settings(fake, secret="wrong-secret-xyz"), session)
        with pytest.raises(QQBotError) as err:
            await api.access_token()
        assert err.value.code == 100016
        await fake.stop()
        api = QQBotAPI(qqbot_settings(fake), session)
        with pytest.raises(QQBotError) as err:
            await api.access_token()
        assert err.value.code == ErrCode.TRANSPORT
        assert SECRET not in str(err.value) and err.value.__cause__ is None


def test_fake_body_is_json() -> None:
    body = CallbackClient("http://x").c2c_body(TRADER, "hi", "m")
    assert json.loads(body)["d"]["author"]["user_openid"] == TRADER
