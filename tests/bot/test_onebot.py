"""The OneBot adapter in a real aiohttp server on 127.0.0.1, driven by a fake NapCat over a real WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.keys import CHAT_CORE
from bot.messages import Button, Incoming, Outgoing, Reply
from bot.onebot.adapter import FAILURE, NotConnected, OneBotAdapter, OneBotError
from bot.onebot.app import ONEBOT, ROUTE_NAME, setup_onebot
from bot.onebot.settings import OneBotSettings
from tests.bot.fake_onebot import BOT_QQ, PATH, TOKEN, FakeOneBot, at, reply_to, text

USER = 20002
OTHER = 30003
GROUP = 40004
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


class StandInCore:
    """The chat core's interface: canned replies, inputs recorded; "slow" waits for `gate`."""

    def __init__(self, script: Callable[[Incoming], list[Reply]] | None = None) -> None:
        self.seen: list[Incoming] = []
        self.gate = asyncio.Event()
        self._script = script or (lambda incoming: [Reply(text=f"echo: {incoming.text}")])

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        if incoming.text == "slow":
            await self.gate.wait()
        if incoming.text == "boom":
            raise RuntimeError("the core broke")
        return self._script(incoming)


@dataclass
class Stand:
    adapter: OneBotAdapter
    core: StandInCore
    url: str

    def bot(self, **kwargs: object) -> FakeOneBot:
        return FakeOneBot(self.url, **kwargs)  # type: ignore[arg-type]


async def _serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        await runner.cleanup()


def _settings(**overrides: object) -> OneBotSettings:
    values: dict[str, object] = {
        "access_token": SecretStr(TOKEN),
        "self_id": str(BOT_QQ),
        "action_timeout_sec": 2,
        "min_interval_sec": 0,  # the pacing itself is tested in test_onebot_delivery.py
        "send_retry_sec": 0.05,
    }
    values.update(overrides)
    return OneBotSettings.model_validate(values)


async def _stand(core: StandInCore, settings: OneBotSettings, **kw: Any) -> AsyncIterator[Stand]:
    adapter = OneBotAdapter(settings, core, **kw)
    app = web.Application()
    app.router.add_get(PATH, adapter.ws_handler)

    async def close(_app: web.Application) -> None:
        await adapter.close()

    app.on_shutdown.append(close)
    async for url in _serve(app):
        yield Stand(adapter, core, url)


@pytest.fixture
def core() -> StandInCore:
    return StandInCore()


@pytest.fixture
async def stand(core: StandInCore) -> AsyncIterator[Stand]:
    async for value in _stand(core, _settings()):
        yield value


@pytest.fixture
async def napcat(stand: Stand) -> AsyncIterator[FakeOneBot]:
    bot = stand.bot()
    await bot.connect()
    yield bot
    await bot.close()


async def _wait(condition: Callable[[], bool], wait_sec: float = 5.0) -> None:
    # The adapter exposes no event for these conditions: poll briefly.
    async with asyncio.timeout(wait_sec):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


# -- authentication ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
async def test_wrong_or_missing_token_is_refused_without_upgrade(stand: Stand, token: str | None) -> None:
    bot = stand.bot(token=token)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await bot.connect()
    assert refused.value.status == 401
    assert not stand.adapter.connected
    async with aiohttp.ClientSession() as session, session.get(stand.url, headers=bot.headers()) as response:
        assert response.status == 401
        assert "Upgrade" not in response.headers


@pytest.mark.parametrize("self_id", [None, 99999])
async def test_wrong_self_id_is_forbidden(stand: Stand, self_id: int | None) -> None:
    bot = stand.bot(self_id=self_id)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await bot.connect()
    assert refused.value.status == 403
    assert not stand.adapter.connected


async def test_any_self_id_is_accepted_when_none_is_configured(core: StandInCore) -> None:
    async for stand in _stand(core, _settings(self_id=None)):
        bot = stand.bot(self_id=424242)
        await bot.connect()
        await bot.send_event(bot.private(USER, [text("hi")]))
        assert (await bot.wait_actions(1))[0].text == "echo: hi"
        await bot.close()


async def test_token_in_the_query_string_is_refused(stand: Stand) -> None:
    # The spec sends the reverse-WebSocket token only as a header (communication/authorization.md).
    bot = stand.bot()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await bot.connect(query_token=True)
    assert refused.value.status == 401


async def test_empty_configured_token_refuses_everyone(core: StandInCore) -> None:
    # The config refuses short tokens; the adapter does not rely on that.
    settings = OneBotSettings.model_construct(access_token=SecretStr(""), self_id=None, action_timeout_sec=2)
    async for stand in _stand(core, settings):
        bot = stand.bot(token="")
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await bot.connect()
        assert refused.value.status == 401


# -- private messages -------------------------------------------------------------------------------


