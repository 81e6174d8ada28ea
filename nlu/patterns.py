"""The phrase lexicon: verbs, field markers, selectors, periods and the safety cues, as compiled regexes.

Everything here works on `normalize()`d text (half-width, simplified, lower case). Tables are ordered:
the first row that matches wins, so specific phrases come before general ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Final

from nlu.command import Intent, OrderType, Period, Report, Selector, Side
from nlu.regex import Table
from nlu.regex import any_of as _any
from nlu.regex import compile_ as _re
from nlu.regex import union as _union

NUM: Final = r"(\d+(?:\.\d+)?)"

# Noun phrases that contain a verb character but are not commands; rewritten before verbs are looked for.
NOUN_PHRASES: Final[tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]] = (
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
    (_re(r"买入价|卖出价|买价|卖价|\bbid\b|\bask\b(?<!can i ask)(?<!i ask)"), " 报价 "),
    (_re(r"\bwhat'?s open\b|\bhave open\b|\banything open\b|\bopen (?:now|right now)\?"), " 持仓 "),
    (_re(r"平均|平台|平安|平衡|平稳|水平|持平|公平|和平|平时|平常|摊平|抹平|扯平"), " "),
    (_re(r"(?:突破|回调|回踩)(?:多单|买单)"), lambda m: f" 做多 {m.group(0)[:2]}单 "),
    (_re(r"(?:突破|跌破|反弹)(?:空单|卖单)"), lambda m: f" 做空 {m.group(0)[:2]}单 "),
    # "来/整/搞 0.1手": give me that size (the side is said or asked).
    (_re(r"(?:来|整|搞|上)(?=\s*(?:§+\s*)?(?:\d|[一二两三四五六七八九十半]).{0,5}手)"), " 开仓 "),
    (_re(r"买跌|买空"), " 做空 "),  # slang for going short: "买跌黄金" is a sell, never a buy
    (_re(r"(?:开|下|做|建|加)多单|(?:下|开)买单"), " 做多 "),
    (_re(r"(?:开|下|做|建|加)空单|(?:下|开)卖单"), " 做空 "),
    # "move the stop on every silver trade": with a moving verb, "stop" is the stop loss.
    (
        _re(
            r"\b(?:move|raise|lower|tighten|widen|drag|pull|adjust|change|set|put|trail|shift)"
            r"((?: (?:the|my|your|all|every|those|these|our))*) stops?\b(?! (?:orders?|limits?))"
        ),
        lambda m: f" move{m.group(1)} sl ",
    ),
    (_re(r"\bstops? (?=to \d)"), " sl "),
    # 获利了结 (take profits = close the winners) is not a take-profit level.
    (_re(r"获利了结|获利平仓|获利出局"), " 平掉盈利的 "),
    (_re(r"\btake (?:the )?profits? (?:on|in|from)\b"), " bank "),
    (_re(r"锁仓分析|锁仓情况|锁仓报告|锁仓状态|对冲情况|对冲状况"), " 对冲分析 "),
)
NOUN_ANY: Final = _union([pattern for pattern, _replacement in NOUN_PHRASES])

# --- fields -------------------------------------------------------------------------------------------
_FILL = (
    r"\s*(?:\bon\b|\bfor\b|\bof\b|\bin\b|的)?(?:\s*\b(?:every|all|each|my|the|those|these)\b)*[\s§]*"
    r"(?:\b(?:trades?|positions?|orders?|shorts?|longs?|buys?|sells?)\b|多单|空单|单|仓)?\s*(?:都|全部|统一|一律|全)?"
    r"\s*(?:价格?|位)?\s*[:=@]?\s*(?:设置为|设置成|设置在|设置到|设为|设成|设在|设到|设|改为|改成|改到|调整到|调整为"
    r"|调到|调为|移动到|移到|移至|放到|放在|改|调|移|拉到|拉|提到|提高到|降到|到|在|为|是|at|to|of|=)?\s*[:=@]?\s*"
)
FILL_WORDS: Final = _FILL
# Glued to the number is fine ("sl3600", "tp:3700"): the words end where a letter would continue them.
SL_WORDS: Final = r"(?:止损|止蚀|\bsl(?![a-z])|\bs/l(?![a-z])|\bstop\s?loss(?![a-z])|\bstp(?![a-z]))"
TP_WORDS: Final = (
    r"(?:止盈|止赚|获利|\btp1(?=\s)|\btp(?![a-z])|\bt/p(?![a-z])|\btake\s?profit(?![a-z])"
    r"|\btgt(?![a-z])|\btarget(?![a-z])|目标价|目标位)"
)
REMOVE: Final = (
    r"(?:取消|去掉|去除|删除|删掉|移除|清除|撤销|撤掉"
    r"|\bremove\b|\bdelete\b|\bcancel\b|\bclear\b)\s*(?:the\s*)?"
)

# "删掉8899001的止盈": a ticket may stand between the verb and the level; only verb and word are consumed.
# "把欧美的止盈都去掉": the word may also come first.
SL_REMOVE: Final = _re(
    f"(?P<verb>{REMOVE})(?P<gap>[^,;。]{{0,16}}?)(?P<word>{SL_WORDS})"
    f"|(?P<word2>{SL_WORDS})(?P<gap2>[^,;。\\d]{{0,6}}?)(?P<verb2>{REMOVE})"
)
TP_REMOVE: Final = _re(
    f"(?P<verb>{REMOVE})(?P<gap>[^,;。]{{0,16}}?)(?P<word>{TP_WORDS})"
    f"|(?P<word2>{TP_WORDS})(?P<gap2>[^,;。\\d]{{0,6}}?)(?P<verb2>{REMOVE})"
)
# Only the word and the number are consumed: the words between ("on every silver short") stay readable
# for the selector and the side.
SL: Final = _re(f"(?P<word>{SL_WORDS}){_FILL}(?P<num>\\d+(?:\\.\\d+)?)")
TP: Final = _re(f"(?P<word>{TP_WORDS}){_FILL}(?P<num>\\d+(?:\\.\\d+)?)")
SL_TP_MENTION: Final = _any(SL_WORDS + "|" + TP_WORDS)
TICKET: Final = _re(
    r"(?:#|单号|订单号|票号|持仓号|\bticket\b|\border\b|\bposition\b|订单)\s*[:#]?\s*(\d{3,})"
)
MAGIC: Final = _re(r"(?:\bmagic\b|魔术号|魔术码|\bea\b|ea号)\s*(?:号|number|no\.?)?\s*[:#=]?\s*(\d+)")
VOLUME_UNIT: Final = _re(
    NUM
    + r"\s*(?:标准手|手|lots?\b|lot\(s\)|口)"
    + r"|(?:手数|\blot ?size\b|\blots?\b|\bvolume\b|\bvol\b|\bsize\b)\s*[:=]?\s*"
    + NUM
)
PRICE: Final = _re(
    r"(?:@|\bat\b|价格|价位|挂在|限价|\bprice\b|于|在)\s*(?:价格?)?\s*"
    r"(?:改到|改为|改成|移到|调到|调整到|设为|设到|到|为|\bto\b)?\s*" + NUM
)
# Cheap first checks: the marker words the field patterns above cannot match without.
TICKET_ANY: Final = _any(r"#|单号|订单|票号|持仓号|\bticket\b|\border\b|\bposition\b")
MAGIC_ANY: Final = _any(r"魔术|\bmagic\b|\bea")
VOLUME_ANY: Final = _any(r"手|口|lot|\bvolume\b|\bvol\b|\bsize\b")
TRIGGER_ANY: Final = _any(
    r"涨破|突破|升破|上破|站上|升穿|涨穿|跌破|下破|跌穿|击穿|失守|回调|回落|回踩|回撤|跌回|跌到|跌至|反弹|回升|涨回|涨到|涨至"
    r"|升到|升至|\bbreak|\bpull ?back\b|\bdips?\b|\bbounces?\b|\brall(?:y|ies)\b"
)
PRICE_ANY: Final = _any(r"@|价|挂在|于|在|\bat\b|\bprice\b")
# A bare number right after a trading verb is a volume only when it looks like one (at most two decimals).
# A count of positions, not a size: "3单", "两张", "2 gold trades" (the symbol is blanked as §).
COUNTED: Final = r"\s*(?:张|个)?\s*(?:§+\s*)?(?:单|笔|个仓位|个订单|张|次|号|positions|trades|orders)"
VOLUME_AFTER_VERB: Final = _re(
    r"(?:\bbuy\b|\bsell\b|\blong\b|\bshort\b|\bclose\b|买入|买进|卖出|做多|做空|平仓|平掉|下单|开仓|买|卖|平)"
    r"\s*(?:\blimit\b|\bstop\b|\bmarket\b|限价|市价|挂单)?\s*(\d{1,3}(?:\.\d{1,2})?)(?![\d.])"
    r"(?!" + COUNTED + r"|\s*%)"
)
DIGIT: Final = _re(r"\d")
LATIN: Final = re.compile(r"[a-z]")
CJK: Final = re.compile(r"[\u3400-\u9fff]")
# A number nothing labelled: the parser decides from the instrument's price band (nlu/bands.py).
BARE: Final = re.compile(r"(?<![\d.a-z第])\d+(?:\.\d+)?(?![\d.a-z%])(?!" + COUNTED + ")")


# Trigger words of a signal: 涨破 3700 买 is a buy stop, 回调到 3500 买 a buy limit (trading._triggered_type).
class Trigger(StrEnum):
    UP = "up"  # 涨破/突破: a stop order on the buy side
    DOWN = "down"  # 跌破: a stop order on the sell side
    PULLBACK = "pullback"  # 回调到: a limit order on the buy side
    RALLY = "rally"  # 反弹到: a limit order on the sell side


TRIGGERS: Final = Table[Trigger](
    (
        _re(
            r"(?:涨破|突破|升破|上破|站上|升穿|涨穿|\bbreak(?:s|out)? (?:above|over|of)\b)\s*(?:到|至)?\s*"
            + NUM
        ),
        Trigger.UP,
    ),
    (_re(r"(?:跌破|下破|跌穿|击穿|失守|\bbreak(?:s|down)? below\b)\s*(?:到|至)?\s*" + NUM), Trigger.DOWN),
    (
        _re(r"(?:回调|回落|回踩|回撤|跌回|跌到|跌至|\bpull ?back to\b|\bdips? to\b)\s*(?:到|至)?\s*" + NUM),
        Trigger.PULLBACK,
    ),
    (
        _re(
            r"(?:反弹|回升|涨回|涨到|涨至|升到|升至|\bbounces? to\b|\brall(?:y|ies) to\b)\s*(?:到|至)?\s*"
            + NUM
        ),
        Trigger.RALLY,
    ),
)
# A share of what is held ("平一半黄金", "close half my gold", "30%", "三分之一"): `Command.fraction`.
FRACTION: Final = _re(
    r"一半|半仓|\bhalf\b|(\d+(?:\.\d+)?)\s*%|百分之([零一二三四五六七八九十百]+)"
    r"|([一二三四五六七八九十])分之([一二三四五六七八九十])"
    r"|\b(a|one|two) (third|quarter)s?\b|\bthree quarters\b"
)
# The cheap first check for FRACTION: the words it cannot match without.
FRACTION_ANY: Final = _any(r"一半|半仓|%|百分之|分之|\bhalf\b|\bthirds?\b|\bquarters?\b")
# "两单", "3笔": a count of positions the command format cannot carry.
COUNT: Final = _any(r"(?<!第)(?:[两二三四五六七八九十几]|\d+)" + COUNTED)

# --- verbs --------------------------------------------------------------------------------------------
SIDE_NOUN: Final = Table[Side](
    (
        _re(
            r"多单|多头|买单|多仓|\b(?:longs|buys)\b|\b(?:long|buy) (?:positions?|orders?|trades?)\b"
            r"|\b(?:every|all|each|my|the|those) (?:§+ )?(?:long|buy)\b"
        ),
        Side.BUY,
    ),
    (
        _re(
            r"空单|空头|卖单|空仓|\b(?:shorts|sells)\b|\b(?:short|sell) (?:positions?|orders?|trades?)\b"
            r"|\b(?:every|all|each|my|the|those) (?:§+ )?(?:short|sell)\b"
        ),
        Side.SELL,
    ),
)
# "buy stops" after a close or cancel verb names orders ("cancel all buy stops"); alone it is a verb.
SIDE_ORDER_NOUN: Final = Table[Side](
    (_re(r"\b(?:buy|long) (?:stops?|limits?)\b|买入限价|买入止损|买限价|买止损"), Side.BUY),
    (_re(r"\b(?:sell|short) (?:stops?|limits?)\b|卖出限价|卖出止损|卖限价|卖止损"), Side.SELL),
)
# 揸/沽 are Cantonese; 多/空 alone are a side only right before the instrument ("空美油1手").
BUY_VERB: Final = _any(
    r"买入|买进|买涨|做多|开多|追多|进多|加多|抄底|挂多|买|揸|多(?<![平清]多)(?=\s*§)"
    r"|\bbuy(?:ing)?\b|\blong\b|\b(?:go|get) long\b|\bload(?: up)?\b"
)
SELL_VERB: Final = _any(
    r"卖出|卖空|卖跌|做空|开空|追空|沽空|加空|挂空|卖|沽|空(?<![平清放]空)(?=\s*§)"
    r"|\bsell(?:ing)?\b|\bshort\b|\b(?:go|get) short\b"
)
OPEN_VERB: Final = _any(
    r"开仓|下单|建仓|开单|进场|入场|加仓|开一单|下一单|落单|落盘"
    r"|\bopen\b|\bplace\b|\benter\b|\bnew (?:order|trade)\b"
)
CLOSE_VERB: Final = _any(
    r"一键清仓|清仓|清空|全平|平仓|平掉|平了|平多|平空|减仓|减持|出场|离场|了结|平|关掉|关了|关闭|全关|关仓|砍掉|砍仓|砍|斩仓|斩"
    r"|\bclose\b|\bflatten\b|\bexit\b|\bliquidate\b|\bsquare off\b|\bkill\b|\bnuke\b|\bbank\b|\bcut\b"
    r"|\bget out of\b|\bclose out\b|\btake off\b|\bsquare up\b|\b(?:go|get) flat\b"
)
CANCEL_VERB: Final = _any(
    r"撤单|撤销|撤掉|撤回|撤|删单|删除|删掉|删|取消|\bcancel\b|\bdelete\b|\bremove\b|\bpull\b(?! ?back)"
)
# 锁仓: open the opposite side of the same size ("lock" intent).
LOCK_VERB: Final = _any(r"锁仓|锁单|锁住|锁一下|\block\b|\bhedge (?:it|my|the)\b")
MODIFY_VERB: Final = _any(
    r"修改|更改|变更|调整|改|设置|设|调|移动|移|挪|\bmodify\b|\bchange\b|\bmove\b|\bset\b|\bupdate\b"
    r"|\badjust\b|\bamend\b|\btrail\b"
)
PENDING_WORD: Final = _any(r"挂单|挂|\bpending\b")
# Every verb above: a message with none of them is never a trade, so the rest of the check is skipped.
ANY_VERB: Final = _union(
    [BUY_VERB, SELL_VERB, OPEN_VERB, CLOSE_VERB, CANCEL_VERB, LOCK_VERB, MODIFY_VERB, PENDING_WORD]
)

ORDER_TYPES: Final = Table[OrderType](
    (_re(r"限价|回调单|回踩单|反弹单|\blimits?\b"), OrderType.LIMIT),
    (_re(r"突破单|跌破单|止损挂单|突破挂单|\bstops?\b(?!\s?loss)"), OrderType.STOP),
    (_re(r"挂单|挂|\bpending\b"), OrderType.PENDING),
    (_re(r"市价|现价|立即|立刻|马上|即刻|即市|\bmarket\b|\bnow\b|\bmkt\b"), OrderType.MARKET),
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
        _re(
            r"盈利的|赚钱的|有盈利|浮盈|盈利单|盈利中|赚紧|赚钱嘅"
            r"|\bprofitable\b|\bwinning\b|\bin profit\b|\bwinners\b"
            r"|\bin the green\b|\bgreen (?:ones|trades|positions)\b"
        ),
        Selector.PROFITABLE,
    ),
    (
        _re(
            r"亏损的|亏钱的|亏的|浮亏|亏损单|亏损中|蚀紧|亏紧|蚀钱嘅|坐艇|坐紧艇"
            r"|\blosing\b|\bin loss\b|\blosers\b|\bin the red\b"
            r"|\bred (?:ones|trades|positions)\b|\bunderwater\b"
        ),
        Selector.LOSING,
    ),
    (_re(r"最早|最老|最旧|最先|第一(?:个|单|笔|张)|\bearliest\b|\boldest\b|\bfirst\b"), Selector.EARLIEST),
    (_re(r"最新|最近|最晚|最后|刚开的|\blatest\b|\bnewest\b|\bmost recent\b|\blast\b"), Selector.LATEST),
    (
        _re(
            r"全部|所有|全平|全关|一键|清仓|统统|统一|一律|都平|全都|晒|都(?=\s*(?:§|平|关|砍|撤|删|去掉|取消|改|移|设|调|清))"
            r"|\ball\b|\beverything\b|\bevery\b|\beach\b"
        ),
        Selector.ALL,
    ),
)
# English desk verbs that say which positions: kill the losers, bank the winners, nuke everything.
IMPLIED_SELECTORS: Final = Table[Selector](
    (_re(r"\bkill\b|\bcut (?:my |the )?loss(?:es|ers)?\b"), Selector.LOSING),
    (_re(r"\bbank\b"), Selector.PROFITABLE),
    (_re(r"\bnuke\b|\b(?:go|get) flat\b|平晒|关晒|砍晒|斩晒|撤晒|清空"), Selector.ALL),
)
PERIODS: Final = Table[Period](
    (_re(r"上周|上个?星期|上个?礼拜|\blast week\b|\bprevious week\b"), Period.LAST_WEEK),
    (_re(r"上个?月|\blast month\b|\bprevious month\b"), Period.LAST_MONTH),
    (_re(r"昨天|昨日|琴日|寻日|\byesterday\b"), Period.YESTERDAY),
    (_re(r"今天|今日|本日|当日|当天|日盈亏|日报|\btoday\b|\bdaily\b"), Period.TODAY),
    (
        _re(
            r"本周|这周|这个?星期|本星期|这个?礼拜|今个?礼拜|呢个?礼拜|今个?星期|呢个?星期|周盈亏|周报"
            r"|\bthis week\b|\bweekly\b|\bweek\b|\bwtd\b"
        ),
        Period.WEEK,
    ),
    (
        _re(r"本月|这个?月|当月|今个?月|呢个?月|月盈亏|月报|\bthis month\b|\bmonthly\b|\bmonth\b|\bmtd\b"),
        Period.MONTH,
    ),
    (_re(r"今年|本年|年度|全年|\bthis year\b|\bytd\b|\byear\b|\byearly\b"), Period.YEAR),
)
REPORTS: Final = Table[Report](
    (
        _re(
            r"对冲|锁仓|建议|\bhedg(?:e|ing)\b|\badvice\b|\bsuggestions?\b"
            r"|\brecommendations?\b|\bwhat should i do\b"
        ),
        Report.HEDGE,
    ),
    (_re(r"日报|每日报告|\bdaily report\b|\bdaily\b"), Report.DAILY),
    (_re(r"月报|月度报告|\bmonthly report\b|\bmonthly\b"), Report.MONTHLY),
)
# "各EA的情况" asks for the per-EA breakdown; "仓位调整建议" for the hedge report's suggestions.
REPORT_WORD: Final = _any(
    r"报告|报表|总结|日报|月报|周报|\breports?\b|\bsummary\b|\bdaily\b|\bmonthly\b|对冲分析|锁仓分析"
    r"|各(?:个)?ea|每个ea|所有ea|ea(?:的)?(?:情况|表现|状况|战绩)|\beach ea\b"
    r"|\bper[- ]ea\b|\bby ea\b|\bea (?:performance|stats)\b"
    r"|建议|\badvice\b|\bsuggestions?\b|\brecommendations?\b|\bwhat should i do\b"
)

CANCEL_OBJECT: Final = _any(r"单|挂|委托|\borders?\b|\bpending\b")

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
# "订阅日报", "取消月报", "退订", "/unsubscribe hedge", "stop the daily report": the whole message asks.
_KIND = r"(?P<kind>日报|月报|对冲报告|对冲分析|对冲|daily|monthly|hedge)?"
_TAIL = (
    r"\s*(?:报告|报表|reports?|推送|通知)?\s*(?:推送|订阅)?"
    r"\s*(?:了|吧|谢谢|,?\s*please|,?\s*thanks)?\s*[.!。！]?$"
)
SUBSCRIPTION_WORD: Final = _re(r"订阅|退订|subscri")
SUBSCRIBE: Final = _re(
    r"^(?:请|帮我|我要|我想|给我)?\s*(?:订阅|订|/subscribe|subscribe(?:\s+me)?(?:\s+to)?)\s*(?:一下|每天的|每月的)?\s*"
    rf"(?:the\s+)?{_KIND}{_TAIL}"
)
# Without a kind only the explicit words count: a bare "取消" is about the conversation (cancel).
UNSUBSCRIBE: Final = _re(
    r"^(?:请|帮我|我要|我想)?\s*(?:(?P<all>取消订阅|退订|/unsubscribe|unsubscribe(?:\s+me)?(?:\s+from)?)"
    r"|(?:取消|关闭|关掉|停止|停掉|不要再?|别再?|stop)\s*(?:接收|推送|发送|发|sending)?(?=\s*(?:the\s+)?(?:日报|月报|对冲|daily|monthly|hedge)))"
    rf"\s*(?:the\s+)?{_KIND}{_TAIL}"
)
SUBSCRIPTION_KINDS: Final = {
    "日报": Report.DAILY, "daily": Report.DAILY, "月报": Report.MONTHLY, "monthly": Report.MONTHLY,
    "对冲报告": Report.HEDGE, "对冲分析": Report.HEDGE, "对冲": Report.HEDGE, "hedge": Report.HEDGE,
}  # fmt: skip
