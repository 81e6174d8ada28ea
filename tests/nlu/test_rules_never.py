"""Trade-management rules from chat (issue 19): the messages that must never be a rule (questions,
negations, talk about the future or the past, someone else's words, figures that cannot be what they
claim), the rule-like words in other messages, the safety audit's clauses around every rule command, and
rule words in any order (docs/nlu.md, "Rules")."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import Command, Intent, Selector, parse
from tests.nlu.test_safety_audit import CLAUSES

# --- never a rule: questions, negations, talk about the future or the past, someone else's words -------
NEVER: list[str] = [
    # questions
    "黄金要不要保本？",
    "黄金要不要保本",
    "should I trail gold?",
    "should i move my gold stop to breakeven",
    "黄金保本吗",
    "黄金可以保本吗",
    "can you trail gold 20 points?",
    "要不要移动止损",
    "黄金到3700平一半好不好",
    "账户今天亏损超过3%要不要全平",
    "is it time to trail gold?",
    "删除规则3吗",
    # negations
    "不要保本",
    "黄金不要保本",
    "别移动止损",
    "don't trail gold",
    "do not move my gold stop to breakeven",
    "never trail gold",
    "黄金不用保本",
    "不要分批止盈",
    "不要删除规则3",
    "don't remove rule 3",
    # a condition about the future that is not the rule's own trigger; time; the past; someone else
    "如果明天涨了我就保本",
    "如果黄金涨了就保本",
    "如果黄金盈利30点我就保本",
    "明天黄金保本",
    "等非农后再保本",
    "黄金收盘前保本",
    "if gold goes up tomorrow trail it 20 points",
    "maybe trail gold 20 points",
    "I might move gold to breakeven",
    "I'll trail gold 20 points later",
    "账户今天亏损超过3%就全部平仓并暂停 at the close",
    "我已经保本了",
    "我刚才把黄金保本了",
    "I already moved gold to breakeven",
    "朋友说黄金保本",
    "老师建议黄金移动止损20点",
    "signal: trail gold 20 points",
    "哈哈黄金保本",
    "test trail gold 20 points",
    # two things at once, words nobody read, figures that cannot be what they claim
    "黄金保本然后移动止损20点",
    "黄金保本并平仓白银",
    "保本黄金 买入0.1手",
    "黄金保本一下下吧兄弟",
    "黄金保本和白银保本",
    "黄金保本 #123456 #654321",
    "黄金移动止损20点和2倍ATR",
    "移动止损 gold 30",  # 30 what? points, pips, dollars: not guessed
    "trailing stop on gold 50",
    "trail eurusd 20 pips",  # pips are not the symbol's point
    "黄金跌到3300平一半",  # falling to a level is a buy's stop, not its target
    "黄金多单跌到3300平一半",
    "黄金到37平一半",  # no gold price
    "黄金到3700平60%，到3750平50%",  # more than the whole position
    "黄金到3700平0.5手",  # a stage is a share, not lots
    "今天亏损3%提醒我，2%全平",  # the warning after the limit
    "黄金回撤到3500就全平",  # a pullback to 3500, or a drawdown of 3500?
    "如果亏到500就砍掉",  # whose loss, closing what?
    "close gold if it drops 3%",  # a price move, not the account's equity
    "浮盈到100美元后回吐一半",  # and then? a profit lock says it closes (or is called one)
    "#99999999999999999999 保本",  # no MT5 ticket is that long
    "EA 99999999999999999999 的单子回撤到200就全平",
]


@pytest.mark.parametrize("text", NEVER)
def test_never_a_rule(text: str) -> None:
    assert parse(text).intent is Intent.UNKNOWN


# Messages with rule-like words that stay what they were before rules existed.
UNCHANGED: list[tuple[str, Command]] = [
    ("平一半黄金", Command(intent=Intent.CLOSE, symbol="XAUUSD", fraction=0.5)),
    ("平掉50%黄金", Command(intent=Intent.CLOSE, symbol="XAUUSD", fraction=0.5)),
    ("close half my gold", Command(intent=Intent.CLOSE, symbol="XAUUSD", fraction=0.5)),
    ("平掉亏损的单", Command(intent=Intent.CLOSE, selector=Selector.LOSING)),
    ("cut my losses", Command(intent=Intent.CLOSE, selector=Selector.LOSING)),
    ("今天亏了多少", Command(intent=Intent.PNL, period=parse("今天亏了多少").period)),
    ("净值多少", Command(intent=Intent.ACCOUNT)),
    ("what's my equity", Command(intent=Intent.ACCOUNT)),
    ("close gold at 3300", Command()),  # a price on a close: a target or a stop, not guessed
    ("黄金到3700平仓", Command()),
    ("gold 跟踪止损 50", Command()),
]


@pytest.mark.parametrize(("text", "command"), UNCHANGED, ids=[t for t, _c in UNCHANGED])
def test_rule_words_in_other_messages(text: str, command: Command) -> None:
    assert parse(text) == command


_AUDITED = [
    "黄金保本",
    "黄金盈利30点后保本",
    "欧美移动止损20点",
    "黄金到3700平一半，到3750再平30%",
    "账户今天亏损超过3%就全部平仓并暂停",
    "净值从最高点回撤10%全平",
    "浮盈到100美元后回吐一半就全平",
    "move my gold stop to breakeven",
    "trail EURUSD 20 points",
    "close half of gold at 3700 and 30% more at 3750",
    "lock profit: after 100 dollars, close if it gives back 50%",
    "close everything and pause if the account loses 3% today",
    "EA 20250101 的单子回撤到200就全平",
    "移动止损",
    "#123456 保本",
    "删除规则3",
    "remove rule 3",
    "取消黄金保本",
]


def test_every_audited_rule_command_is_one_on_its_own() -> None:
    assert all(parse(text).intent.changes_rules for text in _AUDITED)


@pytest.mark.parametrize("kind", sorted(CLAUSES))
def test_no_safety_clause_leaves_a_rule_standing(kind: str) -> None:
    """The safety audit's clauses (test_safety_audit.py) around every rule command: never a rule."""
    standing = [
        clause.format(c=text)
        for clause in CLAUSES[kind]
        for text in _AUDITED
        if parse(clause.format(c=text)).intent is not Intent.UNKNOWN
    ]
    assert not standing, standing