async def test_private_message_reaches_the_core_and_is_answered(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.private(USER, [text("持仓")], nickname="老王"))
    [call] = await napcat.wait_actions(1)
    [incoming] = stand.core.seen
    assert incoming == Incoming(
        platform="qq",
        user_id=str(USER),
        chat_id=str(USER),
        text="持仓",
        user_name="老王",
        is_group=False,
        addressed=True,
        buttons=False,
    )
    assert call.action == "send_private_msg"
    assert call.params["user_id"] == USER
    assert call.segments == [{"type": "text", "data": {"text": "echo: 持仓"}}]


async def test_reply_with_image_sends_a_base64_image_segment() -> None:
    core = StandInCore(
        lambda _: [
            Reply(
                text="日报",
                html="<b>日报</b>",
                image=PNG,
                buttons=[[Button(text="ok", action="a:1")]],
                edit=True,  # QQ cannot edit: a new message
            )
        ]
    )
    async for stand in _stand(core, _settings()):
        bot = stand.bot()
        await bot.connect()
        await bot.send_event(bot.private(USER, [text("report")]))
        [call] = await bot.wait_actions(1)
        assert call.action == "send_private_msg"
        assert call.text == "日报"  # plain text: no html, no button markup
        assert call.image == PNG
        await bot.close()


async def test_cq_code_string_is_read_and_unescaped(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.private(USER, "平仓 &#91;XAUUSD&#93; &amp; [CQ:face,id=14] 全部"))
    await napcat.wait_actions(1)
    assert stand.core.seen[0].text == "平仓 [XAUUSD] & 全部"


async def test_core_failure_is_answered_with_the_failure_text(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.private(USER, [text("boom")]))
    [call] = await napcat.wait_actions(1)
    assert call.text == FAILURE.text


async def test_heartbeats_and_garbage_are_ignored(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.heartbeat())
    await napcat.send_raw("not json")
    await napcat.send_event({"post_type": "notice", "notice_type": "group_increase"})
    await napcat.send_event({"post_type": "message", "message_type": "private"})  # incomplete
    await napcat.send_event(napcat.private(USER, [text("still here")]))
    [call] = await napcat.wait_actions(1)
    assert call.text == "echo: still here"
    assert [i.text for i in stand.core.seen] == ["still here"]


# -- groups -----------------------------------------------------------------------------------------


async def test_group_chatter_is_ignored_and_an_at_is_answered(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.group(GROUP, USER, [text("随便聊聊")]))
    await napcat.send_event(napcat.group(GROUP, USER, [at(OTHER), text(" 你好")]))
    mention = napcat.group(GROUP, USER, [at(BOT_QQ), text(" 持仓")], nickname="群友")
    await napcat.send_event(mention)
    [call] = await napcat.wait_actions(1)
    [incoming] = stand.core.seen
    assert incoming.text == "持仓"
    assert (incoming.chat_id, incoming.is_group, incoming.addressed) == (f"g{GROUP}", True, True)
    assert (incoming.user_id, incoming.user_name, incoming.buttons) == (str(USER), "群友", False)
    assert call.action == "send_group_msg"
    assert call.params["group_id"] == GROUP
    assert call.segments[0] == {"type": "reply", "data": {"id": str(mention["message_id"])}}
    assert call.text == "echo: 持仓"


async def test_a_reply_to_the_bots_message_addresses_it(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.group(GROUP, USER, [at(BOT_QQ), text("报价")]))
    [first] = await napcat.wait_actions(1)
    # The fake numbers its messages from 5000: the bot's first answer was 5000.
    await napcat.send_event(napcat.group(GROUP, OTHER, [reply_to(424242), text("not to the bot")]))
    await napcat.send_event(napcat.group(GROUP, USER, [reply_to(5000), text("1")]))
    await _wait(lambda: len(stand.core.seen) == 2)
    sends = [c for c in await napcat.wait_actions(2) if c.action != "get_msg"]
    assert [i.text for i in stand.core.seen] == ["报价", "1"]
    assert first.action == sends[-1].action == "send_group_msg"
    assert sends[-1].text == "echo: 1"


async def test_cq_string_mention_in_a_group(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.group(GROUP, USER, f"[CQ:at,qq={BOT_QQ}] 买入 0.01 手 &#91;XAUUSD&#93;"))
    await napcat.wait_actions(1)
    assert stand.core.seen[0].text == "买入 0.01 手 [XAUUSD]"
    assert stand.core.seen[0].addressed


# -- failures, notifications, connections -----------------------------------------------------------


async def test_failing_action_is_logged_and_the_rest_still_go() -> None:
    core = StandInCore(lambda i: [Reply(text=f"one {i.text}"), Reply(text=f"two {i.text}")])
    async for stand in _stand(core, _settings()):
        bot = stand.bot()
        await bot.connect()
        bot.fail_once["send_private_msg"] = (100, "blocked by risk control")
        await bot.send_event(bot.private(USER, [text("a")]))
        await bot.send_event(bot.private(USER, [text("b")]))
        calls = await bot.wait_actions(4)
        assert [c.text for c in calls] == ["one a", "two a", "one b", "two b"]
        assert stand.adapter.connected
        await bot.close()


