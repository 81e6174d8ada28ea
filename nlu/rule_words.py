"""The words of trade-management rules (docs/nlu.md, "Rules"): what each rule is called, its figures and
the words around them. Everything works on `normalize()`d text whose symbols are already blanked (§).

Each figure pattern consumes its own connective ("盈利30点**后**", "**after** 30 points", "到3700**就**"):
a condition is part of a rule only where it is the rule's measurable trigger, so every conditional word
left over afterwards still refuses the message (`rules.read`).
"""

from __future__ import annotations

from typing import Final

from nlu.regex import any_of as _any
from nlu.regex import compile_ as _re

NUM: Final = r"\d+(?:\.\d+)?"
_POINTS = r"(?:个)?点|points?(?![a-z])|pts?(?![a-z])"
_MONEY = r"美元|美金|刀|块钱|块|元|usd(?![a-z])|dollars?(?![a-z])|bucks(?![a-z])"
_RISK = r"r(?![a-z])|倍风险|倍的风险|倍初始风险|倍止损"
_UNIT = rf"{_POINTS}|{_MONEY}|{_RISK}"
POINTS_UNIT: Final = _re(rf"^(?:{_POINTS})$")
MONEY_UNIT: Final = _re(rf"^(?:{_MONEY})$")


def amount(tag: str, units: str = _UNIT) -> str:
    """A number with its unit: `$50`, `50美元`, `30点`, `1R` (groups `<tag>`, `<tag>_unit`, `<tag>_usd`)."""
    return rf"(?:\$\s*(?P<{tag}_usd>{NUM})|(?P<{tag}>{NUM})\s*(?P<{tag}_unit>{units}))"


def money(tag: str) -> str:
    """An amount of account currency: `$100`, `100美元`, `100 dollars`."""
    return amount(tag, _MONEY)


# --- what a message is about ------------------------------------------------------------------------
_NAMED = (
    r"保本|开仓价|入场价|进场价|成本价|成本位|\bbreak ?even|\bbreak-even\b|\bb/e\b"
    r"|\b(?:to|at) (?:the |my )?entry\b|移动止损|跟踪止损|追踪止损|移动止蚀|跟踪止蚀|\btrail|规则|\brules?\b"
    r"|分批|分段止盈|阶梯止盈|\bpartial|\bscal(?:e|ing) out\b|\bstaged\b"
    r"|回吐|吐回|\bgives? back\b|\bgiving back\b|\bgives? up\b"
    r"|锁定利润|锁住利润|锁利|保护利润|利润保护|利润锁定|\block(?:ing)? in\b|\block (?:the |my )?profits?\b"
    r"|\bprofit lock\b|\bprotect (?:the |my )?profits?\b"
)
# The cheap first check: a message without any of these is never about rules (most messages).
ANY: Final = _any(
    _NAMED + r"|亏(?<!盈亏)|回撤|损失|净值|\bequity\b|\bdrawdown\b"
    r"|\bloss(?<!stop loss)(?<!stoploss)(?:es)?\b|\bloses?\b|\blost\b|暂停|\bpause\b"
    # a staged take-profit always says a share ("平一半", "30%", "close half at 3700")
    r"|一半|半仓|%|百分之|分之|一成|二成|两成|三成|四成|五成|六成|七成|八成|九成|剩下|剩余"
    r"|\bhalf\b|\bthirds?\b|\bquarters?\b|\bthe rest\b"
)
# Past the first check, a rule names itself, or is a loss or a share with a figure (or 就) and a close or
# a pause: "平一半黄金" and "今天亏了多少" stop here, before the symbols are looked for.
NAMED: Final = _any(_NAMED)
FIGURE_OR_THEN: Final = _any(r"\d|就|百分之|分之|[一二两三四五六七八九]成")
CLOSES: Final = _any(
    r"平|清仓|清空|关掉|关闭|全关|砍掉|暂停|停止|禁止开仓|\bclose|\bflatten|\bliquidate|\bexit|\bkill"
    r"|\btake\b(?! ?profit)"
    r"|\bsell|\bbank|\bpause|\bstop trading|\bhalt|\bsuspend"
)

