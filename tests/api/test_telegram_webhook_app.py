"""Telegram webhook mode in the whole service: the security gate lets Telegram's updates through
(they carry our secret, not a bearer token, and come from addresses outside the allow-list), and
the real chat core answers through the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.telegram.app import TELEGRAM
from bot.telegram.webhook import SECRET_HEADER
from tests.api.conftest import start_api
from tests.bot.fake_telegram import FakeTelegram, fake  # noqa: F401 - the fixture, reused

SECRET = "webhook-secret-for-the-app-test"


async def test_webhook_reaches_the_chat_core_through_the_security_gate(
    tmp_path: Path,
    fake: FakeTelegram,  # noqa: F811
) -> None:
    api = await start_api(
        tmp_path,
        security={"ip_whitelist": ["203.0.113.0/24"]},  # not this machine: REST refuses us
        telegram={
            "token": fake.token,
            "base_url": fake.base_url,
            "webhook_url": "https://bot.example.com/tg/hook",
            "webhook_secret": SECRET,
        },
        users=[{"platform": "telegram", "id": "42", "role": "trader"}],
    )
    try:
        await asyncio.wait_for(api.app[TELEGRAM].receiving.wait(), 10)
        update = {"update_id": 1, "message": fake._message(fake.chat(42), "本日盈亏", sender=fake.user(42))}
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{api.url}/api/v1/account", headers=api.headers()) as resp:
                assert resp.status == 403  # the allow-list still guards the REST API
            async with http.post(f"{api.url}/tg/hook", json=update) as resp:
                assert resp.status == 403  # no secret, no entry
            async with http.post(f"{api.url}/tg/hook", json=update, headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 200
        [call] = await fake.wait_for("sendMessage")
        assert call.params["chat_id"] in (42, "42")
        assert call.params["text"]
    finally:
        await api.runner.cleanup()
