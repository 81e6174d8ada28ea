"""Safety cues and query words: what stops a trade (question, negation, past, condition, deferral, someone
else's words) and what a message without a trading verb asks about.

Everything here works on `normalize()`d text (half-width, simplified, lower case) after the scan has
blanked the spans it consumed. Mandarin, Cantonese (in simplified form after normalisation) and English.
The rules and the reasons are in docs/nlu.md ("Safety rules").
"""

from __future__ import annotations

from typing import Final

from nlu.command import Intent
from nlu.regex import Table
from nlu.regex import any_of as _any
from nlu.regex import compile_ as _re
from nlu.regex import union as _union

# --- safety cues --------------------------------------------------------------------------------------
QUESTION: Final = _re(
    r"\?|吗|嘛|么|呢|要不要|该不该|能不能|可不可以|可以不|是不是|会不会|应不应该|是否|还能|应该|值得|好不好|行不行"
    r"|如何|怎么|为什么|为何|多少|哪|几手|几多|咩|点解|点样|边个|边只|系咪|可唔可以|好唔好|使唔使|应唔应该|要唔要"
    r"|得唔得|会唔会|啱唔啱|系唔系|有冇|未呀|未啊"
    r"|请问|问下|问一下"
    r"|^(?:[\s,.!~，。！、…]|请|麻烦|帮我|唔该|那个|嗯|\b(?:pls|please|ok|okay|so|hey|hi|um|and)\b)*"
    r"(?:should|shall|could|would|can|may|might|is|are|do|does|did|will|what|why|how|which|when|where)\b"
    r"|\b(?:should i|should we|do you think|worth|whether|any good|(?:can|could|would|will) you)\b"
)
NEGATION: Final = _re(
    r"不要|不用|不想|不必|不需要|不准|不许|不能|不可|不会|不该|暂不|先不|不(?=买|卖|平|做|开|下|撤|改|加|挂|取消|动|沽|揸|关|砍|锁)"
    r"|别(?<![类区分特级个告识性辨]别)|勿|莫|禁止|没有|没|未|千万|算了|拉倒|唔(?!该)|冇|咪|千祈|不了"
    r"|\b(?:don'?t|do not|never|not|no|nope|won'?t|cannot|can'?t|shouldn'?t|didn'?t|avoid|hold off|nvm"
    r"|never ?mind|forget (?:it|that|about)|scratch that|belay)\b"
)
PAST: Final = _re(
    r"昨天|昨日|昨晚|前天|刚才|刚刚|之前|以前|上次|上周|上个?月|去年|已经|已|曾经|曾|当时|那时|咗|琴日|寻日|头先|啱啱"
    r"|过(?=[\s,.!?~，。！？、…]*$)"
    r"|\b(?:yesterday|earlier|already|ago|last (?:week|month|time|night)|previously|before|just now)\b"
    r"|\b(?:went|placed|had|was|were|did|got filled|filled)\b"
    r"|\b(?:i have|i've|we have|we've|i'd)\b"
)
# 买了/平了 reads as a statement unless the sentence is clearly an imperative (把…平了, 帮我平了, 平了吧).
# 关了 is the imperative "close it" unless someone says they did it (我关了).
PAST_LE: Final = _any(r"(?:买|卖|平|开|做多|做空|下|撤|改|加|仓|单|沽|揸|砍|锁)(?:了|过)|我关了|关过")
IMPERATIVE: Final = _any(r"把|帮|请|给我|吧|它")
HYPOTHETICAL: Final = _re(
    r"如果|假如|假设|要是|万一|若是|倘若|一旦|的话|等到|考虑|打算|准备|计划|也许|可能|或许|到时|如若|若然|假使"
    r"|谂住|想住|想着|琢磨"
    r"|就(?<!现在就)(?<!马上就)(?<!立刻就)(?<!立即就)(?!是)|等(?!等|于|级)|才(?=\s*(?:买|卖|平|做|开|撤|进|挂|沽|揸|关|加|下|入))"
    r"|后再|再说|再算|再讲|再睇|再看|之后|以后|过后|然后|前再|后(?<!最后)(?<=\S后)(?=\s*(?:买|卖|平|做|开|撤|进|挂|沽|揸|关|加|下|入|先))"
    r"|先(?<=\S先)(?!\s*(?:不|平|买|卖|撤|做|开))|先(?<=.先)(?=[\s,.!?~，。！？、…]*$)"
    r"|\b(?:if|when|once|suppose|assuming|in case|unless|whenever|wait|waiting|after|afterwards|post|upon"
    r"|until|till|unless|maybe|perhaps|might|plan|planning|thinking|considering|would|gonna|going to|about to"
    r"|should|could|eventually|soonish)\b"
)
# Not now, not the user's, not serious: a later time, someone else's trade, a signal, a joke, a drill.
NOT_NOW: Final = _re(
    r"明天|明日|后天|下周|下个?星期|下个?礼拜|下个?月|今晚|晚上|稍后|待会|等会|等一下|一会|回头|开盘|收盘|收市|开市|夜盘"
    r"|周一|周五|下次|听日|听朝|听晚|迟啲|迟些|迟点|晚啲|晚点|晚些|阵间|一阵|过会|等下|稍等|公布|数据出|非农|议息|月底|周末"
    r"|收工|放工|下班|食完|吃完|睡醒|起床|开完会|明儿|明早|明晚|明个|改天|改日|过两天|过几天|隔日|第二天|早上|下午|晚些时候"
    r"|\b(?:tomorrow|tonight|later|next (?:week|month|time|session)|at (?:the )?(?:open|close)|on monday"
    r"|this (?:evening|afternoon|weekend)|eod|end of (?:day|week|session)|london open|ny open|new york open"
    r"|nfp|cpi|fomc|payrolls|the news|the data|the release|the print|soon|in a bit|in a while"
    r"|tmr|tmrw|tmw|tmrrw|2moro|2mrw|tomoz|tomo|overnight|next day|this (?:pm|am)|in the morning"
    r"|on (?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|in (?:an?|one|two|few|\d+) (?:hours?|minutes?|mins?|secs?|seconds?))\b"
)
NOT_MINE: Final = _re(
    r"他|她|佢|人哋|人地|别人|朋友|老师|师傅|群里|群主|群组|群友|分析师|听说|据说|建议|推荐|喊单|带单|跟单|信号|说|讲"
    r"|话(?=要|买|卖|平|沽|揸|做|开|撤|锁)|叫我"
    r"|开玩笑|玩笑|哈哈|嘻嘻|呵呵|笑死|讲笑|玩下|玩吓|假装|模拟|测试|演示|老公|老婆|老板|老细"
    r"|大家|大伙|人家|其他人|网友|有人|群友"
    r"|\b(?:he|she|they|them|their|his|her|someone|somebody|people|everyone|friend|analyst|mentor|guru"
    r"|says|said|saying|suggests?|recommends?|recommended|signal|signals|tip|tips|joke|joking|kidding"
    r"|lol|haha|hehe|lmao|rofl|jk|jks|j/k|pretend|simulate|test|testing|demo"
    r"|my (?:wife|husband|boss|brother|sister|dad|mom)|ppl|everybody|folks|the guys|some guy|a guy"
    r"|channel|group|discord|twitter|copy)\b"
)
# Past forms of trading verbs: a report of what happened, not a request (refused even as a query).
PAST_TRADE: Final = _any(
    r"\b(?:bought|sold|closed|opened|cancell?ed|modified|shorted|exited|longed|loaded|flattened|banked"
    r"|killed|nuked|dumped)\b|买过|卖过|平过|撤过|沽过|揸过"
)
# What the command cannot express (an exception, a trailing stop, a vague part): refused, never approximated.
# Fractions ("一半", "half", "30%") are read by the scan as `fraction` and only reach this when left over.
UNSUPPORTED: Final = _re(
    r"一半|半仓|部分|%|百分之|分之|除了|除去|以外|之外|保留|留着|留下|保本|跟踪止损|移动止损|反向|一些|一点点|少少|几单|几张"
    r"|\b(?:half|percent|part|partial|partially|some|except|excluding|but|besides|other than|keep|breakeven"
    r"|break even|b/e|trailing|trail|third|quarter|bit|a few|several|a couple|couple of)\b"
)
UNSAFE: Final = _union([QUESTION, NEGATION, HYPOTHETICAL, PAST, PAST_TRADE, UNSUPPORTED, NOT_NOW, NOT_MINE])
# What stops an LLM's rule (docs/nlu.md, "Rules"): every cue but "not expressible", which lists the rules'
# own words (保本, trailing, %). A condition counts too: the offline reader takes a rule's own trigger.
RULE_UNSAFE: Final = _union([QUESTION, NEGATION, HYPOTHETICAL, PAST, PAST_TRADE, NOT_NOW, NOT_MINE])
# Two actions in one message ("平仓并反手做空") are never split into a guess: refused.
SEQUENCE: Final = _any(
    r"反手|然后|之后|接着|并且|并|同时|顺便|再(?=\s*(?:买|卖|开|做|平|沽|揸))|反空|反多|翻空|翻多|\bthen\b|\bafter\b|\balso\b"
    r"|\breverse\b|\bflip\b|\bswitch\b|\band (?=buy|sell|close|open|cancel|long|short|go|flip|reverse)"
)

