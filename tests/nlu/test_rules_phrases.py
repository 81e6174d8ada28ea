"""Trade-management rules from chat (issue 19): every phrase to its exact `RuleSpec`; the variants traders
type (full width, traditional characters, spaces, capitals); a rule on a named account (docs/nlu.md,
"Rules"). The questions the chat asks, lists and removals, and the messages that must never be a rule are
in test_rules_questions.py, test_rules_list_remove.py and test_rules_never.py."""

from __future__ import annotations

import pytest

from mt5bridge.common.rulespec import Drawdown, RuleSpec, Scope
from mt5bridge.common.vocab import Reference, Side, TrailMode
from nlu import Command, Intent, parse
from tests.nlu.rule_builders import (
    ACCOUNT,
    DAY,
    EURUSD,
    GOLD,
    MONEY,
    PCT3,
    PCT10,
    PEAK,
    POINTS,
    RISK,
    be,
    guard,
    lock,
    points,
    rule_set,
    stages,
    trail,
)

# The phrases first (docs/nlu.md, "Rules"), then their natural variants.
RULES: list[tuple[str, RuleSpec]] = [
    # --- break-even
    ("黄金保本", be(GOLD)),
    ("move my gold stop to breakeven", be(GOLD)),
    ("gold to breakeven", be(GOLD)),
    ("黄金止损移到保本", be(GOLD)),
    ("把金子止损拉到保本位", be(GOLD)),
    ("帮我把黄金的止损移到开仓价", be(GOLD)),
    ("黄金设置保本", be(GOLD)),
    ("gold to break-even", be(GOLD)),
    ("move gold sl to breakeven", be(GOLD)),
    ("sl to b/e on gold", be(GOLD)),
    ("黄金盈利30点后保本", be(GOLD, (POINTS, 30))),
    ("breakeven on gold after 30 points", be(GOLD, (POINTS, 30))),
    ("黄金赚30点后保本", be(GOLD, (POINTS, 30))),
    ("黄金盈利达到30点就保本", be(GOLD, (POINTS, 30))),
    ("如果黄金盈利30点就保本", be(GOLD, (POINTS, 30))),
    ("黄金盈利三十点后保本", be(GOLD, (POINTS, 30))),
    ("move gold to breakeven once it's 30 points up", be(GOLD, (POINTS, 30))),
    ("move gold sl to breakeven when it is 30 points in profit", be(GOLD, (POINTS, 30))),
    ("黄金盈利50美元后保本", be(GOLD, (MONEY, 50))),
    ("黄金盈利超过50美元后保本", be(GOLD, (MONEY, 50))),
    ("set breakeven on gold after $50", be(GOLD, (MONEY, 50))),
    ("breakeven gold after 50 dollars", be(GOLD, (MONEY, 50))),
    ("黄金1R后保本", be(GOLD, (RISK, 1))),
    ("黄金盈利1R后保本", be(GOLD, (RISK, 1))),
    ("黄金1.5R后保本", be(GOLD, (RISK, 1.5))),
    ("after 1R breakeven on gold", be(GOLD, (RISK, 1))),
    ("黄金保本加5点", be(GOLD, offset=5)),
    ("黄金保本+5点", be(GOLD, offset=5)),
    ("黄金保本减5点", be(GOLD, offset=-5)),
    ("黄金止损移到开仓价+5点", be(GOLD, offset=5)),
    ("gold breakeven plus 5 points", be(GOLD, offset=5)),
    ("move gold to breakeven plus 5 points after 30 points", be(GOLD, (POINTS, 30), 5)),
    # --- trailing stop
    ("欧美移动止损20点", trail(EURUSD, **points(20))),
    ("trail EURUSD 20 points", trail(EURUSD, **points(20))),
    ("欧美跟踪止损20点", trail(EURUSD, **points(20))),
    ("欧美追踪止损 20 点", trail(EURUSD, **points(20))),
    ("给欧美设置20点移动止损", trail(EURUSD, **points(20))),
    ("欧美20点移动止损", trail(EURUSD, **points(20))),
    ("trail eurusd by 20 points", trail(EURUSD, **points(20))),
    ("trailing stop 20 points on eurusd", trail(EURUSD, **points(20))),
    ("set a 20 point trailing stop on eurusd", trail(EURUSD, **points(20))),
    ("黄金按2倍ATR移动止损", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("黄金移动止损2倍ATR", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("黄金按ATR的2倍移动止损", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("黄金按两倍ATR移动止损", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("trail gold 2x ATR", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("trail gold 2 atr", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
    ("trail gold at 1.5x ATR", trail(GOLD, mode=TrailMode.ATR, atr_k=1.5)),
    ("黄金按H4的2倍ATR移动止损", trail(GOLD, mode=TrailMode.ATR, atr_k=2, timeframe="H4")),
    ("trail gold 2x atr on h4", trail(GOLD, mode=TrailMode.ATR, atr_k=2, timeframe="H4")),
    ("黄金按2倍ATR(20)移动止损", trail(GOLD, mode=TrailMode.ATR, atr_k=2, atr_period=20)),
    ("黄金按最近3根K线移动止损", trail(GOLD, mode=TrailMode.CANDLES, candles=3)),
    ("黄金按最近三根K线移动止损", trail(GOLD, mode=TrailMode.CANDLES, candles=3)),
    ("黄金按最近3根4小时K线移动止损", trail(GOLD, mode=TrailMode.CANDLES, candles=3, timeframe="H4")),
    ("trail gold under the last 3 candles", trail(GOLD, mode=TrailMode.CANDLES, candles=3)),
    ("trail gold by the last 5 bars", trail(GOLD, mode=TrailMode.CANDLES, candles=5)),
    ("黄金盈利50点后开始移动止损30点", trail(GOLD, (POINTS, 50), **points(30))),
    ("黄金移动止损30点，盈利50点后开始", trail(GOLD, (POINTS, 50), **points(30))),
    ("trail gold 30 points after 50 points of profit", trail(GOLD, (POINTS, 50), **points(30))),
    ("start trailing gold by 30 points once it is 50 points up", trail(GOLD, (POINTS, 50), **points(30))),
    ("黄金移动止损30点，步长5点", trail(GOLD, **points(30), step_points=5)),
    ("trail gold 30 points in steps of 5", trail(GOLD, **points(30), step_points=5)),
    # --- staged take-profit
    ("黄金到3700平一半，到3750再平30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    (
        "close half of gold at 3700 and 30% more at 3750",
        stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3)),
    ),
    ("黄金到3700平一半，3750再平30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    ("黄金3700平一半，3750平30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    ("黄金涨到3700平一半，涨到3750平30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    ("黄金分批止盈：3700平一半，3750平30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    ("take half off gold at 3700, 30% at 3750", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
    (
        "黄金到3700平50%，到3750平30%，到3800平剩下的",
        stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3), ("price", 3800, 0.2)),
    ),
    ("黄金到3700平仓位的一半", stages(GOLD, ("price", 3700, 0.5))),
    ("close 50% of gold at 3700", stages(GOLD, ("price", 3700, 0.5))),
    ("黄金空单跌到3300平一半", stages(Scope(symbol="XAUUSD", side=Side.SELL), ("price", 3300, 0.5))),
    ("黄金盈利100点平一半", stages(GOLD, ("points", 100, 0.5))),
    ("黄金盈利100点平一半，盈利200点再平30%", stages(GOLD, ("points", 100, 0.5), ("points", 200, 0.3))),
    ("close half at 100 points on gold", stages(GOLD, ("points", 100, 0.5))),
    ("gold: close half at +100 points", stages(GOLD, ("points", 100, 0.5))),
    # --- equity protection
    ("账户今天亏损超过3%就全部平仓并暂停", guard(ACCOUNT, DAY, PCT3, pause=True)),
    ("账户今日亏损达到3%全平并暂停交易", guard(ACCOUNT, DAY, PCT3, pause=True)),
    ("如果账户今天亏损超过3%就全平", guard(ACCOUNT, DAY, PCT3, pause=False)),
    ("每日亏损超过3%就全平", guard(ACCOUNT, DAY, PCT3, pause=False)),
    ("当日亏损超过3%时全部平仓", guard(ACCOUNT, DAY, PCT3, pause=False)),
    ("今天亏损百分之三就全平", guard(ACCOUNT, DAY, PCT3, pause=False)),
    ("今天亏损超过500美元就全部平仓", guard(ACCOUNT, DAY, Drawdown(money=500), pause=False)),
    ("净值从最高点回撤10%全平", guard(ACCOUNT, PEAK, PCT10, pause=False)),
    ("净值从最高点回撤10%就全部平仓并暂停", guard(ACCOUNT, PEAK, PCT10, pause=True)),
    ("最大回撤10%就全平", guard(ACCOUNT, PEAK, PCT10, pause=False)),
    (
        "从10000开始回撤5%全平",
        guard(ACCOUNT, Reference.FIXED, Drawdown(percent=5), amount=10000, pause=False),
    ),
    ("今天亏损2%提醒我，3%全平", guard(ACCOUNT, DAY, PCT3, warn_at=Drawdown(percent=2), pause=False)),
    (
        "今天亏损2%时提醒，3%时全部平仓并暂停",
        guard(ACCOUNT, DAY, PCT3, warn_at=Drawdown(percent=2), pause=True),
    ),
    (
        "EA 20250101 今天亏损超过200美元就全平",
        guard(Scope(magic=20250101), DAY, Drawdown(money=200), pause=False),
    ),
    ("close everything and pause if the account loses 3% today", guard(ACCOUNT, DAY, PCT3, pause=True)),
    ("if today's loss exceeds 3%, close all and pause", guard(ACCOUNT, DAY, PCT3, pause=True)),
    ("close all if equity drops 10% from the peak", guard(ACCOUNT, PEAK, PCT10, pause=False)),
    (
        "warn me at 2%, close everything and pause if the account loses 3% today",
        guard(ACCOUNT, DAY, PCT3, warn_at=Drawdown(percent=2), pause=True),
    ),
    # --- profit lock
    ("浮盈到100美元后回吐一半就全平", lock(ACCOUNT, 100, 0.5)),
    ("lock profit: after 100 dollars, close if it gives back 50%", lock(ACCOUNT, 100, 0.5)),
    ("浮盈到100美元后回撤50%就全平", lock(ACCOUNT, 100, 0.5)),
    ("浮盈达到100刀后回吐30%全平", lock(ACCOUNT, 100, 0.3)),
    ("黄金浮盈到100美元后回吐一半就平仓", lock(GOLD, 100, 0.5)),
    ("lock profit: after $100, close if it gives back half", lock(ACCOUNT, 100, 0.5)),
    ("lock in profits on gold: after $100, close if it gives back 50%", lock(GOLD, 100, 0.5)),
    # --- scopes: a ticket, an EA, a side, the account
    ("#123 保本", be(Scope(ticket=123))),
    ("单号123移动止损20点", trail(Scope(ticket=123), **points(20))),
    ("订单123456保本", be(Scope(ticket=123456))),
    ("ticket 123456 to breakeven", be(Scope(ticket=123456))),
    ("EA 20250101 保本", be(Scope(magic=20250101))),
    ("EA 7 的单子保本", be(Scope(magic=7))),
    ("magic 7 breakeven", be(Scope(magic=7))),
    ("黄金多单保本", be(Scope(symbol="XAUUSD", side=Side.BUY))),
    ("黄金空单保本", be(Scope(symbol="XAUUSD", side=Side.SELL))),
    ("欧美多单盈利20点后保本", be(Scope(symbol="EURUSD", side=Side.BUY), (POINTS, 20))),
    ("gold longs to breakeven", be(Scope(symbol="XAUUSD", side=Side.BUY))),
    ("move the stop on my gold shorts to breakeven", be(Scope(symbol="XAUUSD", side=Side.SELL))),
    ("黄金多单移动止损30点", trail(Scope(symbol="XAUUSD", side=Side.BUY), **points(30))),
    ("所有持仓保本", be(ACCOUNT)),
    ("所有单子保本", be(ACCOUNT)),
    ("全部保本", be(ACCOUNT)),
    ("everything to breakeven", be(ACCOUNT)),
    ("all positions to breakeven", be(ACCOUNT)),
    ("所有持仓移动止损30点", trail(ACCOUNT, **points(30))),
]


@pytest.mark.parametrize(("text", "spec"), RULES, ids=[t for t, _s in RULES])
def test_phrase_is_exactly_its_rule(text: str, spec: RuleSpec) -> None:
    assert parse(text) == rule_set(spec)


_FULL_WIDTH = str.maketrans("0123456789%+.", "０１２３４５６７８９％＋．")
_TRADITIONAL = str.maketrans(
    "黄损动盈亏账户单仓并暂点后开价设钱欧银规则删关",
    "黃損動盈虧賬戶單倉並暫點後開價設錢歐銀規則刪關",
)


@pytest.mark.parametrize(("text", "spec"), RULES, ids=[t for t, _s in RULES])
def test_full_width_and_traditional_read_the_same(text: str, spec: RuleSpec) -> None:
    assert parse(text.translate(_FULL_WIDTH)) == rule_set(spec)
    assert parse(text.translate(_TRADITIONAL)) == rule_set(spec)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("黄金 盈利 30 点 后 保本", be(GOLD, (POINTS, 30))),
        ("黄金 到 3700 平一半 到 3750 再平 30%", stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3))),
        ("欧美 移动止损 20点", trail(EURUSD, **points(20))),
        ("账户 今天 亏损 超过 3% 就 全部平仓 并 暂停", guard(ACCOUNT, DAY, PCT3, pause=True)),
        ("MOVE MY GOLD STOP TO BREAKEVEN", be(GOLD)),
        ("Gold To Break-Even", be(GOLD)),
        ("TRAIL EURUSD 20 POINTS", trail(EURUSD, **points(20))),
        ("Trail Gold 2X ATR", trail(GOLD, mode=TrailMode.ATR, atr_k=2)),
        (
            "CLOSE HALF OF GOLD AT 3700 AND 30% MORE AT 3750",
            stages(GOLD, ("price", 3700, 0.5), ("price", 3750, 0.3)),
        ),
        ("Lock Profit: After $100, close if it gives back half", lock(ACCOUNT, 100, 0.5)),
        ("歐美移動止損20點", trail(EURUSD, **points(20))),
        ("賬戶今天虧損超過3%就全部平倉並暫停", guard(ACCOUNT, DAY, PCT3, pause=True)),
        ("黄金盈利３０点后保本", be(GOLD, (POINTS, 30))),
        ("账户今天亏损超过３％就全部平仓并暂停", guard(ACCOUNT, DAY, PCT3, pause=True)),
    ],
)
def test_spaces_capitals_and_scripts(text: str, spec: RuleSpec) -> None:
    assert parse(text) == rule_set(spec)


ACCOUNTS = {"demo": ["模拟盘"], "ic-live": ["IC实盘", "IC live"]}


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("demo账户 黄金保本", Command(intent=Intent.RULE_SET, rule=be(GOLD), account="demo")),
        (
            "trail gold 20 points on demo",
            Command(intent=Intent.RULE_SET, rule=trail(GOLD, **points(20)), account="demo"),
        ),
        (
            "IC实盘账户今天亏损超过3%就全部平仓并暂停",
            Command(intent=Intent.RULE_SET, rule=guard(ACCOUNT, DAY, PCT3, pause=True), account="ic-live"),
        ),
        ("所有账户 黄金保本", Command(intent=Intent.RULE_SET, rule=be(GOLD), account="*")),
        ("IC实盘的规则", Command(intent=Intent.RULE_LIST, account="ic-live")),
        ("不要在demo账户保本", Command()),
    ],
)
def test_rules_on_an_account(text: str, command: Command) -> None:
    assert parse(text, accounts=ACCOUNTS) == command
