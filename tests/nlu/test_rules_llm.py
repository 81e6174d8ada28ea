"""Rules through the LLM parser, against the local OpenAI-compatible server (conftest.py): the schema is
RuleSpec's, an answer is checked like a trade (docs/nlu.md, "Rules"), and a message the offline reader
answers or refuses never reaches the LLM."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from mt5bridge.common.rulespec import BreakEven, RuleSpec, Scope, Trailing, TrailMode
from nlu import Command, Intent, RuleNeed, parse
from nlu.llm import LLMParser
from nlu.settings import LLMSettings
from tests.nlu.conftest import FakeLLM

GOLD_BE = {"scope": {"symbol": "XAUUSD"}, "action": {"kind": "break_even"}}


@pytest.fixture
async def parser(fake_llm: FakeLLM):  # type: ignore[no-untyped-def]
    settings = LLMSettings(
        base_url=fake_llm.base_url,
        model="test-model",
        api_key=SecretStr("sk-test"),
        timeout_sec=0.5,
        max_retries=0,
    )
    llm = LLMParser(settings)
    yield llm
    await llm.close()


def _args(**fields: object) -> str:
    return json.dumps(fields)


async def test_the_schema_offers_rules_as_the_core_runs_them(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["金仔保本一下下"] = _args(intent="rule_set", rule=GOLD_BE)
    await parser.parse("金仔保本一下下")
    schema = fake_llm.requests[0]["tools"][0]["function"]["parameters"]
    assert {"rule", "rule_id"} <= set(schema["properties"])
    assert {"rule_set", "rule_list", "rule_remove"} <= set(schema["$defs"]["Intent"]["enum"])
    assert schema["$defs"]["RuleSpec"]["properties"] == RuleSpec.model_json_schema()["properties"]
    assert {"BreakEven", "Trailing", "StagedTakeProfit", "EquityGuard", "ProfitLock", "Scope"} <= set(
        schema["$defs"]
    )


@pytest.mark.parametrize(
    ("message", "rule", "expected"),
    [
        ("金仔保本一下下", GOLD_BE, RuleSpec(scope=Scope(symbol="XAUUSD"), action=BreakEven())),
        ("黄金保本一下下吧兄弟", GOLD_BE, RuleSpec(scope=Scope(symbol="XAUUSD"), action=BreakEven())),
        (  # an alias or a suffixed code is made canonical
            "黄金保本一下下吧兄弟",
            {"scope": {"symbol": "GOLD.i#"}, "action": {"kind": "break_even"}},
            RuleSpec(scope=Scope(symbol="XAUUSD"), action=BreakEven()),
        ),
        (
            "兄弟们黄金跟踪个30点",
            {"scope": {"symbol": "XAUUSD"}, "action": {"kind": "trailing", "distance_points": 30}},
            RuleSpec(
                scope=Scope(symbol="XAUUSD"), action=Trailing(mode=TrailMode.POINTS, distance_points=30)
            ),
        ),
    ],
)
async def test_a_rule_the_offline_reader_missed_is_taken_when_all_of_it_was_said(
    parser: LLMParser, fake_llm: FakeLLM, message: str, rule: dict[str, object], expected: RuleSpec
) -> None:
    assert parse(message).intent is Intent.UNKNOWN
    fake_llm.command_answers[message] = _args(intent="rule_set", rule=rule)
    assert await parser.parse(message) == Command(intent=Intent.RULE_SET, rule=expected)


@pytest.mark.parametrize(
    "arguments",
    [
        _args(
            intent="rule_set",
            rule={
                "scope": {"symbol": "XAUUSD"},
                "action": {"kind": "break_even", "trigger": {"unit": "points", "value": 30}},
            },
        ),  # a trigger nobody said
        _args(
            intent="rule_set", rule={"scope": {"symbol": "XAGUSD"}, "action": {"kind": "break_even"}}
        ),  # not gold
        _args(intent="rule_set", rule={"scope": {"symbol": "DOGEUSD"}, "action": {"kind": "break_even"}}),
        _args(
            intent="rule_set",
            rule={"scope": {"symbol": "XAUUSD", "side": "buy"}, "action": {"kind": "break_even"}},
        ),
        _args(
            intent="rule_set",
            rule={"scope": {"symbol": "XAUUSD", "ticket": 777777}, "action": {"kind": "break_even"}},
        ),
        _args(
            intent="rule_set", rule={"scope": {}, "action": {"kind": "break_even"}}
        ),  # which positions: asked
        _args(
            intent="rule_set",
            rule={
                "scope": {"symbol": "XAUUSD"},
                "action": {
                    "kind": "equity_guard",
                    "reference": "peak",
                    "limit": {"percent": 3},
                    "pause": True,
                },
            },
        ),  # no figure, no peak, no pause said
        _args(intent="rule_set"),  # a rule_set without its rule
        _args(intent="rule_set", rule=GOLD_BE, rule_needs=["scope"]),  # the parser's field
        _args(intent="rule_set", rule=GOLD_BE, symbol="XAUUSD"),  # a rule's positions are its scope
        _args(intent="close", symbol="XAUUSD", rule=GOLD_BE),  # a rule on a trade
        _args(intent="rule_remove", rule_id=4),  # a number nobody said
        _args(intent="rule_set", rule=GOLD_BE, skip_confirmation=True),
    ],
)
async def test_a_rule_claiming_anything_not_said_is_rejected(
    parser: LLMParser, fake_llm: FakeLLM, arguments: str
) -> None:
    fake_llm.command_answers["黄金保本一下下吧兄弟"] = arguments
    assert await parser.parse("黄金保本一下下吧兄弟") == Command()
    assert len(fake_llm.requests) == 1


async def test_a_removal_and_a_list_from_the_llm(parser: LLMParser, fake_llm: FakeLLM) -> None:
    fake_llm.command_answers["把规则3干掉"] = _args(intent="rule_remove", rule_id=3)
    fake_llm.command_answers["瞅瞅规则"] = _args(intent="rule_list")
    fake_llm.command_answers["把保本那个干掉"] = _args(intent="rule_remove")
    assert await parser.parse("把规则3干掉") == Command(intent=Intent.RULE_REMOVE, rule_id=3)
    assert await parser.parse("瞅瞅规则") == Command(intent=Intent.RULE_LIST)
    assert await parser.parse("把保本那个干掉") == Command(
        intent=Intent.RULE_REMOVE, rule_needs=(RuleNeed.RULE,)
    )


@pytest.mark.parametrize(
    "message", ["不要保本啊兄弟", "黄金是不是该保本了兄弟", "如果明天涨了我就保本", "朋友说黄金保本一下下"]
)
async def test_a_refused_rule_never_reaches_the_llm(
    parser: LLMParser, fake_llm: FakeLLM, message: str
) -> None:
    fake_llm.command_answers[message] = _args(intent="rule_set", rule=GOLD_BE)
    assert await parser.parse(message) == Command()
    assert fake_llm.requests == []


@pytest.mark.parametrize("message", ["黄金保本", "移动止损", "删除规则3", "/rules"])
async def test_what_the_offline_reader_answers_never_reaches_the_llm(
    parser: LLMParser, fake_llm: FakeLLM, message: str
) -> None:
    assert (await parser.parse(message)).intent in (Intent.RULE_SET, Intent.RULE_REMOVE, Intent.RULE_LIST)
    assert fake_llm.requests == []


async def test_a_rule_on_a_condition_from_the_llm_is_rejected(parser: LLMParser, fake_llm: FakeLLM) -> None:
    """A conditional message the offline reader could not read: asked, but the LLM's rule is not taken."""
    message = "要是金仔涨够30点就保个本"
    fake_llm.command_answers[message] = _args(
        intent="rule_set",
        rule={"scope": {"symbol": "XAUUSD"}, "action": {"kind": "break_even",
              "trigger": {"unit": "points", "value": 30}}},
    )  # fmt: skip
    assert await parser.parse(message) == Command()
    assert len(fake_llm.requests) == 1  # no rule word the offline reader knows: asked, then refused