# --- queries (used only when no trading verb is present) ---------------------------------------------
# "Which symbol lost most?" needs reasoning over data: the LLM's job. "哪些" only lists, so it is a query.
# "EA 123 的情况": with a magic number, how it is doing is that EA's report.
STATUS: Final = _any(r"情况|表现|状况|战绩|\bperformance\b|\bstats\b|\bdoing\b")
FREE_FORM: Final = _any(r"哪(?!些)|为什么|为何|点解|对比|比较|分析|\bwhich\b|\bwhy\b|\bcompare\b")
QUERIES: Final = Table[Intent](
    (
        _re(
            (
                r"盈亏|损益|收益|利润|盈利|亏损|赚了|亏了|赚钱|亏钱|战绩|赚咗|蚀咗|赚紧|蚀紧|赚|(?<!止)蚀"
                r"|\bpnl\b|\bp&l\b|\bp/l\b|\bprofits?\b|\bloss\b|\bmake\b|\bmade\b|\bearn(?:ed)?\b|\blost\b"
                r"|\bearnings\b|\bgains?\b|\bup or down\b|\bperformance\b"
                r"|\bhow am i doing\b|\bhow'?s my (?:day|week|month)\b"
                r"|\blose\b|\bdown\b(?= (?:today|this))"
            )
        ),
        Intent.PNL,
    ),
    (_re(r"挂单|委托|\bpending\b|\borders?\b|\bpendings\b|\bworking orders\b"), Intent.ORDERS),
    (
        _re(
            r"持仓|仓位|头寸|订单|单子|多单|空单|揸住|手上|仓|什么单|哪些单|咩单|啲单|有单|几多手|多少手"
            r"|\bpositions?\b|\btrades\b|\bholdings\b|\bportfolio\b|\bexposure\b|\bholding\b"
        ),
        Intent.POSITIONS,
    ),
    (
        _re(
            r"账户|账号|户口|余额|净值|保证金|可用资金|资金|预付款|本金"
            r"|\baccount\b|\bbalance\b|\bequity\b|\bmargin\b|\bfunds\b|\bmoney\b|\bcash\b"
        ),
        Intent.ACCOUNT,
    ),
    (
        _re(
            r"报价|行情|价格|现价|多少钱|点位|走势|什么价|啥价|咩价|几钱|价钱|几多|多少|几价|点样|怎么样|如何|几点|几多点"
            r"|\bquote\b|\bprice\b|\brate\b|\bwhere(?:'s| is)\b|\btrading at\b|\bhow much is\b|\bwhat'?s\b"
        ),
        Intent.QUOTE,
    ),
    (
        _re(
            r"帮助|菜单|使用说明|说明书|怎么用|命令列表|指令|会些什么|会什么|能做什么|能干什么|可以做什么|有什么功能|识做咩|识乜"
            r"|能干嘛|会干嘛|干嘛用|功能|用法"
            r"|\bhelp\b|\bmenu\b|\bcommands\b|\bhow to use\b"
            r"|\bwhat can (?:you|u) do\b|\bwhat do (?:you|u) do\b"
            r"|\bwhat can i (?:say|ask|type)\b|\bhow does (?:this|it) work\b|^\?$|^start$"
        ),
        Intent.HELP,
    ),
)
QUOTE_FILLER: Final = _re(r"[\s§,.!?;:。、]|现在|目前|当前|实时|而家|依家|\bnow\b")