def test_rules_are_changes_not_trades() -> None:
    """A rule is confirmed like a trade (`changes_rules`) but is no trade: the trading flow never sees it."""
    assert Intent.RULE_SET.changes_rules and Intent.RULE_REMOVE.changes_rules
    assert not Intent.RULE_LIST.changes_rules
    assert not any(i.is_trading for i in (Intent.RULE_SET, Intent.RULE_LIST, Intent.RULE_REMOVE))


_FRAGMENTS = [
    "黄金", "欧美", "gold", "#123456", "EA 7", "多单", "保本", "移动止损", "trail", "breakeven", "到3700", "平一半",
    "30%", "再平", "盈利30点后", "after 30 points", "20点", "2倍ATR", "最近3根K线", "亏损超过3%", "今天", "最高点",
    "回撤", "就全平", "并暂停", "浮盈到100美元后", "回吐一半", "close half", "at 3700", "规则", "删除", "rule 3",
    "所有持仓", "，", " ", "的", "把", "止损", "移到",
]  # fmt: skip
_rule_text = st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(_rule_text)
def test_rule_words_in_any_order_parse_quickly(text: str) -> None:
    start = time.perf_counter()
    parse(text)
    assert time.perf_counter() - start < 0.5


@settings(max_examples=400, deadline=None)
@given(
    _rule_text,
    st.sampled_from(["不要{c}", "{c}吗", "要不要{c}", "{c}?", "don't {c}", "should i {c}", "如果明天{c}"]),
)
def test_a_question_or_negation_around_rule_words_is_never_a_change(text: str, clause: str) -> None:
    assert not parse(clause.format(c=text)).changes_rules
