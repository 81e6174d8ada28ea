"""The official QQ bot and WeCom inside the whole service: their webhooks pass the API's security gate
(they authenticate themselves), answer the platforms' handshakes, and a user's message gets its reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.qqbot.signing import Signer
from bot.wecom.app import WECOM
from tests.api.conftest import start_api
from tests.bot import fake_qqbot, fake_wecom
from tests.bot.fake_qqbot import FakeQQBot
from tests.bot.fake_wecom import FakeWeCom

GATE = {"ip_whitelist": ["203.0.113.0/24"]}  # not this machine: only self-authenticated routes pass


@pytest.fixture
async def qq() -> AsyncIterator[FakeQQBot]:
    server = FakeQQBot()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_official_qq_bot_through_the_service(tmp_path: Path, qq: FakeQQBot) -> None:
    qqbot = {"app_id": fake_qqbot.APP_ID, "secret": fake_qqbot.SECRET, "api_base_url": qq.base_url,
             "token_url": qq.token_url, "timeout_sec": 2}  # fmt: skip
    users = [{"platform": "qqbot", "id": "OPENID-TRADER", "role": "trader", "lang": "zh"}]
    api = await start_api(tmp_path, security=GATE, qqbot=qqbot, users=users)
    try:
        client = fake_qqbot.CallbackClient(f"{api.url}/qqbot/callback", qq)
        status, answer = await client.validation("tok_123", "1733400000")
        assert status == 200
        assert answer["plain_token"] == "tok_123"
        Signer(fake_qqbot.SECRET).verify(answer["signature"], "1733400000", b"tok_123")  # raises if wrong
        status, _ = await client.post(b'{"op": 0}', signature="00" * 64)
        assert status == 403  # forged: refused before anything is read
        assert (await client.c2c("OPENID-TRADER", "黄金报价"))[0] == 200
        [reply] = await qq.wait_for("message", 1)
        assert "XAUUSD" in reply.body["content"]
    finally:
        await api.runner.cleanup()


async def test_wecom_callback_and_robots_through_the_service(tmp_path: Path) -> None:
    fake = FakeWeCom()
    await fake.start()
    wecom = {"corp_id": fake_wecom.CORP_ID, "secret": fake_wecom.SECRET, "agent_id": fake_wecom.AGENT_ID,
             "token": fake_wecom.TOKEN, "encoding_aes_key": fake_wecom.AES_KEY, "base_url": fake.base_url,
             "robots": {"ops": "robot-key-1"}}  # fmt: skip
    users = [{"platform": "wecom", "id": "zhangsan", "role": "trader"}]
    api = await start_api(tmp_path, security=GATE, wecom=wecom, users=users)
    try:
        client = fake_wecom.CallbackClient(f"{api.url}/wecom/callback")
        assert await client.verify("echo-1") == (200, "echo-1")
        assert (await client.text("zhangsan", "黄金报价"))[0] == 200
        await api.app[WECOM].drain()
        [answer] = fake.shown_texts("zhangsan")
        assert "XAUUSD" in answer
    finally:
        await api.runner.cleanup()
        await fake.stop()
