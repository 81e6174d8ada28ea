"""The platform probes against the local fakes: Telegram getMe, WeCom gettoken, QQ bot token, LLM models."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from mt5bot.doctor import Status, render
from tests.bot import fake_qqbot, fake_wecom
from tests.bot.fake_qqbot import FakeQQBot
from tests.bot.fake_telegram import BOT_USERNAME, FakeTelegram
from tests.bot.fake_wecom import FakeWeCom
from tests.doctor.conftest import Setup
from tests.doctor.fake_openai import KEY, FakeModels

TG_TOKEN = "123456:TEST-token-abcdefghijklmnop"
WRONG_TG_TOKEN = "123456:WRONG-token-zyxwvutsrqponm"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(TG_TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def models() -> AsyncIterator[FakeModels]:
    server = FakeModels()
    await server.start()
    yield server
    await server.stop()


async def test_telegram_getme_with_the_right_token(setup: Setup, telegram: FakeTelegram) -> None:
    setup.write(telegram={"base_url": telegram.base_url})
    setup.env["MT5BOT_TELEGRAM__TOKEN"] = TG_TOKEN
    check = (await setup.checks())["telegram"]
    assert check.status is Status.OK, check.detail
    assert f"@{BOT_USERNAME}" in check.detail
    assert [c.method for c in telegram.calls] == ["getMe"]


async def test_telegram_refusing_the_token_fails_without_showing_it(
    setup: Setup, telegram: FakeTelegram
) -> None:
    setup.write(telegram={"base_url": telegram.base_url})
    setup.env["MT5BOT_TELEGRAM__TOKEN"] = WRONG_TG_TOKEN
    checks = await setup.checks()
    assert checks["telegram"].status is Status.FAIL
    assert "401" in checks["telegram"].detail
    assert "@BotFather" in checks["telegram"].hint
    assert WRONG_TG_TOKEN not in render.text(list(checks.values()))
    assert WRONG_TG_TOKEN.split(":")[1] not in render.as_json(list(checks.values()))


async def test_telegram_unreachable_fails(setup: Setup, telegram: FakeTelegram) -> None:
    setup.write(telegram={"base_url": telegram.base_url})
    setup.env["MT5BOT_TELEGRAM__TOKEN"] = TG_TOKEN
    telegram.fail_with = 502
    check = (await setup.checks())["telegram"]
    assert check.status is Status.FAIL
    assert "getMe failed" in check.detail


async def test_llm_models_list(setup: Setup, models: FakeModels) -> None:
    setup.write(llm={"base_url": models.base_url, "model": "test-model"})
    setup.env["MT5BOT_LLM__API_KEY"] = KEY
    check = (await setup.checks())["llm"]
    assert check.status is Status.OK, check.detail
    assert "test-model listed" in check.detail
    assert models.keys_seen == [KEY]


async def test_llm_model_not_listed_warns(setup: Setup, models: FakeModels) -> None:
    setup.write(llm={"base_url": models.base_url, "model": "gpt-none"})
    setup.env["MT5BOT_LLM__API_KEY"] = KEY
    check = (await setup.checks())["llm"]
    assert check.status is Status.WARN
    assert "gpt-none is not among the 2 listed" in check.detail


async def test_llm_wrong_key_fails_without_showing_it(setup: Setup, models: FakeModels) -> None:
    wrong = "sk-wrong-Key-Qq11Ww22Ee33"
    setup.write(llm={"base_url": models.base_url, "model": "test-model"})
    setup.env["MT5BOT_LLM__API_KEY"] = wrong
    checks = await setup.checks()
    assert checks["llm"].status is Status.FAIL
    assert "401" in checks["llm"].detail
    assert wrong not in json.dumps([c.model_dump() for c in checks.values()])


def _wecom_env(setup: Setup, fake: FakeWeCom, secret: str) -> None:
    setup.write(
        wecom={"corp_id": fake_wecom.CORP_ID, "agent_id": fake_wecom.AGENT_ID, "base_url": fake.base_url}
    )
    setup.env.update(
        {
            "MT5BOT_WECOM__SECRET": secret,
            "MT5BOT_WECOM__TOKEN": fake_wecom.TOKEN,
            "MT5BOT_WECOM__ENCODING_AES_KEY": fake_wecom.AES_KEY,
        }
    )


async def test_wecom_gettoken(setup: Setup) -> None:
    fake = FakeWeCom()
    await fake.start()
    try:
        _wecom_env(setup, fake, fake_wecom.SECRET)
        assert (await setup.checks())["wecom"].status is Status.OK
        _wecom_env(setup, fake, "not-the-app-secret-123")
        check = (await setup.checks())["wecom"]
        fake.ip_blocked = True
        blocked = (await setup.checks())["wecom"]
    finally:
        await fake.stop()
    assert check.status is Status.FAIL
    assert "40001" in check.detail
    assert "not-the-app-secret-123" not in check.detail + check.hint
    assert blocked.status is Status.FAIL
    assert "trusted IP" in blocked.hint
    assert len(fake.of("gettoken")) == 3


async def test_qqbot_token(setup: Setup) -> None:
    fake = FakeQQBot()
    await fake.start()
    try:
        setup.write(
            qqbot={"app_id": fake_qqbot.APP_ID, "token_url": fake.token_url, "api_base_url": fake.base_url}
        )
        setup.env["MT5BOT_QQBOT__SECRET"] = fake_qqbot.SECRET
        good = (await setup.checks())["qqbot"]
        setup.env["MT5BOT_QQBOT__SECRET"] = "wrong-qq-secret-77"
        bad = (await setup.checks())["qqbot"]
    finally:
        await fake.stop()
    assert good.status is Status.OK, good.detail
    assert bad.status is Status.FAIL
    assert "wrong-qq-secret-77" not in bad.detail


async def test_onebot_is_noted_not_probed(setup: Setup) -> None:
    setup.env["MT5BOT_ONEBOT__ACCESS_TOKEN"] = "onebot-access-Token-5566"
    checks = await setup.checks()
    assert checks["onebot"].status is Status.SKIP
    assert "reverse WebSocket" in checks["onebot"].detail
    assert "platforms" not in checks


async def test_no_platform_is_one_line(setup: Setup) -> None:
    checks = await setup.checks()
    assert checks["platforms"].status is Status.SKIP
    assert not {"telegram", "wecom", "qqbot", "llm", "onebot"} & checks.keys()
