"""The phrase lexicon: verbs, field markers, selectors, periods and the safety cues, as compiled regexes.

Everything here works on `normalize()`d text (half-width, simplified, lower case). Tables are ordered:
the first row that matches wins, so specific phrases come before general ones.
"""

from __future__ import annotations

import re
from typing import Final

from nlu.command import Intent, OrderType, Period, Report, Selector, Side
from nlu.regex import Table
from nlu.regex import compile_ as _re
from nlu.regex import union as _union

NUM: Final = r"(\d+(?:\.\d+)?)"

# Noun phrases that contain a verb character but are not commands; rewritten before verbs are looked for.
NOUN_PHRASES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (_re(r"未平仓|持仓中|\bopen (?:positions?|trades?)\b"), " 持仓 "),
    (_re(r"\bopen orders?\b|未成交"), " 挂单 "),
    (_re(r"平仓盈亏|平仓收益|平仓利润"), " 盈亏 "),
    (
        _re(
            r"平仓记录|平仓历史|历史平仓|成交记录|交易记录"
            r"|\bclosed (?:trades?|positions?)\b|\btrade history\b"
        ),
        " 历史 ",
    ),
    (_re(r"买入价|卖出价|买价|卖价|\bbid\b|\bask\b"), " 报价 "),
    (_re(r"平均|平台|平安|平衡|平稳|水平|持平|公平|和平|平时|平常|摊平|抹平|扯平"), " "),
    (_re(r"(?:开|下|做|建|加)多单|(?:下|开)买单"), " 做多 "),
    (_re(r"(?:开|下|做|建|加)空单|(?:下|开)卖单"), " 做空 "),
)
NOUN_ANY: Final = _union([pattern for pattern, _replacement in NOUN_PHRASES])

# --- fields -------------------------------------------------------------------------------------------
_FILL = (
    r"\s*(?:\bon\b|\bfor\b|\bof\b|的)?[\s§]*"
    r"\s*(?:价格?|位)?\s*[:=@]?\s*(?:设置为|设置成|设置在|设置到|设为|设成|设在|设到|设|改为|改成|改到|调整到|调整为"
    r"|调到|调为|移动到|移到|移至|放到|放在|到|在|为|是|at|to|of|=)?\s*[:=@]?\s*"
)
SL_WORDS: Final = r"(?:止损|\bsl\b|\bs/l\b|\bstop\s?loss\b)"
TP_WORDS: Final = r"(?:止盈|\btp\b|\bt/p\b|\btake\s?profit\b|目标价)"
REMOVE: Final = (
    r"(?:取消|去掉|去除|删除|删掉|移除|清除|撤销|撤掉"
    r"|\bremove\b|\bdelete\b|\bcancel\b|\bclear\b)\s*(?:the\s*)?"
)

SL_REMOVE: Final = _re(REMOVE + r"[^,;。\d]{0,8}?" + SL_WORDS)
TP_REMOVE: Final = _re(REMOVE + r"[^,;。\d]{0,8}?" + TP_WORDS)
SL: Final = _re(SL_WORDS + _FILL + NUM)
TP: Final = _re(TP_WORDS + _FILL + NUM)
SL_TP_MENTION: Final = _re(SL_WORDS + "|" + TP_WORDS)
TICKET: Final = _re(
    r"(?:#|单号|订单号|票号|持仓号|\bticket\b|\border\b|\bposition\b|订单)\s*[:#]?\s*(\d{3,})"
)
MAGIC: Final = _re(r"(?:\bmagic\b|魔术号|魔术码|\bea\b|ea号)\s*(?:号|number|no\.?)?\s*[:#=]?\s*(\d+)")
VOLUME_UNIT: Final = _re(
    NUM
    + r"\s*(?:标准手|手|\blots?\b|\blot\(s\))|(?:手数|\blots?\b|\bvolume\b|\bvol\b|\bsize\b)\s*[:=]?\s*"
    + NUM
)
PRICE: Final = _re(r"(?:@|\bat\b|价格|价位|挂在|限价|\bprice\b|于|在)\s*(?:价格?)?\s*" + NUM)
# A bare number right after a trading verb is a volume only when it looks like one (at most two decimals).
VOLUME_AFTER_VERB: Final = _re(
    r"(?:\bbuy\b|\bsell\b|\blong\b|\bshort\b|\bclose\b|买入|买进|卖出|做多|做空|平仓|平掉|下单|开仓|买|卖|平)"
    r"\s*(?:\blimit\b|\bstop\b|\bmarket\b|限价|市价|挂单)?\s*(\d{1,3}(?:\.\d{1,2})?)(?![\d.])"
    r"(?!\s*(?:单|笔|个|张|%|\bpositions\b|\btrades\b|\borders\b))"
)
DIGIT: Final = _re(r"\d")
# "两单", "3笔": a count of positions the command format cannot carry.
COUNT: Final = _re(
    r"(?<!第)(?:[两二三四五六七八九十几]|\d+)\s*(?:单|笔|个仓位|个订单|positions|trades|orders)"
)