# --- listing and removing -------------------------------------------------------------------------
RULE_WORD: Final = _re(r"规则|\brules?\b")
# "/rules", "规则", "我的规则", "查看规则", "list rules", "show my active rules", "黄金的规则" (§ a symbol).
LIST: Final = _re(
    r"^(?:请|帮我|给我|我想|我要)?\s*(?:查看|查询|显示|看看|看下|看一下|列出|列一下|列表)?\s*(?:一下)?\s*"
    r"(?:我的|我|所有的?|全部的?|当前的?|现有的?|生效的?|有效的?|正在运行的?)?\s*(?:§+\s*(?:的)?)?\s*"
    r"(?:规则|交易规则|管理规则)(?:列表|清单|状态)?\s*(?:有哪些|都有哪些|有什么|是什么|都有什么)?\s*[?.!。！]*$"
    r"|^(?:please\s+)?(?:list|show(?: me)?|view|see|display|what are)?\s*"
    r"(?:my|all|the|all my|active|current)?\s*(?:active\s+|current\s+)?(?:§+\s+)?rules?\s*(?:list|status)?\s*"
    r"(?:(?:for|on|of)\s+)?(?:§+)?\s*(?:please)?\s*[?.!]*$"
    r"|^what rules (?:do i have|are (?:active|running|on|set))\s*[?.]*$"
)
# The number of a rule: "规则3", "规则 #3", "第3条规则", "3号规则", "rule 3", "rule #3", "rule no. 3".
RULE_ID: Final = _re(
    r"(?:规则|\brule)\s*(?:no\.?|number|编号|号)?\s*[#:]?\s*(?P<id>\d+)(?:\s*号)?"
    r"|第\s*(?P<nth>\d+)\s*(?:条|个|号)?\s*规则|(?P<num>\d+)\s*号\s*规则"
)
REMOVE_VERB: Final = _re(
    r"删除|删掉|删了|删|取消|移除|撤销|撤掉|撤除|去掉|去除|关闭|关掉|停用|停掉|停止|解除"
    r"|\bremove\b|\bdelete\b|\bcancel\b|\bdisable\b|\bturn off\b|\bdrop\b|\bstop\b|\bclear\b|\bkill\b"
)
# "删除所有规则", "remove all rules": every rule (listed and confirmed by the chat).
ALL_RULES: Final = _re(r"所有|全部|\ball\b|\bevery\b|\beach\b")

