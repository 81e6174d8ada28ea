"""The phrase lexicon: verbs, field markers, selectors, periods and the safety cues, as compiled regexes.

Everything here works on `normalize()`d text (half-width, simplified, lower case). Tables are ordered:
the first row that matches wins, so specific phrases come before general ones.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Final, Generic, TypeVar

from nlu.command import Intent, OrderType, Period, Report, Selector, Side

E = TypeVar("E", bound=Enum)


def _alternatives(source: str) -> list[str]:
    """Top-level alternatives of a pattern; a group spanning a whole alternative is opened up."""
    parts, depth, start, i, in_set = [], 0, 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_set:
            in_set = ch != "]"
        elif ch == "[":
            in_set = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    out = []
    for part in parts:
        inner = part[3:-1] if part.startswith("(?:") and part.endswith(")") else None
        if inner is not None and _balanced(inner):
            out.extend(_alternatives(inner))
        else:
            out.append(part)
    return out


def _balanced(source: str) -> bool:
    depth, i = 0, 0
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(source[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def _re(pattern: str) -> re.Pattern[str]:
    """Compile with ASCII word boundaries ("平掉gold" has one) and the `\\bword` alternatives merged.

    Python's `re` checks a leading `\\b` at every position for every alternative; one shared check is
    4x faster here. Alternatives starting with an ASCII word and the others (Chinese, `^`, punctuation)
    never match at the same position, so moving them does not change what matches.
    """
    parts = _alternatives(pattern)
    words = [p[2:] for p in parts if p.startswith("\\b") and _balanced(p)]
    if len(parts) < 2 or not words:
        return re.compile(pattern, re.ASCII)
    others = [p for p in parts if not (p.startswith("\\b") and _balanced(p))]
    return re.compile("|".join([*others, "\\b(?:" + "|".join(words) + ")"]), re.ASCII)


def _union(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    return _re("|".join(f"(?:{p.pattern})" for p in patterns))


class Table(Generic[E]):
    """Ordered (pattern, value) rows; one combined search first, so a miss costs a single scan."""

    def __init__(self, *rows: tuple[re.Pattern[str], E]) -> None:
        self.rows = rows
        self.any = _union([pattern for pattern, _value in rows])

    def first(self, text: str) -> E | None:
        """The value of the first row (in table order) whose pattern occurs in `text`."""
        if not self.any.search(text):
            return None
        for pattern, value in self.rows:
            if pattern.search(text):
                return value
        return None


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

# --- safety cues --------------------------------------------------------------------------------------
QUESTION: Final = _re(
    r"[?]|吗|嘛|么|呢|要不要|该不该|能不能|可不可以|可以不|是不是|会不会|应不应该|是否|还能|应该|值得|好不好|行不行"
    r"|如何|怎么|为什么|为何|多少|哪|几手"
    r"|^(?:should|shall|could|would|can|may|might|is|are|do|does|did|will|what|why|how|which|when)\b"
    r"|\b(?:should i|do you think|worth|whether)\b"
)
NEGATION: Final = _re(
    r"不要|不用|不想|不必|不需要|不准|不许|不能|不可|不会|不该|暂不|先不|不(?=买|卖|平|做|开|下|撤|改|加|挂|取消|动)"
    r"|(?<![类区分特级个告识性辨])别|勿|莫|禁止|没有|没|未|千万"
    r"|\b(?:don'?t|do not|never|not|no|won'?t|cannot|can'?t|shouldn'?t|didn'?t|avoid)\b"
)
PAST: Final = _re(
    r"昨天|昨日|昨晚|前天|刚才|刚刚|之前|以前|上次|上周|上个?月|去年|已经|已|曾经|曾|当时|那时"
    r"|\b(?:yesterday|earlier|already|ago|last (?:week|month|time|night)|previously|before)\b"
    r"|\b(?:went|placed|had|was|were|did)\b"
    r"|\b(?:i have|i've|we have|we've)\b"
)
# 买了/平了 reads as a statement unless the sentence is clearly an imperative (把…平了, 帮我平了, 平了吧).
PAST_LE: Final = _re(r"(?:买|卖|平|开|做多|做空|下|撤|改|加|仓|单)(?:了|过)")
IMPERATIVE: Final = _re(r"把|帮|请|给我|吧|它")
HYPOTHETICAL: Final = _re(
    r"如果|假如|假设|要是|万一|若是|倘若|一旦|的话|等到|考虑|打算|准备|计划|也许|可能|或许|到时"
    r"|(?<!现在)(?<!马上)(?<!立刻)(?<!立即)就"
    r"|\b(?:if|when|once|suppose|assuming|in case|unless|whenever"
    r"|until|maybe|perhaps|might|plan|planning|thinking|considering|would)\b"
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

# --- queries (used only when no trading verb is present) ---------------------------------------------
FREE_FORM: Final = _re(r"哪|为什么|为何|对比|比较|分析|\bwhich\b|\bwhy\b|\bcompare\b")
QUERIES: Final = Table[Intent](
    (
        _re(
            (
                r"盈亏|损益|收益|利润|盈利|亏损|赚了|亏了|赚钱|亏钱|战绩|\bpnl\b|\bp&l\b|\bp/l\b"
                r"|\bprofits?\b|\bloss\b|\bmake\b|\bmade\b|\bearn(?:ed)?\b|\blost\b|\bearnings\b|\bgains?\b"
            )
        ),
        Intent.PNL,
    ),
    (_re(r"挂单|委托|\bpending\b|\borders?\b"), Intent.ORDERS),
    (
        _re(r"持仓|仓位|头寸|订单|单子|多单|空单|\bpositions?\b|\btrades\b|\bholdings\b|\bportfolio\b"),
        Intent.POSITIONS,
    ),
    (
        _re(
            r"账户|账号|余额|净值|保证金|可用资金|资金|预付款|\baccount\b|\bbalance\b|\bequity\b|\bmargin\b|\bfunds\b"
        ),
        Intent.ACCOUNT,
    ),
    (_re(r"报价|行情|价格|现价|多少钱|点位|走势|\bquote\b|\bprice\b|\brate\b"), Intent.QUOTE),
    (
        _re(
            r"帮助|菜单|使用说明|说明书|怎么用|命令列表|指令"
            r"|\bhelp\b|\bmenu\b|\bcommands\b|\bhow to use\b|^\?$|^start$"
        ),
        Intent.HELP,
    ),
)
QUOTE_FILLER: Final = _re(r"[\s§,.!?;:。、]|现在|目前|当前|实时|\bnow\b")
# Two actions in one message ("平仓并反手做空") are never split into a guess: refused.
SEQUENCE: Final = _re(r"反手|然后|之后|接着|并且|并|同时|顺便|\bthen\b|\bafter\b|\balso\b")
# Past forms of trading verbs: a report of what happened, not a request (refused even as a query).
PAST_TRADE: Final = _re(
    r"\b(?:bought|sold|closed|opened|cancell?ed|modified|shorted|exited)\b|(?:买|卖|平|撤)过"
)
# What the command cannot express (a fraction, an exception, a trailing stop): refused, never approximated.
UNSUPPORTED: Final = _re(
    r"一半|半仓|部分|%|百分之|除了|除去|以外|之外|保留|留着|留下|保本|跟踪止损|反向"
    r"|\b(?:half|percent|part|partial|partially|some|except|excluding|but|besides|other than|keep|breakeven"
    r"|break even|trailing)\b"
)
# Not now, not the user, not serious: a later time, someone else's trade, a signal, a joke, a drill.
NOT_NOW: Final = _re(
    r"明天|明日|后天|下周|下个?星期|下个?月|今晚|晚上|稍后|待会|等会|等一下|一会|回头|开盘|收盘|周一|下次"
    r"|\b(?:tomorrow|tonight|later|next (?:week|month|time)|at (?:the )?(?:open|close)|on monday"
    r"|afterwards)\b"
)
NOT_MINE: Final = _re(
    r"他|她|别人|朋友|老师|群里|分析师|听说|据说|建议|推荐|喊单|信号|说|开玩笑|玩笑|哈哈|假装|模拟|测试|演示"
    r"|\b(?:he|she|they|someone|friend|analyst|says|said|suggests?|recommends?|signal|tip|joke|joking|kidding"
    r"|lol|haha|pretend|simulate|test|testing|demo)\b"
)
UNSAFE: Final = _union([QUESTION, NEGATION, HYPOTHETICAL, PAST, PAST_TRADE, UNSUPPORTED, NOT_NOW, NOT_MINE])
NOUN_ANY: Final = _union([pattern for pattern, _replacement in NOUN_PHRASES])
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