# --- verbs --------------------------------------------------------------------------------------------
SIDE_NOUN: Final = Table[Side](
    (
        _re(r"多单|多头|买单|多仓|\b(?:longs|buys)\b|\b(?:long|buy) (?:positions?|orders?|trades?)\b"),
        Side.BUY,
    ),
    (
        _re(r"空单|空头|卖单|空仓|\b(?:shorts|sells)\b|\b(?:short|sell) (?:positions?|orders?|trades?)\b"),
        Side.SELL,
    ),
)
BUY_VERB: Final = _re(r"买入|买进|买涨|做多|开多|追多|进多|加多|抄底|买|\bbuy(?:ing)?\b|\blong\b|\bgo long\b")
SELL_VERB: Final = _re(r"卖出|卖空|卖跌|做空|开空|追空|沽空|加空|卖|\bsell(?:ing)?\b|\bshort\b|\bgo short\b")
OPEN_VERB: Final = _re(
    r"开仓|下单|建仓|开单|进场|入场|加仓|开一单|下一单|\bopen\b|\bplace\b|\benter\b|\bnew (?:order|trade)\b"
)
CLOSE_VERB: Final = _re(
    r"一键清仓|清仓|全平|平仓|平掉|平了|平多|平空|减仓|减持|出场|离场|了结|平"
    r"|\bclose\b|\bflatten\b|\bexit\b|\bliquidate\b|\bsquare off\b"
)
CANCEL_VERB: Final = _re(r"撤单|撤销|撤掉|撤回|撤|删单|删除|删掉|取消|\bcancel\b|\bdelete\b|\bremove\b")
MODIFY_VERB: Final = _re(
    r"修改|更改|变更|调整|改|设置|设|调|移动|移|挪|\bmodify\b|\bchange\b|\bmove\b|\bset\b|\bupdate\b"
    r"|\badjust\b|\bamend\b|\btrail\b"
)
PENDING_WORD: Final = _re(r"挂单|挂|\bpending\b")

ORDER_TYPES: Final = Table[OrderType](
    (_re(r"限价|\blimit\b"), OrderType.LIMIT),
    (_re(r"突破单|止损挂单|\bstop\b(?!\s?loss)"), OrderType.STOP),
    (_re(r"挂单|挂|\bpending\b"), OrderType.PENDING),
    (_re(r"市价|现价|立即|立刻|马上|\bmarket\b|\bnow\b"), OrderType.MARKET),
)

# --- selectors, periods, reports ---------------------------------------------------------------------
SELECTORS: Final = Table[Selector](
    (
        _re(
            r"盈利最多|赚得?最多|最赚钱|赚钱最多|利润最高|盈利最大|浮盈最大|\bmost profitable\b|\bbiggest win"
        ),
        Selector.MOST_PROFITABLE,
    ),
    (
        _re(r"亏损最多|亏得?最多|最亏|亏钱最多|亏损最大|浮亏最大|\bmost losing\b|\bbiggest los|\bworst\b"),
        Selector.MOST_LOSING,
    ),
    (
        _re(r"盈利的|赚钱的|有盈利|浮盈|盈利单|盈利中|\bprofitable\b|\bwinning\b|\bin profit\b|\bwinners\b"),
        Selector.PROFITABLE,
    ),
    (_re(r"亏损的|亏钱的|亏的|浮亏|亏损单|亏损中|\blosing\b|\bin loss\b|\blosers\b"), Selector.LOSING),
    (_re(r"最早|最老|最旧|最先|第一(?:个|单|笔|张)|\bearliest\b|\boldest\b|\bfirst\b"), Selector.EARLIEST),
    (_re(r"最新|最近|最晚|最后|刚开的|\blatest\b|\bnewest\b|\bmost recent\b|\blast\b"), Selector.LATEST),
    (_re(r"全部|所有|全平|一键|清仓|统统|都平|全都|\ball\b|\beverything\b|\bevery\b"), Selector.ALL),
)
PERIODS: Final = Table[Period](
    (_re(r"上周|上个?星期|上个?礼拜|\blast week\b|\bprevious week\b"), Period.LAST_WEEK),
    (_re(r"上个?月|\blast month\b|\bprevious month\b"), Period.LAST_MONTH),
    (_re(r"昨天|昨日|\byesterday\b"), Period.YESTERDAY),
    (_re(r"今天|今日|本日|当日|当天|日盈亏|日报|\btoday\b|\bdaily\b"), Period.TODAY),
    (
        _re(r"本周|这周|这个?星期|本星期|这个?礼拜|周盈亏|周报|\bthis week\b|\bweekly\b|\bweek\b|\bwtd\b"),
        Period.WEEK,
    ),
    (_re(r"本月|这个?月|当月|月盈亏|月报|\bthis month\b|\bmonthly\b|\bmonth\b|\bmtd\b"), Period.MONTH),
    (_re(r"今年|本年|年度|全年|\bthis year\b|\bytd\b|\byear\b|\byearly\b"), Period.YEAR),
)
REPORTS: Final = Table[Report](
    (_re(r"对冲|锁仓|\bhedg(?:e|ing)\b"), Report.HEDGE),
    (_re(r"日报|每日报告|\bdaily report\b|\bdaily\b"), Report.DAILY),
    (_re(r"月报|月度报告|\bmonthly report\b|\bmonthly\b"), Report.MONTHLY),
)
REPORT_WORD: Final = _re(
    r"报告|报表|总结|日报|月报|周报|\breports?\b|\bsummary\b|\bdaily\b|\bmonthly\b|对冲分析|锁仓分析"
)

CANCEL_OBJECT: Final = _re(r"单|挂|委托|\borders?\b|\bpending\b")

SLASH: Final[dict[str, Intent]] = {
    "help": Intent.HELP,
    "start": Intent.HELP,
    "positions": Intent.POSITIONS,
    "pos": Intent.POSITIONS,
    "pnl": Intent.PNL,
    "profit": Intent.PNL,
    "orders": Intent.ORDERS,
    "account": Intent.ACCOUNT,
    "balance": Intent.ACCOUNT,
    "quote": Intent.QUOTE,
    "price": Intent.QUOTE,
    "report": Intent.REPORT,
    "daily": Intent.REPORT,
    "monthly": Intent.REPORT,
    "hedge": Intent.REPORT,
}
SLASH_COMMAND: Final = _re(r"^/([a-z_]+)\s*")
