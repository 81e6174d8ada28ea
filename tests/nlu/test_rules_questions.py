"""Trade-management rules from chat (issue 19): what a message does not say (the positions, a distance, a
limit, what a drawdown is measured from) is asked, never a default; and the answers complete the rule, or
leave the question open, or refuse (docs/nlu.md, "Rules")."""

from __future__ import annotations

import pytest

from mt5bridge.common.rulespec import Drawdown, Scope
from mt5bridge.common.vocab import Side, TrailMode
from nlu import Command, Intent, RuleNeed, Selector, parse
from nlu.parser import complete_rule
from tests.nlu.rule_builders import (
    ACCOUNT,
    DAY,
    GOLD,
    PEAK,
    POINTS,
    be,
    guard,
    lock,
    points,
    rule_set,
    stages,
    trail,
)

# --- the chat asks: a figure or the positions not said, never a default ------------------------------
QUESTIONS: list[tuple[str, Command]] = [
    ("移动止损", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE, RuleNeed.DISTANCE))),
    ("黄金移动止损", Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.DISTANCE,))),
    ("trail gold", Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.DISTANCE,))),
    (
        "set a trailing stop on cable",
        Command(intent=Intent.RULE_SET, symbol="GBPUSD", rule_needs=(RuleNeed.DISTANCE,)),
    ),
    ("开个跟踪止损", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE, RuleNeed.DISTANCE))),
    (
        "黄金多单移动止损",
        Command(intent=Intent.RULE_SET, symbol="XAUUSD", side=Side.BUY, rule_needs=(RuleNeed.DISTANCE,)),
    ),
    (
        "所有持仓移动止损",
        Command(intent=Intent.RULE_SET, selector=Selector.ALL, rule_needs=(RuleNeed.DISTANCE,)),
    ),
    ("保本", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,))),
    ("把止损设到保本", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,))),
    ("盈利50美元后保本", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,))),
    ("到3700平一半", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,))),
    ("黄金分批止盈", Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.STAGES,))),
    # the drawdown of an EA's positions: measured from what? (docs/nlu.md, "Rules": asked, not guessed)
    (
        "EA 20250101 的单子回撤到200就全平",
        Command(intent=Intent.RULE_SET, magic=20250101, rule_needs=(RuleNeed.REFERENCE,)),
    ),
    ("亏损2%提醒我，3%全平", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.REFERENCE,))),
    ("亏损3%就全平", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.REFERENCE,))),
    (
        "黄金亏损超过500美元就全平",
        Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.REFERENCE,)),
    ),
    ("回撤就全平", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.LIMIT, RuleNeed.REFERENCE))),
    ("今天亏损就全平", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.LIMIT,))),
    ("锁定利润", Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.LOCK_START, RuleNeed.GIVE_BACK))),
    (
        "lock profits on gold",
        Command(
            intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.LOCK_START, RuleNeed.GIVE_BACK)
        ),
    ),
]


@pytest.mark.parametrize(("text", "command"), QUESTIONS, ids=[t for t, _c in QUESTIONS])
def test_what_is_not_said_is_asked(text: str, command: Command) -> None:
    assert parse(text) == command


ANSWERED: list[tuple[str, dict[RuleNeed, str], Command]] = [
    (
        "移动止损",
        {RuleNeed.SCOPE: "黄金"},
        Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.DISTANCE,)),
    ),
    ("移动止损", {RuleNeed.SCOPE: "黄金", RuleNeed.DISTANCE: "20点"}, rule_set(trail(GOLD, **points(20)))),
    (
        "移动止损",
        {RuleNeed.SCOPE: "XAUUSD", RuleNeed.DISTANCE: "2倍ATR"},
        rule_set(trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ),
    (
        "trail gold",
        {RuleNeed.DISTANCE: "last 3 candles"},
        rule_set(trail(GOLD, mode=TrailMode.CANDLES, candles=3)),
    ),
    (
        "黄金盈利50点后开始移动止损",
        {RuleNeed.DISTANCE: "30点"},
        rule_set(trail(GOLD, (POINTS, 50), **points(30))),
    ),
    ("保本", {RuleNeed.SCOPE: "#123456"}, rule_set(be(Scope(ticket=123456)))),
    ("保本", {RuleNeed.SCOPE: "所有持仓"}, rule_set(be(ACCOUNT))),
    ("保本", {RuleNeed.SCOPE: "gold longs"}, rule_set(be(Scope(symbol="XAUUSD", side=Side.BUY)))),
    ("保本", {RuleNeed.SCOPE: "EA 7"}, rule_set(be(Scope(magic=7)))),
    ("到3700平一半", {RuleNeed.SCOPE: "黄金"}, rule_set(stages(GOLD, ("price", 3700, 0.5)))),
    (
        "EA 20250101 的单子回撤到200就全平",
        {RuleNeed.REFERENCE: "day_start"},
        rule_set(guard(Scope(magic=20250101), DAY, Drawdown(money=200), pause=False)),
    ),
    (
        "EA 20250101 的单子回撤到200就全平",
        {RuleNeed.REFERENCE: "peak"},
        rule_set(guard(Scope(magic=20250101), PEAK, Drawdown(money=200), pause=False)),
    ),
    (
        "回撤就全平",
        {RuleNeed.LIMIT: "5%", RuleNeed.REFERENCE: "今天"},
        rule_set(guard(ACCOUNT, DAY, Drawdown(percent=5), pause=False)),
    ),
    ("锁定利润", {RuleNeed.LOCK_START: "100", RuleNeed.GIVE_BACK: "一半"}, rule_set(lock(ACCOUNT, 100, 0.5))),
    (
        "黄金分批止盈",
        {RuleNeed.STAGES: "到3700平一半，到3750再平30%"},
        rule_set(stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    ),
    # an answer that does not read leaves its question open; one that contradicts the message refuses
    (
        "trail gold",
        {RuleNeed.DISTANCE: "20"},
        Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.DISTANCE,)),
    ),
    (
        "trail gold",
        {RuleNeed.DISTANCE: "不要"},
        Command(intent=Intent.RULE_SET, symbol="XAUUSD", rule_needs=(RuleNeed.DISTANCE,)),
    ),
    ("保本", {RuleNeed.SCOPE: "随便"}, Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,))),
    (
        "回撤就全平",
        {RuleNeed.LIMIT: "5"},
        Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.LIMIT, RuleNeed.REFERENCE)),
    ),
    ("到3700平一半", {RuleNeed.SCOPE: "白银"}, Command()),  # 3700 is no silver price
    (
        "保本",
        {RuleNeed.SCOPE: "#99999999999999999999"},
        Command(intent=Intent.RULE_SET, rule_needs=(RuleNeed.SCOPE,)),
    ),
]


@pytest.mark.parametrize(("text", "answers", "command"), ANSWERED, ids=[f"{t} {a}" for t, a, _c in ANSWERED])
def test_answers_complete_the_rule(text: str, answers: dict[RuleNeed, str], command: Command) -> None:
    assert complete_rule(text, answers) == command
