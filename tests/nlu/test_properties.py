"""Property tests: any text parses quickly without error; no trading verb means no trading intent."""

from __future__ import annotations

import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu import parse
from nlu.command import TRADING_INTENTS
from nlu.normalize import normalize


# Every surface form that can make a message a trading command (see docs/nlu.md): characters for
# Chinese, word stems for English, looked for in the text as the parser reads it (full width folded,
# traditional characters simplified, lower case). Texts built without any of them must never come out
# as a trade.
class _Markers:
    PATTERN = re.compile(
        r"[买卖平撤删改设调移挪开下多空挂取消清加追沽抄变更锁揸减出离关砍斩进入建落来整搞上修破回反涨跌升蚀赚获]"
        r"|做|了结|损|盈|目标"
        r"|buy|sell|long|short|load|go|get|close|flat|exit|liquidate|square|kill|nuke|bank|cut|take|out|open"
        r"|place|enter|new|cancel|delete|remove|pull|lock|hedge|modify|change|move|set|update|adjust|amend"
        r"|trail|sl|s/l|tp|t/p|stp|tgt|target|stop|limit|pending|break|dip|bounce|rall"
    )

    def search(self, text: str) -> bool:
        return bool(self.PATTERN.search(normalize(text)) or self.PATTERN.search(text.lower()))


TRADING_MARKERS = _Markers()

VOCABULARY = [
    "黄金",
    "欧美",
    "gold",
    "xauusd",
    "EURUSD.pro",
    "0.01",
    "1",
    "手",
    "lots",
    "2300",
    "#123456",
    "magic 7",
    "今天",
    "本月",
    "上周",
    "盈亏",
    "持仓",
    "账户",
    "余额",
    "价格",
    "报告",
    "日报",
    "对冲",
    "帮助",
    "help",
    "最早",
    "最新",
    "所有",
    "全部",
    "all",
    "earliest",
    "latest",
    "盈利的",
    "亏损的",
    "？",
    "?",
    "吗",
    "不要",
    "别",
    "如果",
    "我",
    "昨天",
    "了",
    "，",
    " ",
    "/positions",
    "/pnl",
    "@bot",
    "一",
    "半",
    "两",
    "十",
    "零点五",
    "pnl",
    "positions",
    "account",
    "quote",
    "today",
    "month",
    "year",
    "week",
    "单",
    "的",
    "请",
    "帮我",
]

fragments = st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_string_parses_in_bounded_time(text: str) -> None:
    start = time.perf_counter()
    command = parse(text)
    assert time.perf_counter() - start < 0.5
    assert command.model_dump().keys() == parse("").model_dump().keys()


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="平仓买卖0.1手黄金 ?#@/的了不", min_size=2000, max_size=5000))
def test_long_input_is_refused_quickly(text: str) -> None:
    start = time.perf_counter()
    assert parse(text).intent.value == "unknown"
    assert time.perf_counter() - start < 0.5


@settings(max_examples=1500, deadline=None)
@given(fragments)
def test_no_trading_verb_never_yields_a_trading_intent(text: str) -> None:
    if TRADING_MARKERS.search(text):
        return  # only texts without any trading marker are the subject of this property
    assert parse(text).intent not in TRADING_INTENTS


@settings(max_examples=300, deadline=None)
@given(
    fragments,
    st.sampled_from(["买入0.01手黄金", "平仓黄金", "close all gold", "撤销所有挂单", "把黄金止损改到2300"]),
)
def test_a_question_mark_always_blocks_a_trade(prefix: str, command: str) -> None:
    assert parse(f"{prefix} {command}?").intent not in TRADING_INTENTS
    assert parse(f"不要{command}").intent not in TRADING_INTENTS