# Every English word a trading command may contain once symbols and numbers are read: its verbs, side and
# order words, selectors, field words and plain filler. Any other word in an English trading message
# means something was said that the parser did not read ("buy gold tmr", "jk close gold", "vip signal
# buy gold"): the message is refused rather than acted on. Chinese is not checked word by word.
TRADE_WORDS: Final = frozenset(
    """
    a an the my me i want wanna need to for of on at in from with and it its them those these this all
    every each everything both please pls plz ok okay now asap rn immediately right away quick quickly just
    thanks thx ty cheers
    buy buying sell selling long longs short shorts buys sells go get load up open opening place enter
    new close closing flatten flat exit liquidate square off out take kill nuke bank cut pull lock hedge
    cancel delete remove modify change move set update adjust amend raise lower tighten widen drag put shift
    market mkt limit limits stop stops pending order orders position positions trade trades ticket magic ea
    lot lots size volume vol price sl tp stp tgt target loss profit profits
    most biggest worst best earliest oldest first latest newest last recent profitable winning winners
    losing losers losses loser winner green red ones underwater
    half third thirds quarter quarters three
    """.split()  # trigger words ("break above", "dips to") are read with their price; left over they are not
)

# The Chinese characters a trading command may still contain once symbols, numbers and fields are read
# (see `trade_chars`): the characters of the trading vocabulary (verbs, side and order words, selectors,
# fills) and of plain politeness and filler. A character outside them in a trading message is a word
# the parser did not read ("兄弟们冲 买黄金", "主力在砸 平仓"): refused, as in English.
FILLER_CHARS: Final = frozenset(
    "帮我给请麻烦下一个点吧啊呀哦啦咯呗噢嗯那这的了把都全部所有现在马上立即刻来搞弄整单手订要就是子将唔该啲嗰嘅旧您你替对于按用从向往忙哈赶快速"
)
