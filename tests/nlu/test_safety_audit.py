"""Safety audit (issue 12): every trading verb with a time, condition, person or negation clause.

Each command below parses as a trade on its own (checked first, so the audit means something). Put any
of the clauses around it, in any register (Mandarin, Cantonese, English desk talk), and it must never
come out as a trade, a modification or a cancellation: the rules in docs/nlu.md ("Safety rules") refuse
a question, a negation, the past, a condition, a deferral, someone else's words, a joke or a drill. The
audit runs the whole product (commands x clauses); the hypothesis properties add random filler.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import parse
from nlu.command import TRADING_INTENTS

# One or more commands per trading verb family and register; each is a trade when typed alone.
COMMANDS = [
    "买入0.1手黄金",
    "卖出欧美0.2手",
    "做多白银0.5手",
    "做空原油1手",
    "空美油1手",
    "开多单黄金0.1手",
    "追空白银0.3手",
    "平仓黄金",
    "平掉所有欧美",
    "关掉黄金",
    "砍掉亏损单",
    "一键清仓",
    "撤销所有挂单",
    "撤掉 55667788",
    "删掉8899001的止盈",
    "黄金止损改到3600",
    "把欧美的止盈都去掉",
    "锁仓黄金",
    "平一半黄金",
    "挂单买入黄金 3500 0.1手",
    "回调到3500买黄金0.1手",
    "涨破3700买黄金0.1手",
    "揸金0.1手",
    "沽金0.1手",
    "平倉黃金",
    "平晒蝕緊嘅單",
    "buy gold 0.1",
    "sell 0.5 lots eurusd",
    "long cable 0.2",
    "short fiber 0.3",
    "load gold 0.1 lots",
    "close gold",
    "flatten everything",
    "kill the losers",
    "bank gold",
    "nuke everything",
    "cancel all buy stops on silver",
    "move the stop on every silver trade to 30.5",
    "buy limit eurusd 1.0650 0.2",
    "close half my gold",
    "lock gold",
    "帮我close黄金",
    "gold 空 0.1手",
]

# Clauses that take the trade away, with {c} where the command goes.
CLAUSES = {
    "negation": [
        "不要{c}",
        "别{c}",
        "千万别{c}",
        "先不{c}",
        "我不想{c}",
        "暂时不用{c}",
        "唔好{c}",
        "千祈唔好{c}",
        "咪{c}",
        "冇叫你{c}",
        "算了 {c}",
        "{c} 算了",
        "don't {c}",
        "do not {c}",
        "never {c}",
        "no need to {c}",
        "hold off, {c}",
        "never mind {c}",
        "nvm {c}",
    ],
    "question": [
        "{c}吗",
        "{c}?",
        "要不要{c}",
        "该不该{c}",
        "可以{c}吗",
        "能不能{c}",
        "是否{c}",
        "可唔可以{c}",
        "好唔好{c}",
        "使唔使{c}",
        "{c}好唔好",
        "should i {c}",
        "can you {c}",
        "would it be wise to {c}",
        "is it time to {c}",
        "do you think i should {c}",
    ],
    "condition": [
        "如果跌到3500就{c}",
        "要是涨了{c}",
        "万一跌破{c}",
        "一旦破位{c}",
        "{c}的话",
        "假如明天涨就{c}",
        "若然跌穿{c}",
        "if gold dips {c}",
        "when it breaks out {c}",
        "once it hits 3500 {c}",
        "{c} if it drops",
        "{c} in case it falls",
        "{c} unless it bounces",
        "我諗住{c}",
    ],
    "deferral": [
        "明天{c}",
        "今晚{c}",
        "等会{c}",
        "晚点{c}",
        "回头再{c}",
        "等CPI公布再{c}",
        "收盘后再{c}",
        "非农后{c}",
        "开盘再{c}",
        "下周{c}",
        "听日先{c}",
        "收市後先{c}",
        "遲啲先{c}",
        "{c}先",
        "{c} tomorrow",
        "{c} later",
        "{c} tonight",
        "{c} at the close",
        "{c} after nfp",
        "wait for cpi then {c}",
        "{c} before the weekend",
        "{c} end of day",
        "{c} tmr",
        "tmrw {c}",
        "改天{c}",
        "明儿{c}",
        "{c} in an hour",
    ],
    "person": [
        "他说{c}",
        "朋友让我{c}",
        "群里喊单{c}",
        "老师建议{c}",
        "分析师说{c}",
        "佢話{c}",
        "人哋話要{c}",
        "信号：{c}",
        "my friend says {c}",
        "analyst says {c}",
        "they want to {c}",
        "signal: {c}",
        "someone told me to {c}",
        "my boss said {c}",
        "ppl say {c}",
        "大家都话{c}",
        "有人叫我{c}",
    ],
    "past": [
        "我已经{c}了",
        "昨天{c}",
        "刚才{c}",
        "之前{c}",
        "上周{c}",
        "我之前{c}过",
        "琴日{c}",
        "頭先{c}咗",
        "i already {c}",
        "i {c} yesterday",
        "{c} earlier",
        "{c} last week",
    ],
    "not serious": [
        "开玩笑 {c}",
        "哈哈{c}",
        "测试 {c}",
        "模拟一下{c}",
        "{c} lol",
        "just kidding {c}",
        "test: {c}",
        "demo {c}",
        "jk {c}",
        "{c} jk",
        "讲笑咋 {c}",
    ],
}


def _is_trade(text: str) -> bool:
    return parse(text).intent in TRADING_INTENTS


def test_every_audited_command_is_a_trade_on_its_own() -> None:
    not_trades = [c for c in COMMANDS if not _is_trade(c)]
    assert not not_trades


@pytest.mark.parametrize("kind", sorted(CLAUSES))
def test_no_clause_leaves_a_trade_standing(kind: str) -> None:
    standing = [
        clause.format(c=command)
        for clause in CLAUSES[kind]
        for command in COMMANDS
        if _is_trade(clause.format(c=command))
    ]
    assert not standing, f"{len(standing)} trades left standing: {standing}"


_ALL_CLAUSES = [clause for group in CLAUSES.values() for clause in group]
_FILLER = st.sampled_from(
    ["", " ", "，", "请", "帮我", "麻烦", "唔該", "pls ", "please ", "ok ", "嗯 ", "那个 "]
)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(COMMANDS), st.sampled_from(_ALL_CLAUSES), _FILLER, _FILLER)
def test_filler_around_a_refused_clause_never_makes_it_a_trade(
    command: str, clause: str, before: str, after: str
) -> None:
    assert not _is_trade(f"{before}{clause.format(c=command)} {after}")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(COMMANDS), st.sampled_from(_ALL_CLAUSES), st.sampled_from(_ALL_CLAUSES))
def test_two_refusing_clauses_still_refuse(command: str, outer: str, inner: str) -> None:
    assert not _is_trade(outer.format(c=inner.format(c=command)))
