"""The LLM parser against a local OpenAI-compatible server, through the real `openai` client."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import SecretStr

from nlu import Command, Intent, Need, Period, Side
from nlu.command import PARSER_ONLY
from nlu.llm import LLMParser, needs_llm
from nlu.settings import LLMSettings
from tests.nlu.conftest import FakeLLM


def _settings(fake: FakeLLM, timeout: float = 5.0) -> LLMSettings:
    return LLMSettings(
        base_url=fake.base_url,
        model="test-model",
        api_key=SecretStr("sk-test"),
        timeout_sec=timeout,
        max_retries=0,
    )


def _args(**fields: object) -> str:
    return json.dumps(fields)


@pytest.fixture
async def parser(fake_llm: FakeLLM):  # type: ignore[no-untyped-def]
    llm = LLMParser(_settings(fake_llm, timeout=0.5))
    yield llm
    await llm.close()


class Tools:
    """A test implementation of the future chat core's read-only tools; records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, object]] = []

    async def pnl(self, period: Period | None, symbol: str | None) -> str:
        self.calls.append(("pnl", period, symbol))
        return "EURUSD -120.00; XAUUSD +35.50"

    async def positions(self, symbol: str | None) -> str:
        self.calls.append(("positions", symbol, None))
        return f"{symbol or 'all'}: 2 positions"

    async def orders(self, symbol: str | None) -> str:
        self.calls.append(("orders", symbol, None))
        return "no pending orders"

    async def account(self) -> str:
        self.calls.append(("account", None, None))
        return "balance 10000.00 equity 9915.50"


def test_unconfigured_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="not configured"):
        LLMParser(LLMSettings())


def test_needs_llm_only_for_unknown_or_incomplete() -> None:
    assert needs_llm(Command())
    assert needs_llm(Command(intent=Intent.OPEN, symbol="EURUSD", volume=0.01))
    assert not needs_llm(Command(intent=Intent.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.01))
    assert not needs_llm(Command(intent=Intent.PNL, period=Period.TODAY))
    assert needs_llm(Command(intent=Intent.CLOSE, volume=0.01))


async def test_complete_offline_answer_never_calls_the_llm(parser: LLMParser, fake_llm: FakeLLM) -> None:
    command = await parser.parse("买入0.01手黄金")
    assert (command.intent, command.symbol, command.side, command.volume) == (
        Intent.OPEN,
        "XAUUSD",
        Side.BUY,
        0.01,
    )
    assert fake_llm.requests == []