# --- the kind of rule -----------------------------------------------------------------------------
_BE = (
    r"保本(?:位|价|损|止损|点)?|开仓价|入场价|进场价|成本价|成本位"
    r"|\bbreak[- ]?even\b|\bb/e\b|\b(?:to|at) (?:the |my )?entry(?: price)?\b"
)
BE_WORD: Final = _re(_BE)
# The word with its offset: "保本加5点", "保本+5点", "开仓价+5点", "breakeven plus 5 points"; 减 lowers it.
BE_OFFSET: Final = _re(
    rf"(?:{_BE})(?:\s*(?P<sign>加|多|\+|\bplus\b|减|\bminus\b)\s*(?P<off>{NUM})"
    r"\s*(?:(?:个)?点|points?\b|pts?\b)?)?"
)
TRAIL_WORD: Final = _re(
    r"移动止损|跟踪止损|追踪止损|移动止蚀|跟踪止蚀"
    r"|\btrailing(?: stop(?: loss)?| sl)?\b|\btrail(?:ing)?\b(?:(?: my| the)? (?:stop|sl|stops)\b)?"
)
STAGED_WORD: Final = _re(
    r"分批止盈|分批平仓|分批出场|分段止盈|阶梯止盈|分批"
    r"|\bpartial (?:take[- ]?profits?|tps?|closes?|profits?)\b|\bscal(?:e|ing) out\b"
    r"|\bstaged (?:tp|take[- ]?profit)\b"
)
LOCK_WORD: Final = _re(
    r"锁定利润|锁住利润|锁利|保护利润|利润保护|利润锁定"
    r"|\block(?:ing)? in (?:the |my )?profits?\b|\block (?:the |my )?profits?\b|\bprofit lock\b"
    r"|\bprotect (?:the |my )?profits?\b"
)
GIVE_BACK_WORD: Final = _any(r"回吐|吐回|\bgives? back\b|\bgiving back\b|\bgive up\b|\bgives up\b")
LOSS_WORD: Final = _any(
    r"亏损|亏|回撤|损失|跌|下降|减少|缩水|\bdrawdown\b|\bloss(?:es)?\b|\bloses?\b|\blost\b|\bdown\b"
    r"|\bdrops?\b|\bfalls?\b"
)
# "回撤就全平", "亏损就平仓": a guard whose figure was not said (asked).
LOSS_THEN: Final = _re(r"(?:亏损|亏了|亏|回撤|损失)\s*(?:就|便|时|的时候)")
# The loss word a warning's figure took ("亏损2%提醒我，3%全平"), once the figures are read.
LOSS_NOUN: Final = _re(r"亏损|亏|回撤|损失|\bdrawdown\b|\bloss(?:es)?\b")

# --- scope -----------------------------------------------------------------------------------------
# The whole account: "所有持仓", "全部单子", "整个账户", "all positions", "everything".
WHOLE: Final = _re(
    r"(?:所有|全部|每个|每一|每)(?:的)?\s*(?:持仓|仓位|单子|订单|单|头寸)|整个账户|全账户|全部|所有|账户|户口"
    r"|\ball (?:my |the |of my |of the )?(?:open )?(?:positions|trades|orders)\b"
    r"|\bevery (?:open )?(?:position|trade)\b"
    r"|\beverything\b|\ball of them\b|\b(?:the |my )?(?:whole |entire )?account\b|\ball\b"
)
# Words for positions once the scope is read: "EA 20250101 的单子", "my gold positions".
POSITION_NOUN: Final = _re(
    r"(?:的)?\s*(?:单子|持仓|仓位|订单|头寸|这单|那单|单|仓)|\b(?:positions?|trades?|orders?)\b"
)