async def test_send_outgoing_and_its_failures(stand: Stand) -> None:
    outgoing = Outgoing(platform="qq", chat_id=str(USER), reply=Reply(text="成交: XAUUSD 0.01"))
    with pytest.raises(NotConnected):
        await stand.adapter.send(outgoing)
    bot = stand.bot()
    await bot.connect()
    await stand.adapter.send(outgoing)
    [call] = bot.actions
    assert (call.action, call.params["user_id"], call.text) == ("send_private_msg", USER, "成交: XAUUSD 0.01")
    bot.failures["send_private_msg"] = (1404, "friend not found")
    with pytest.raises(OneBotError) as failed:
        await stand.adapter.send(outgoing)
    assert failed.value.retcode == 1404
    await bot.close()
    await _wait(lambda: not stand.adapter.connected)
    with pytest.raises(NotConnected):
        await stand.adapter.send(outgoing)


async def test_unanswered_action_times_out(core: StandInCore) -> None:
    async for stand in _stand(core, _settings(action_timeout_sec=0.2)):
        bot = stand.bot()
        await bot.connect()
        bot.silent = True
        with pytest.raises(OneBotError, match="no response"):
            await stand.adapter.send(Outgoing(platform="qq", chat_id=str(USER), reply=Reply(text="x")))
        await bot.close()


async def test_second_connection_replaces_the_first(stand: Stand) -> None:
    first, second = stand.bot(), stand.bot()
    await first.connect()
    await second.connect()
    async with asyncio.timeout(5):
        await first.closed.wait()
    await stand.adapter.send(Outgoing(platform="qq", chat_id=str(USER), reply=Reply(text="to the new one")))
    await second.send_event(second.private(USER, [text("hi")]))
    calls = await second.wait_actions(2)
    assert [c.text for c in calls] == ["to the new one", "echo: hi"]
    assert first.actions == []
    await first.close()
    await second.close()


async def test_long_text_is_split_on_line_boundaries() -> None:
    lines = [f"{n:04d} " + "仓" * 90 for n in range(120)]  # about 11,400 characters
    core = StandInCore(lambda i: [Reply(text="\n".join(lines) if i.text == "all" else "end")])
    async for stand in _stand(core, _settings()):
        bot = stand.bot()
        await bot.connect()
        await bot.send_event(bot.group(GROUP, USER, [at(BOT_QQ), text("all")]))
        await bot.send_event(bot.group(GROUP, USER, [at(BOT_QQ), text("next")]))
        calls = await bot.wait_actions(4)
        parts, last = calls[:-1], calls[-1]
        assert last.text == "end"  # the chat's next answer: the long one had exactly three parts
        assert all(len(c.text) <= 4500 for c in parts)
        assert "\n".join(c.text for c in parts) == "\n".join(lines)
        assert [len(c.of_type("reply")) for c in parts] == [1, 0, 0]  # only the first quotes the user
        await bot.close()


async def test_order_is_kept_within_a_chat_and_chats_do_not_wait(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.private(USER, [text("slow")]))
    await napcat.send_event(napcat.private(USER, [text("fast")]))
    await napcat.send_event(napcat.private(OTHER, [text("other")]))
    [first] = await napcat.wait_actions(1)
    assert (first.params["user_id"], first.text) == (OTHER, "echo: other")
    assert [i.text for i in stand.core.seen] == ["slow", "other"]  # "fast" waits behind "slow"
    stand.core.gate.set()
    calls = await napcat.wait_actions(3)
    assert [c.text for c in calls[1:]] == ["echo: slow", "echo: fast"]


# -- app wiring -------------------------------------------------------------------------------------


def _app(core: StandInCore, token: str | None) -> web.Application:
    app = web.Application()
    app[CHAT_CORE] = core  # type: ignore[misc]
    setup_onebot(app, OneBotSettings.model_validate({"access_token": token} if token is not None else {}))
    return app


def test_setup_adds_the_route_only_with_a_token(core: StandInCore) -> None:
    assert ROUTE_NAME not in _app(core, None).router
    route = _app(core, TOKEN).router[ROUTE_NAME]
    assert route.url_for().path == PATH


async def test_setup_serves_the_adapter_end_to_end(core: StandInCore) -> None:
    app = _app(core, TOKEN)
    async for url in _serve(app):
        bot = FakeOneBot(url)
        await bot.connect()
        await bot.send_event(bot.private(USER, [text("hi")]))
        [call] = await bot.wait_actions(1)
        assert call.text == "echo: hi"
        assert app[ONEBOT].connected
    # The shutdown closed the socket instead of waiting for it.
    assert bot.closed.is_set()
    await bot.close()