async def test_tool_call_answer_is_used_for_an_unknown_message(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["整它一手金子"] = _args(intent="open", symbol="XAUUSD", side="buy", volume=1)
    command = await parser.parse("整它一手金子")
    assert command == Command(intent=Intent.OPEN, symbol="XAUUSD", side=Side.BUY, volume=1.0)
    request = fake_llm.requests[0]
    assert request["model"] == "test-model"
    schema = request["tools"][0]["function"]["parameters"]
    assert set(schema["properties"]) == set(Command.model_fields) - set(PARSER_ONLY) - {"account"}
    assert "Problem" not in json.dumps(schema)


async def test_llm_fills_a_missing_symbol_of_an_incomplete_command(
    parser: LLMParser, fake_llm: FakeLLM
) -> None:
    fake_llm.command_answers["平仓0.01手金仔"] = _args(intent="close", symbol="XAUUSD", volume=0.01)
    command = await parser.parse("平仓0.01手金仔")
    assert command == Command(intent=Intent.CLOSE, symbol="XAUUSD", volume=0.01)


async def test_llm_may_not_pick_a_side_the_message_did_not_name(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["下单0.01手欧美"] = _args(
        intent="open", symbol="EURUSD", side="sell", volume=0.01
    )
    command = await parser.parse("下单0.01手欧美")
    assert command == Command(intent=Intent.OPEN, symbol="EURUSD", volume=0.01, needs=(Need.SIDE,))
    assert len(fake_llm.requests) == 1


async def test_llm_may_not_change_what_offline_found(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["下单0.01手欧美"] = _args(intent="open", symbol="GBPUSD", volume=0.01)
    assert (await parser.parse("下单0.01手欧美")).symbol == "EURUSD"


@pytest.mark.parametrize(
    ("message", "arguments"),
    [
        ("出掉金子吧", '{"intent": "close", "symbol": "XAU'),  # malformed JSON
        ("出掉金子吧", _args(intent="close", symbol="DOGEUSD")),  # unknown symbol
        ("整它一手金子", _args(intent="open", symbol="XAUUSD", side="buy", volume=5000)),  # impossible volume
        ("整它一手金子", _args(intent="open", symbol="XAUUSD", side="buy", volume=0)),  # impossible volume
        ("来点金子", _args(intent="open", symbol="XAUUSD", side="buy", volume=0.5)),  # volume never said
        ("出掉金子吧", _args(intent="close", symbol="XAUUSD", confirm=False)),  # tries to skip confirmation
        ("出掉金子吧", _args(intent="close", symbol="XAUUSD", ticket=777777)),  # invented ticket
        ("出掉金子吧", _args(intent="close", symbol="EURUSD")),  # not the symbol the message names
        ("出掉金子吧", _args(intent="launch", symbol="XAUUSD")),  # not an intent
        ("出掉金子吧", "[1, 2, 3]"),  # JSON but not an object
    ],
)
async def test_invalid_llm_answers_are_rejected(
    parser: LLMParser, fake_llm: FakeLLM, message: str, arguments: str
) -> None:
    fake_llm.command_answers[message] = arguments
    assert (await parser.parse(message)).intent is Intent.UNKNOWN
    assert len(fake_llm.requests) == 1


async def test_llm_symbol_alias_is_made_canonical(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["出掉金子吧"] = _args(intent="close", symbol="GOLD.i#")
    assert await parser.parse("出掉金子吧") == Command(intent=Intent.CLOSE, symbol="XAUUSD")


async def test_valid_close_from_llm(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["出掉金子吧"] = _args(intent="close", symbol="XAUUSD")
    assert await parser.parse("出掉金子吧") == Command(intent=Intent.CLOSE, symbol="XAUUSD")


@pytest.mark.parametrize(
    "message", ["不要出掉金子", "出掉金子吗", "如果金子到2300就出掉", "我昨天出掉了金子"]
)
async def test_safety_cues_never_become_a_trade(parser: LLMParser, fake_llm: FakeLLM, message: str) -> None:
    fake_llm.command_answers[message] = _args(intent="close", symbol="XAUUSD")
    assert (await parser.parse(message)).intent is Intent.UNKNOWN
    assert len(fake_llm.requests) == 1  # asked (no verb the offline parser knows), but the trade is rejected


@pytest.mark.parametrize(
    "message", ["不要平仓黄金", "要不要平仓黄金?", "如果黄金跌到2300就买", "我昨天买了黄金"]
)
async def test_refused_trades_never_reach_the_llm(parser: LLMParser, fake_llm: FakeLLM, message: str) -> None:
    fake_llm.command_answers[message] = _args(intent="close", symbol="XAUUSD")
    assert (await parser.parse(message)).intent is Intent.UNKNOWN
    assert fake_llm.requests == []


async def test_question_may_become_a_query(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["我的钱还够吗?"] = _args(intent="account")
    assert await parser.parse("我的钱还够吗?") == Command(intent=Intent.ACCOUNT)


async def test_slow_answer_times_out_to_unknown(parser: LLMParser, fake_llm: FakeLLM) -> None:
    start = time.monotonic()
    assert (await parser.parse("慢")).intent is Intent.UNKNOWN
    assert time.monotonic() - start < 2.5


async def test_http_500_gives_unknown(parser: LLMParser, fake_llm: FakeLLM) -> None:
    assert (await parser.parse("坏")).intent is Intent.UNKNOWN
    assert len(fake_llm.requests) == 1  # max_retries=0: the client did not retry


async def test_refusal_without_tool_call_gives_unknown(parser: LLMParser, fake_llm: FakeLLM) -> None:
    assert (await parser.parse("拒绝")).intent is Intent.UNKNOWN


async def test_incomplete_offline_answer_survives_a_useless_llm(parser: LLMParser, fake_llm: FakeLLM) -> None:
    # The server has no script for this message and answers with plain text: the offline answer stands.
    command = await parser.parse("下单0.01手欧美")
    assert command == Command(intent=Intent.OPEN, symbol="EURUSD", volume=0.01, needs=(Need.SIDE,))


async def test_free_form_question_uses_read_only_tools(parser: LLMParser, fake_llm: FakeLLM) -> None:
    question = "我这个月哪个品种亏得最多?"
    fake_llm.tool_script[question] = [
        ("get_pnl", _args(period="month")),
        ("get_positions", _args(symbol="gold")),
    ]
    tools = Tools()
    answer = await parser.answer(question, tools)
    assert tools.calls == [("pnl", Period.MONTH, None), ("positions", "XAUUSD", None)]
    assert answer == "answer: EURUSD -120.00; XAUUSD +35.50 | XAUUSD: 2 positions"
    offered = {tool["function"]["name"] for tool in fake_llm.requests[0]["tools"]}
    assert offered == {"get_pnl", "get_positions", "get_orders", "get_account"}
    assert "submit_command" not in offered


async def test_bad_tool_calls_are_answered_with_errors_not_executed(
    parser: LLMParser, fake_llm: FakeLLM
) -> None:
    question = "账户怎么样"
    fake_llm.tool_script[question] = [
        ("get_positions", _args(symbol="DOGE")),
        ("get_pnl", "{not json"),
        ("close_all", "{}"),
        ("get_pnl", _args(period="forever")),
        ("get_account", "{}"),
    ]
    tools = Tools()
    answer = await parser.answer(question, tools)
    assert tools.calls == [("account", None, None)]
    assert answer is not None
    assert answer.count("error:") == 4


async def test_answer_failure_gives_none(parser: LLMParser, fake_llm: FakeLLM) -> None:
    assert await parser.answer("坏", Tools()) is None
    assert await parser.answer("慢", Tools()) is None
