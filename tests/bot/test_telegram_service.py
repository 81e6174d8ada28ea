"""The adapter inside the service: cleanup context, webhook mode, outages, and no token in the logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.core.render import Renderer
from bot.keys import CHAT_CORE
from bot.telegram.app import TELEGRAM, setup_telegram
from bot.telegram.settings import TelegramSettings
from bot.telegram.webhook import SECRET_HEADER
from mt5bot.config import Settings
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram, markup_of
from tests.bot.telegram_stand import ScriptedCore, settings_for

WEBHOOK_SECRET = "s3cret_webhook-value"

fake = fake_telegram.fake
run_bot = telegram_stand.run_bot


async def _serve(settings: Settings, core: ScriptedCore) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app[CHAT_CORE] = core  # type: ignore[assignment]  # the scripted stand-in for the core
    setup_telegram(app, settings.telegram)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def service(fake: FakeTelegram) -> AsyncIterator[Callable]:
    runners: list[web.AppRunner] = []

    async def start(telegram: TelegramSettings, core: ScriptedCore) -> tuple[web.Application, str]:
        runner, url = await _serve(Settings(telegram=telegram), core)
        runners.append(runner)
        return runner.app, url

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_no_token_means_no_adapter(service: Callable) -> None:
    app, _url = await service(TelegramSettings(), ScriptedCore())
    assert TELEGRAM not in app
    assert not [r for r in app.router.routes() if r.name == "telegram-webhook"]


async def test_polling_inside_the_service_loop(fake: FakeTelegram, service: Callable) -> None:
    core = ScriptedCore()
    app, _url = await service(settings_for(fake), core)
    await asyncio.wait_for(app[TELEGRAM].receiving.wait(), 10)
    await fake.send_text("平仓0.01手黄金")
    [call] = await fake.wait_for("sendMessage")
    assert markup_of(call) is not None


def _update(fake: FakeTelegram, text: str) -> dict[str, object]:
    message = fake._message(fake.chat(42), text, sender=fake.user(42))
    return {"update_id": 9001, "message": message}


async def test_webhook_accepts_only_the_registered_secret(fake: FakeTelegram, service: Callable) -> None:
    core = ScriptedCore()
    telegram = settings_for(
        fake, webhook_url="https://bot.example.com/tg/hook", webhook_secret=SecretStr(WEBHOOK_SECRET)
    )
    app, url = await service(telegram, core)
    await asyncio.wait_for(app[TELEGRAM].receiving.wait(), 10)
    registered = fake.webhook
    assert registered is not None
    assert registered["url"] == "https://bot.example.com/tg/hook"
    assert registered["secret_token"] == WEBHOOK_SECRET
    assert registered["allowed_updates"] == ["message", "callback_query"]
    assert not fake.sent("getUpdates")
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}):
            async with http.post(f"{url}/tg/hook", json=_update(fake, "forged"), headers=headers) as resp:
                assert resp.status == 403
        async with http.post(
            f"{url}/tg/hook", data=b"{not json", headers={SECRET_HEADER: WEBHOOK_SECRET}
        ) as resp:
            assert resp.status == 400
        headers = {SECRET_HEADER: WEBHOOK_SECRET}
        async with http.post(f"{url}/tg/hook", json=_update(fake, "平仓黄金"), headers=headers) as resp:
            assert resp.status == 200
    [call] = await fake.wait_for("sendMessage")
    assert call.params["text"].endswith("平仓黄金")
    assert [i.text for i in core.seen] == ["平仓黄金"]


async def test_webhook_without_configured_secret_registers_a_random_one(
    fake: FakeTelegram, service: Callable
) -> None:
    app, _url = await service(settings_for(fake, webhook_url="https://bot.example.com/"), ScriptedCore())
    await asyncio.wait_for(app[TELEGRAM].receiving.wait(), 10)
    assert fake.webhook is not None
    assert len(fake.webhook["secret_token"]) >= 32
    assert fake.webhook["secret_token"] == app[TELEGRAM].webhook_secret
    assert [r.resource.canonical for r in app.router.routes() if r.name == "telegram-webhook"] == [
        "/telegram/webhook"
    ]


async def test_outage_at_start_and_while_polling_is_survived(
    fake: FakeTelegram, run_bot: Callable, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.fail_with = 500
    core = ScriptedCore()
    runner = await run_bot(core, wait=False)
    await fake.wait_failures(3)  # getMe refused again and again, with backoff
    assert not runner.receiving.is_set()
    fake.fail_with = None
    await asyncio.wait_for(runner.receiving.wait(), 10)
    await fake.send_text("一")
    await fake.wait_for("sendMessage", 1)
    # Telegram goes away mid-run: polling fails, backs off, and resumes once it is back.
    fake.fail_with = 502
    failures = fake.failures
    await fake.wait_failures(failures + 2)
    fake.fail_with = None
    await fake.send_text("二")
    await fake.wait_for("sendMessage", 2, within=15)
    assert [i.text for i in core.seen] == ["一", "二"]
    assert fake.token not in caplog.text


async def test_unreachable_server_then_back(fake: FakeTelegram, run_bot: Callable) -> None:
    core = ScriptedCore()
    runner = await run_bot(core)
    await fake.stop()
    await asyncio.sleep(0.3)  # polling now hits a closed port
    await fake.start()  # same port
    await fake.send_text("还在吗")
    await fake.wait_for("sendMessage", 1, within=15)
    assert runner.receiving.is_set()


async def test_token_never_reaches_the_logs(
    fake: FakeTelegram, run_bot: Callable, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runner = await run_bot(ScriptedCore())
    await fake.send_text("平仓")
    await fake.wait_for("sendMessage")
    await fake.press(42, max(k[1] for k in fake.messages), "cf:abc123")
    await fake.wait_for("editMessageText")
    await runner.stop()
    assert caplog.records, "expected the adapter to log its start"
    assert fake.token not in caplog.text
    assert fake.token.split(":")[1] not in caplog.text


async def test_service_stops_cleanly_while_telegram_is_still_down(
    fake: FakeTelegram, service: Callable
) -> None:
    fake.fail_with = 500
    app, url = await service(settings_for(fake), ScriptedCore())
    await fake.wait_failures(1)
    async with aiohttp.ClientSession() as http, http.get(f"{url}/nothing") as resp:
        assert resp.status == 404  # the service answers while the adapter waits for Telegram
    runner = app[TELEGRAM]
    async with asyncio.timeout(5):
        await runner.stop()
    assert not runner.receiving.is_set()


async def test_the_command_menu_is_set_per_language(service: Callable, fake: FakeTelegram) -> None:
    renderer = Renderer()
    menus = {
        lang: [
            tuple(line.split(" ", 1)) for line in renderer.render(lang, "menu", "commands").text.splitlines()
        ]
        for lang in ("zh", "en")
    }
    app, _url = await service(settings_for(fake), ScriptedCore(menus=menus))  # type: ignore[arg-type]
    calls = await fake.wait_for("setMyCommands", 3)
    by_lang = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_lang) == {"zh", "en", None}  # English is also the default for other languages
    assert {c["command"] for c in by_lang["zh"]} >= {"help", "positions", "pnl", "report"}
    assert any("持仓" in c["description"] for c in by_lang["zh"])
    assert by_lang[None] == by_lang["en"]
    await fake.wait_polling()
    assert app[TELEGRAM].receiving.is_set()


async def test_admins_get_their_menu_in_their_own_chat(service: Callable, fake: FakeTelegram) -> None:
    common = [("help", "Help"), ("positions", "Positions")]
    admin = [*common, ("status", "Service status")]
    core = ScriptedCore(menus={"en": common}, admin_menus=[("77", admin), ("not-a-number", admin)])
    await service(settings_for(fake), core)
    await fake.wait_for("setMyCommands", 3)  # en, the default, and the one admin with a Telegram id
    scoped = [m for m in fake.menus if m["scope"]["type"] == "chat"]
    assert scoped == [{"scope": {"type": "chat", "chat_id": 77}, "language_code": "",
                       "commands": ["help", "positions", "status"]}]  # fmt: skip
    assert all("status" not in m["commands"] for m in fake.menus if m["scope"]["type"] == "default")


async def test_an_invalid_command_menu_is_logged_and_the_bot_still_runs(
    service: Callable, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    menus = {"zh": [("Bad-Name", "x")]}  # Telegram refuses upper case and dashes in a command
    app, _url = await service(settings_for(fake), ScriptedCore(menus=menus))
    await fake.wait_for("setMyCommands", 1)
    await fake.wait_polling()
    assert app[TELEGRAM].receiving.is_set()
    assert "refused the zh command menu" in caplog.text
