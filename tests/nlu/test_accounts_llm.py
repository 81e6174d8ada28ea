"""The LLM parser with accounts: it is shown the configured names only and never picks an account."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nlu import Command, Intent, Side
from nlu.llm import LLMParser
from tests.nlu.conftest import FakeLLM
from tests.nlu.test_accounts import ACCOUNTS
from tests.nlu.test_llm import _args, _settings

SLANG = "整它一手金子"  # offline: not understood; the fake LLM reads it as a buy of 1 lot of gold


@pytest.fixture
async def parser(fake_llm: FakeLLM) -> AsyncIterator[LLMParser]:
    llm = LLMParser(_settings(fake_llm, timeout=0.5), accounts=ACCOUNTS)
    yield llm
    await llm.close()


async def test_the_account_the_message_names_is_kept(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers[f"IC实盘 {SLANG}"] = _args(intent="open", symbol="XAUUSD", side="buy", volume=1)
    command = await parser.parse(f"IC实盘 {SLANG}")
    assert command == Command(
        intent=Intent.OPEN, symbol="XAUUSD", side=Side.BUY, volume=1.0, account="ic-live"
    )


async def test_the_schema_offers_the_configured_names(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers[SLANG] = _args(intent="open", symbol="XAUUSD", side="buy", volume=1)
    await parser.parse(SLANG)
    account = fake_llm.requests[0]["tools"][0]["function"]["parameters"]["properties"]["account"]
    assert account["anyOf"][0]["enum"] == [*sorted(ACCOUNTS), "*"]


@pytest.mark.parametrize(
    ("message", "account"),
    [
        (SLANG, "demo"),  # the message names no account: the LLM may not pick one
        (f"IC实盘 {SLANG}", "demo"),  # another account than the one named
        (SLANG, "foo"),  # not configured
        (SLANG, "*"),
    ],
)
async def test_an_account_the_message_did_not_name_is_refused(
    parser: LLMParser, fake_llm: FakeLLM, message: str, account: str
) -> None:
    fake_llm.command_answers[message] = _args(
        intent="open", symbol="XAUUSD", side="buy", volume=1, account=account
    )
    assert await parser.parse(message) == Command()
    assert len(fake_llm.requests) == 1


async def test_the_llm_never_switches(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["去模拟那边"] = _args(intent="use_account", account="demo")
    assert await parser.parse("去模拟那边") == Command()


async def test_a_cue_word_alone_is_no_account_for_a_trade(parser: LLMParser, fake_llm: FakeLLM) -> None:
    message = f"demo {SLANG}"
    fake_llm.command_answers[message] = _args(intent="open", symbol="XAUUSD", side="buy", volume=1)
    assert await parser.parse(message) == Command()


@pytest.mark.parametrize("message", [f"on foo {SLANG}", f"positions demo {SLANG}", "切换到demo吗?"])
async def test_an_account_not_read_offline_is_never_asked(
    parser: LLMParser, fake_llm: FakeLLM, message: str
) -> None:
    fake_llm.command_answers[message] = _args(intent="open", symbol="XAUUSD", side="buy", volume=1)
    assert (await parser.parse(message)).intent is Intent.UNKNOWN
    assert fake_llm.requests == []


async def test_without_accounts_the_llm_names_none(fake_llm: FakeLLM) -> None:
    llm = LLMParser(_settings(fake_llm, timeout=0.5))
    try:
        fake_llm.command_answers[SLANG] = _args(
            intent="open", symbol="XAUUSD", side="buy", volume=1, account="demo"
        )
        assert await llm.parse(SLANG) == Command()
        schema = fake_llm.requests[0]["tools"][0]["function"]["parameters"]
        assert "account" not in schema["properties"]
    finally:
        await llm.close()