# --- figures and connectives ------------------------------------------------------------------------
_IF = r"(?:如果|若是|若|当|一旦|等到|等)?\s*"  # only where a measurable trigger follows (see the module doc)
_AFTER = r"(?:后|之后|以后|时|的时候|以上)"
_THEN = r"(?:就|再|便|才)?\s*(?:开始|启动|启用)?"
# A position's profit as a threshold (break-even trigger, trailing activation): 盈利30点后, after 30 points.
PROFIT_ZH: Final = _re(
    _IF
    + r"(?:§+\s*)?(?:的)?\s*(?P<pre>盈利|浮盈|赚了|赚|获利|利润|有)?\s*(?:到|达到|超过|满|大于|了)?\s*"
    + amount("zh")
    + rf"\s*(?P<post>{_AFTER})?\s*{_THEN}"
)
PROFIT_EN: Final = _re(
    r"(?:\b(?:after|once|when|if|at|from)\b\s*(?:(?:it|price|§+|the position|the trade|they|it'?s)\s+)?"
    r"(?:(?:is|are|'s|gets?|goes|reaches|hits|moves|runs|has|got)\s+)?(?:(?:up|in profit|into profit)\s+)?"
    r"(?:by\s+)?(?:a\s+)?(?:profit\s+of\s+)?\+?\s*"
    + amount("en")
    + r"(?:\s+(?:of\s+)?(?:profit|gain|up|in profit|in the money))?"
    r"|\+\s*" + amount("plus") + r"(?:\s+(?:of\s+)?(?:profit|gain|up|in profit))?"
    r"|" + amount("suffix") + r"\s+(?:of profit|in profit|profit|up)\b)"
    r"(?:\s*,?\s*\bthen\b)?(?:\s*\b(?:start(?:ing)?|begin)\b)?"
)
# A trailing distance: "20点", "20 points", "by 20 points", "2倍ATR", "ATR的2倍", "2x atr", "最近3根K线".
DISTANCE_POINTS: Final = _re(rf"(?:\bby\b|\bof\b|\bat\b)?\s*(?P<pts>{NUM})\s*(?:-\s*)?(?:{_POINTS})")
ATR: Final = _re(
    rf"(?:按|用|以|根据|\bby\b|\bat\b|\busing\b|\bwith\b)?\s*(?:(?P<k>{NUM})\s*(?:倍|x|×|\*)?\s*(?:的)?\s*"
    rf"(?:(?P<per>\d+)\s*(?:周期|期|-?period)\s*(?:的)?\s*)?atr(?:\s*\(\s*(?P<per2>\d+)\s*\))?"
    rf"|atr(?:\s*\(\s*(?P<per3>\d+)\s*\))?\s*(?:的)?\s*(?:x|×|\*)?\s*(?P<k2>{NUM})\s*倍?)"
)
CANDLES: Final = _re(
    r"(?:按|用|以|根据|跟着|沿|\bunder\b|\bbelow\b|\babove\b|\bbehind\b|\bby\b|\busing\b|\bwith\b|\bon\b)?\s*"
    r"(?:最近|过去|前|\bthe\b)?\s*(?:\b(?:last|past|previous|prior)\b)?\s*(?P<n>\d+)\s*(?:根|条|个)?\s*"
    r"(?P<tf>(?:m1|m5|m15|m30|h1|h4|d1|\d+\s*(?:分钟|小时)|日线|小时)\s*)?"
    r"(?:-\s*)?(?:k线|k|蜡烛图?|柱子?|\bcandles?\b|\bcandlesticks?\b|\bbars?\b)"
    r"(?:\s*(?:的)?\s*(?:高低点|最低点|最高点|低点|高点|lows?|highs?|'s? lows?|'s? highs?))?"
)
TIMEFRAME: Final = _re(
    r"(?:在|用|on|on the)?\s*\b(?P<code>m1|m5|m15|m30|h1|h4|d1)\b\s*(?:周期|图|chart|timeframe)?"
    r"|(?P<zh>1分钟|5分钟|15分钟|30分钟|1小时|小时线|4小时|日线)\s*(?:周期|图|级别)?"
    r"|\b(?P<en>hourly|4-hour|4 hour|1-hour|1 hour|daily|15-minute|5-minute)\s*(?:chart|candles?)?\b"
)
STEP: Final = _re(
    rf"(?:步长|每次(?:移动)?|每移动|每跳)\s*(?P<step>{NUM})\s*(?:{_POINTS})"
    rf"|\b(?:in\s+)?steps?\s+(?:of\s+)?(?P<step2>{NUM})\s*(?:{_POINTS})?"
)
# A staged take-profit's stage: "到3700平一半", "再到3750平30%", "盈利100点平一半", "close half at 3700".
SHARE: Final = (
    r"一半|半仓|(?:\d+(?:\.\d+)?)\s*%|百分之[零一二三四五六七八九十百]+"
    r"|[一二三四五六七八九十]分之[一二三四五六七八九十]"
    r"|[一二三四五六七八九]成|剩下的?|剩余的?|全部|所有|全平|\bhalf\b|\b(?:a|one|two) (?:third|quarter)s?\b"
    r"|\bthree quarters\b|\bthe rest\b|\beverything\b|\ball\b|\bit all\b"
)
_LEVEL_ZH = r"(?:价格)?\s*(?:到达|到了|到|涨到|跌到|升到|降到|达到|在|至|@)"
_CLOSE_ZH = r"(?:平(?:仓(?!位)|掉)?|减仓|出掉|出|止盈)"
_SEP = r"(?:[,，;；、。]|\band\b|\bthen\b|然后|接着)?\s*"
STAGE_ZH: Final = _re(
    _SEP + r"(?:再)?\s*(?:(?P<pprofit>盈利|浮盈|赚|获利)\s*(?:到|达到)?\s*(?P<pts>" + NUM + r")\s*(?:个)?点"
    r"|(?P<lvl>" + _LEVEL_ZH + r")?\s*(?P<price>" + NUM + r")(?P<dian>\s*点)?)"
    r"\s*(?:时|的时候|后)?\s*(?:就)?\s*(?:再)?\s*(?:全部|全)?\s*"
    + _CLOSE_ZH
    + r"\s*(?:掉)?\s*(?:仓位的?|持仓的?)?\s*"
    r"(?P<share>" + SHARE + r")?\s*(?:仓位|的仓位|持仓|仓)?"
)
STAGE_EN: Final = _re(
    _SEP + r"\b(?:close|take off|take|sell|exit|bank)\b\s*(?:another\s+)?(?P<share>" + SHARE + r")?"
    r"(?:\s*(?:\bmore\b|\boff\b|\bof\b|\bmy\b|\bthe\b|\bit\b|\bthem\b|\bpositions?\b|§+))*\s*"
    r"(?:\b(?:at|@|when it hits|when it reaches|on)\b\s*(?:(?P<plus>\+)\s*)?(?P<num>" + NUM + r")"
    r"(?P<en_pts>\s*(?:points?|pts?)(?:\s+(?:of\s+)?(?:profit|in profit|up))?)?)"
    r"|" + _SEP + r"(?P<share2>" + SHARE + r")\s*(?:more\s+)?\b(?:at|@)\b\s*(?P<num2>" + NUM + r")"
    r"(?P<en_pts2>\s*(?:points?|pts?)(?:\s+(?:of\s+)?(?:profit|in profit|up))?)?"
)
# Equity protection: a loss or drawdown of an amount, from a reference, then close (and pause).
_PERCENT = r"(?P<pct>" + NUM + r")\s*%|百分之(?P<pct_cn>[零一二三四五六七八九十百]+)"
_SUBJECT = (
    r"账户净值|净值|账户|户口|资金|\b(?:the |my )?(?:account'?s? )?equity\b"
    + r"|\b(?:the |my )?account\b|\bbalance\b"
)
# The guard's condition is its own: "如果账户亏损超过3%", "if the account loses 3%", "亏损超过3%时".
_GUARD_IF = (
    r"(?:(?:如果|一旦|若|当|\bif\b|\bwhen\b|\bonce\b)\s*"
    + rf"(?:(?:{_SUBJECT})\s*(?:的)?\s*|\b(?:i|we|it)\b\s*)?)?"
)
_MORE = r"超过|超出|达到|到了|到|满|大于|了|of|by|over|more than|exceeds?|reaches|hits|is|beyond|at least"
DRAWDOWN: Final = _re(
    _GUARD_IF + r"(?P<word>亏损|亏了|亏|回撤|损失|(?:" + _SUBJECT + r")\s*(?:下跌|跌了|跌|下降|减少|缩水)"
    r"|\b(?:loss|drawdown) limit(?: of| at| is)?|\bdrawdown\b|\bloss\b|\bloses\b|\blose\b|\blost\b"
    r"|\bdrawn down\b|(?:"
    + _SUBJECT
    + r")\s*(?:is\s+)?(?:\bdown\b|\bdrops?\b|\bfalls?\b|\bgoes down\b))"
    + rf"\s*(?:{_MORE})?\s*(?:(?:of|by|over|more than|than)\s+)?"
    + r"(?:"
    + _PERCENT
    + r"|"
    + money("amt")
    + r"|(?P<bare>"
    + NUM
    + r"))\s*(?:时|的时候|以上)?"
)
_NEVER = r"(?P<bare>(?!))"  # the same groups as DRAWDOWN, without a figure of no unit
LIMIT_ONLY: Final = _re(r"^\s*(?:" + _PERCENT + r"|" + money("amt") + r"|" + _NEVER + r")\s*$")
_CLOSE_AHEAD = (
    r"(?=\s*(?:就|便|则)?\s*(?:全部|所有|全)?\s*(?:平|清仓|清空|全平|全关|关掉|砍掉)"
    r"|\s*\b(?:close|flatten|liquidate)\b)"
)
# "亏损2%提醒我，3%全平": after the warning, the limit stands right before the close.
LIMIT_BEFORE_CLOSE: Final = _re(
    r"(?:[,，;；]\s*)?(?:"
    + _PERCENT
    + r"|"
    + money("amt")
    + r"|"
    + _NEVER
    + r")\s*(?:时|的时候)?"
    + _CLOSE_AHEAD
)
# What an equity guard watches: the account's equity (its scope is still the account, an EA or a symbol).
GUARD_SUBJECT: Final = _re(_SUBJECT + r"|余额")
# The chat's answers to a question: a figure alone.
MONEY_ONLY: Final = _re(r"^\s*(?:" + money("m") + r"|(?P<m_bare>" + NUM + r"))\s*$")
SHARE_ONLY: Final = _re(r"^\s*(?P<share>" + SHARE + r")\s*$")
REFERENCE_DAY: Final = _re(
    r"今天|今日|当天|当日|每天|每日|日内|单日|一天内?|日(?=\s*(?:亏损|回撤|损失|内))"
    r"|\bday_start\b|\bstart of (?:the )?day\b|\b(?:today'?s|today|daily|intraday|a day|per day|in a day"
    r"|on the day|each day|every day|day'?s)\b"
)
REFERENCE_PEAK: Final = _re(
    r"(?:从|自|较|相对)?\s*(?:历史)?(?:最高点?|最高净值|最高位|高点|峰值|顶点)\s*(?:起|开始|算起)?|最大回撤"
    r"|\bfrom (?:the |its |my |a )?(?:peak|high|top|highest|high[- ]water mark)\b|\bpeak\b"
    r"|\bmax(?:imum)? drawdown\b"
)
REFERENCE_FIXED: Final = _re(
    r"(?:从|自)\s*(?:净值)?\s*"
    + money("fixed_zh")
    + r"\s*(?:起|开始|算起)?|(?:从|自)\s*(?P<fixed_bare>\d{3,})\s*(?:起|开始|算起)"
    r"|\bfrom\s+" + money("fixed_en")
)
CLOSE_ALL: Final = _re(
    r"(?:就|便|则)?\s*(?:全部|所有|全)?\s*(?:平仓|平掉|平|清仓|关掉|关闭|砍掉)\s*(?:所有|全部)?\s*(?:的)?"
    r"\s*(?:持仓|仓位|单子|订单|单)?|(?:就|便|则)?\s*(?:一键清仓|清仓|清空|全平|全关)"
    r"|(?:\bthen\s+)?\b(?:close|flatten|liquidate|exit|kill)\b(?:\s+(?:out|down))?"
    r"(?:\s+(?:all|everything|them all|it all|them|it|all (?:my )?(?:positions|trades)|every position"
    r"|the lot))?\b"
)
# Closing everything, said: the guard's scope is the whole account unless an EA or a symbol is named.
CLOSE_EVERYTHING: Final = _any(r"全部|所有|全平|全关|清仓|清空|\beverything\b|\ball\b|\bthe lot\b")
PAUSE: Final = _re(
    r"(?:并且|并|然后|再|同时|和|,|，|\band\b|\bthen\b|&)?\s*(?:暂停(?:所有)?(?:交易|开仓)?"
    r"|停止(?:所有)?(?:交易|开仓)|禁止开仓|停止|\bpause(?: (?:all )?trading)?\b|\bstop trading\b"
    r"|\bhalt(?: trading)?\b|\bsuspend trading\b|\bdisable trading\b)"
)
WARN: Final = _re(
    r"(?P<amount>" + _PERCENT.replace("pct", "wpct") + r"|" + money("wamt") + r")\s*(?:时|的时候|就|先)?\s*"
    r"(?:提醒我?|通知我?|预警|警告|告诉我|报警|发提醒)"
    r"|(?:\bwarn\b|\balert\b|\bnotify\b|\bping\b|\btell\b)\s*(?:me\s*)?(?:\b(?:at|when|if|on|once)\b)?\s*"
    r"(?:\b(?:it|the account|equity|i)\b\s*)?(?:(?:is|hits|reaches|loses|drops)\s+)?(?:down\s+)?"
    r"(?P<amount2>(?P<wpct2>" + NUM + r")\s*%|" + money("wamt2") + r")"
)
# A profit lock: "浮盈到100美元后回吐一半就全平", "lock profit: after $100, close if it gives back half".
LOCK_START: Final = _re(
    _IF
    + r"(?:浮盈|盈利|利润|赚)\s*(?:到|达到|超过|满|大于)?\s*"
    + money("zh")
    + r"\s*(?:后|之后|以后|时|的时候|以上)?\s*(?:再)?"
    r"|\b(?:after|once|when|at)\b\s*"
    r"(?:(?:the\s+)?(?:floating\s+)?profits?\s+(?:is|are|hits|reaches|gets to|of)?\s*)?"
    + money("en")
    + r"(?:\s+(?:of\s+)?(?:floating\s+)?(?:profit|gain))?"
)
GIVE_BACK: Final = _re(
    r"(?:如果|若|一旦|当)?\s*(?:浮盈|利润)?\s*(?:从最高点?)?\s*(?:回吐|吐回|回撤|回落|减少|缩水)\s*(?:了)?\s*"
    r"(?:到)?\s*"
    r"(?P<share>" + SHARE + r")\s*(?:的?利润|的浮盈)?\s*(?:后|时|的时候)?"
    r"|\b(?:if|once|when)?\s*(?:it|profit|the profit)?\s*(?:gives?|giving|gives up|give up)\s*(?:back|up)?\s*"
    r"(?P<share2>" + SHARE + r")(?:\s+(?:of\s+)?(?:it|the peak|that|the profit|its peak))?"
)
# Words a rule may hold once its figures and scope are read: plain filler and the verbs of setting one.
SETTING: Final = _re(
    r"设置|设定|设好|设成|设为|设到|设在|设|开启|启用|打开|开个|开一个|加个|加一个|加上|来个|来一个|弄个|搞个"
    r"|做个|上个|开始|启动|移到|移至|移去|移动到|拉到|提到|推到|调到|调整到|调整|改到|改为|改成|放到|放在|挪到"
    r"|上移到|上移|移|挪|拉|一下"
    r"|止损|止蚀|自动|帮我|给我|把|将|为|给|用|按|以|在|对|的"
    r"|\bmove\b|\bset(?: up)?\b|\bput\b|\bshift\b|\bdrag\b|\bpull\b|\braise\b|\badd\b|\benable\b|\bactivate\b"
    r"|\bturn on\b|\buse\b|\bplace\b|\bapply\b|\bstart\b|\bmy\b|\bthe\b|\ba\b|\ban\b|\bto\b|\bon\b"
    r"|\bfor\b|\bof\b"
    r"|\bat\b|\bstops?\b|\bsl\b|\bs/l\b|\bstop loss\b|\bplease\b|\bpls\b|\bnow\b|\bit\b|\bits\b|\bme\b|\bi\b"
    r"|\bwant\b|\bautomatically\b|\bauto\b|\bwith\b|\bin\b|\bby\b|谢谢|多谢|\bthanks\b|\bthx\b|\bty\b"
)
