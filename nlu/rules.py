"""Trade-management rules from chat (issue 19): setting one, listing them, removing one (docs/nlu.md).

`read` runs before the trading parser, on a message that mentions a rule at all (`rule_words.ANY`; most
messages do not and cost that one check). It answers `None` when the message is no rule after all (then
the trading parser reads it as before), or a command: `rule_set` with the exact `RuleSpec`, `rule_set`
with the `needs` the chat asks (a figure or the scope not said), `rule_list`, `rule_remove`, or
`unknown`. The safety rules are the trading parser's: whatever is left once the rule's words, figures
and scope are read must be plain filler, with no question, negation, past, condition, deferral, someone
else's words, and no digit or word nobody read. A condition is part of a rule only as its measurable
trigger ("盈利30点后", "到3700就", "after 30 points"), which the figure readers consume.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from pydantic import ValidationError

from mt5bridge.common.rulespec import RuleSpec, Scope
from mt5bridge.common.vocab import RuleKind, Selector
from nlu import cues as C
from nlu import patterns as P
from nlu import rule_closes as CL
from nlu import rule_reading as K
from nlu import rule_stops as ST
from nlu import rule_words as W
from nlu.command import UNKNOWN, Command, Intent, RuleNeed
from nlu.lexicon import Lexicon
from nlu.normalize import BLANK, cn_to_number
from nlu.regex import compile_ as _re

Answers = Mapping[RuleNeed, str]  # the chat's answers to the questions asked so far, as typed or pressed

_READERS: dict[RuleKind, Callable[[K.Reading], K.Action | None]] = {
    RuleKind.BREAK_EVEN: ST.break_even,
    RuleKind.TRAILING: ST.trailing,
    RuleKind.STAGED_TP: CL.staged,
    RuleKind.EQUITY_GUARD: CL.equity_guard,
    RuleKind.PROFIT_LOCK: CL.profit_lock,
}
# Rules on positions ask which ones when none are named; an account's guard and lock watch the account.
_ON_POSITIONS = frozenset({RuleKind.BREAK_EVEN, RuleKind.TRAILING, RuleKind.STAGED_TP})
_NEEDS_ORDER = (
    RuleNeed.SCOPE, RuleNeed.DISTANCE, RuleNeed.STAGES, RuleNeed.LIMIT, RuleNeed.REFERENCE,
    RuleNeed.LOCK_START, RuleNeed.GIVE_BACK,
)  # fmt: skip

# Chinese numerals before a unit: 三十点 30点, 两倍ATR 2倍ATR, 三根K线 3根K线, 第三条规则 第3条规则.
# 一点 alone is "a little", never one point.
_CN_FIGURE = _re(
    r"(?<![零〇一二两三四五六七八九十百千万])([零〇一二两三四五六七八九十百千万]+)(?=\s*(?:个)?\s*(?:点|倍|根|条|美元|美金|刀|块|元))"
)
_KIND_NOUN = (
    r"保本|移动止损|跟踪止损|追踪止损|分批止盈|分批平仓|净值保护|回撤保护|亏损保护|锁利|利润保护|利润锁定"
    r"|\bbreak[- ]?even\b|\bb/e\b|\btrailing(?: stop)?\b|\btrail\b|\bpartial (?:take[- ]?profits?|tps?)\b"
    r"|\bequity (?:guard|protection)\b|\bdrawdown (?:guard|protection)\b|\bprofit lock\b"
)
_REMOVE_KIND = _re(
    r"^[\s,，]*(?:请|帮我|把|将|please\s+)?\s*(?:"
    + W.REMOVE_VERB.pattern
    + r")\s*(?:掉|了)?\s*(?:\b(?:the|my)\s+)?"
    r"(?:[§\s]*(?:的)?\s*(?:多单|空单|longs|shorts)?\s*(?:的)?\s*)(?P<k1>" + _KIND_NOUN + r")"
    r"|(?P<k2>"
    + _KIND_NOUN
    + r")\s*(?:规则)?\s*(?:"
    + W.REMOVE_VERB.pattern
    + r")\s*(?:掉|了|吧)?[\s.!。！]*$"
)
_KIND_NOUN_RE = _re(_KIND_NOUN)
_STOP_TRAILING = _re(r"\bstop (?:the |my )?trail")


def mentions_rule(norm: str) -> bool:
    """The cheap check `read` starts with: a word of some rule, or of rules."""
    return W.ANY.search(norm)


def _may_be_rule(norm: str) -> bool:
    """A rule's own word, or a loss or share with a figure (or 就) and a close or pause word."""
    if not W.ANY.search(norm):
        return False
    return W.NAMED.search(norm) or (W.FIGURE_OR_THEN.search(norm) and W.CLOSES.search(norm))


def read(norm: str, words: Lexicon, answers: Answers | None = None) -> Command | None:
    """The rule command `norm` (normalised, after its slash) asks for; None when it is no rule at all."""
    if not _may_be_rule(norm):
        return None
    r = _start(norm, words, answers or {})
    if C.NOT_NOW.search(norm):
        r.bad = True  # "... at the close", "明天": a time is never part of a rule, whichever words it shares
    if W.RULE_WORD.search(r.text):
        return _about_rules(r)
    if _REMOVE_KIND.search(r.text) or _STOP_TRAILING.search(r.text):
        return _remove_by_kind(r)
    kinds = _kinds(r)
    if not kinds:
        return None
    if len(kinds) > 1 or r.bad:
        return UNKNOWN  # two rules in one message ("保本并移动止损20点"), or a ticket said twice
    return _set(r, kinds.pop())


def _start(norm: str, words: Lexicon, answers: Answers) -> K.Reading:
    """The reading with the symbols blanked (§), numerals before a unit as digits, ticket and EA read."""
    r = K.Reading(text=norm, bands=dict(words.bands), answers=answers, words=words)
    for canonical, start, end in words.symbols_in(norm):
        r.symbols.add(canonical)
        r.text = r.text[:start] + BLANK * (end - start) + r.text[end:]
    r.text = with_digits(r.text)
    _identifiers(r)
    return r


def with_digits(text: str) -> str:
    """Chinese numerals before a unit as digits: 三十点 30点, 两倍ATR 2倍ATR (一点 stays "a little")."""
    return _CN_FIGURE.sub(_digits, text) if _CN_FIGURE.search(text) else text


def _digits(match: re.Match[str]) -> str:
    text = match.group(1)
    if text == "一" and match.string[match.end() :].lstrip().startswith("点"):
        return text
    value = cn_to_number(text)
    return text if value is None else f"{value:g}"


def _identifiers(r: K.Reading) -> None:
    """A ticket (#123, 单号123) and an EA (EA 20250101, magic 7); two of them, or one longer than 18 digits
    (no MT5 ticket or magic is), make the reading bad."""
    if P.TICKET_ANY.search(r.text):
        r.ticket = _identifier(r, r.take(P.TICKET))
    if P.MAGIC_ANY.search(r.text):
        r.magic = _identifier(r, r.take(P.MAGIC))


def _identifier(r: K.Reading, matches: list[re.Match[str]]) -> int | None:
    said = {m.group(1) for m in matches}
    if len(said) > 1 or any(len(digits) > 18 for digits in said):
        r.bad = True
        return None
    return int(said.pop()) if said else None


def _side(r: K.Reading) -> None:
    sides = set()
    if P.SIDE_NOUN.any.search(r.text):
        for pattern, side in P.SIDE_NOUN.rows:
            if r.take(pattern):
                sides.add(side)
    r.bad = r.bad or len(sides) > 1
    r.side = sides.pop() if len(sides) == 1 else None


def _kinds(r: K.Reading) -> set[RuleKind]:
    """Which rules the message names: each kind by its own words (a profit lock's 回撤 is not a guard's)."""
    text = r.text
    kinds: set[RuleKind] = set()
    if W.TRAIL_WORD.search(text):
        kinds.add(RuleKind.TRAILING)
    if W.BE_WORD.search(text):
        kinds.add(RuleKind.BREAK_EVEN)
    if W.LOCK_WORD.search(text) or (
        (W.GIVE_BACK_WORD.search(text) or _lock_by_start(text)) and W.CLOSES.search(text)
    ):
        kinds.add(RuleKind.PROFIT_LOCK)  # a give-back says what it does: 锁定利润, or a close
    elif _guard(r):
        kinds.add(RuleKind.EQUITY_GUARD)
    if W.STAGED_WORD.search(text) or _staged(r):
        kinds.add(RuleKind.STAGED_TP)
    return kinds


def _lock_by_start(text: str) -> bool:
    """ "浮盈到100美元后回撤一半": a floating profit's start, then a share of it given back."""
    start = W.LOCK_START.search(text)
    return start is not None and W.GIVE_BACK.search(text, start.end()) is not None


def _guard(r: K.Reading) -> bool:
    """A loss or drawdown of a figure (or said with 就), closing or pausing, and what it is about: the
    account's equity, everything, an EA or a symbol ("如果亏到500就砍掉" says none of them: not a rule)."""
    text = r.text
    if not W.LOSS_WORD.search(text):
        return False
    closes = W.CLOSE_ALL.search(text) is not None or W.PAUSE.search(text) is not None
    if not closes or (W.DRAWDOWN.search(text) is None and W.LOSS_THEN.search(text) is None):
        return False
    named = r.symbols or r.magic is not None or r.ticket is not None
    return bool(
        named or W.GUARD_SUBJECT.search(text) or W.WHOLE.search(text) or W.CLOSE_EVERYTHING.search(text)
    )


def _staged(r: K.Reading) -> bool:
    """A level, a close and a share of it: "到3700平一半", "盈利100点平一半", "close half at 3700". A whole
    close at a price ("close gold at 3300") may be a stop as well as a target: not read as a stage."""
    text = r.text
    for match in W.STAGE_ZH.finditer(text):
        if match.group("share") and (match.group("lvl") or match.group("pprofit") or CL.in_band(r, match)):
            return True
    return any(m.group("share") or m.group("share2") for m in W.STAGE_EN.finditer(r.text))


def _set(r: K.Reading, kind: RuleKind) -> Command:
    _side(r)
    if kind in _ON_POSITIONS and not _named(r):
        _answered_scope(r)  # before the figures: a stage's price must fit the symbol answered
    try:
        action = _READERS[kind](r)
    except (ValidationError, ValueError):
        return UNKNOWN  # e.g. stages closing more than the whole position
    _whole(r)
    if not _settled(r):
        return UNKNOWN
    try:  # the model has the last word on every figure (a ticket beyond 64 bits, stages over the whole)
        scope = _scope(r, kind)
        if r.bad:
            return UNKNOWN
        needs = [n for n in _NEEDS_ORDER if n in r.needs or (n is RuleNeed.SCOPE and scope is None)]
        if needs or action is None or scope is None:
            return _asking(r, tuple(needs))
        return Command(intent=Intent.RULE_SET, rule=RuleSpec(scope=scope, action=action))
    except ValidationError:
        return UNKNOWN


def _named(r: K.Reading) -> bool:
    return bool(r.symbols) or r.ticket is not None or r.magic is not None or r.side is not None


def _whole(r: K.Reading) -> None:
    """ "所有持仓", "everything": the whole account, said; then the words for positions themselves."""
    if r.take(W.WHOLE):
        r.whole = True
    r.take(W.POSITION_NOUN)


def _scope(r: K.Reading, kind: RuleKind) -> Scope | None:
    """The positions named; the whole account for a guard or lock that names none; None: to be asked."""
    if len(r.symbols) > 1:
        r.bad = True
        return None
    if _named(r) or r.whole or kind not in _ON_POSITIONS:
        return Scope(ticket=r.ticket, symbol=r.symbol(), magic=r.magic, side=r.side)
    return None


def _answered_scope(r: K.Reading) -> None:
    """The chat's answer to "which positions?" (a symbol, a ticket, an EA, a side, or all of them), taken
    into the reading as if the message had said it; an answer that does not read leaves the need open."""
    text = r.answers.get(RuleNeed.SCOPE)
    if text is None or r.words is None:
        return
    answer = _start(text, r.words, {})
    _side(answer)
    _whole(answer)
    if answer.bad or len(answer.symbols) > 1 or not K.settled(answer.text):
        return
    if not (_named(answer) or answer.whole):
        return
    r.symbols, r.ticket, r.magic, r.side, r.whole = (
        answer.symbols,
        answer.ticket,
        answer.magic,
        answer.side,
        answer.whole,
    )


def _asking(r: K.Reading, needs: tuple[RuleNeed, ...]) -> Command:
    """A rule with a figure or the scope not said: the chat asks (`needs`); the scope read so far is in
    the command's own fields for its question (`selector=all`: the whole account)."""
    if not needs:
        return UNKNOWN
    return Command(
        intent=Intent.RULE_SET,
        symbol=r.symbol(),
        side=r.side,
        ticket=r.ticket,
        magic=r.magic,
        selector=Selector.ALL if r.whole else None,
        rule_needs=needs,
    )


def _settled(r: K.Reading) -> bool:
    """What no reader took is filler only: never a safety cue, a digit or an unread word."""
    r.take(W.SETTING)
    rest = r.text
    if C.UNSAFE.search(rest) or (C.PAST_LE.search(rest) and not C.IMPERATIVE.search(rest)):
        return False
    if C.SEQUENCE.search(rest) or P.ANY_VERB.search(rest):
        return False  # a second action ("黄金保本然后平仓白银")
    return K.settled(rest)


def _about_rules(r: K.Reading) -> Command:
    """ "规则", "/rules", "list rules" (a list); "删除规则3", "remove rule #3" (a removal); else unknown."""
    rule_id = r.one(W.RULE_ID)
    removing = r.take(W.REMOVE_VERB)
    if rule_id is not None:
        value = int(rule_id.group("id") or rule_id.group("nth") or rule_id.group("num"))
        if not removing or r.bad or value <= 0 or r.symbols or r.ticket or r.magic is not None:
            return UNKNOWN  # "规则3" alone, "规则3在黄金上": nothing we read
        r.take(W.RULE_WORD)
        return Command(intent=Intent.RULE_REMOVE, rule_id=value) if _settled(r) else UNKNOWN
    if not removing:
        return _listing(r)
    everything = bool(r.take(W.ALL_RULES))
    r.take(W.RULE_WORD)
    if r.bad or not _settled(r):
        return UNKNOWN
    if everything:
        return Command(intent=Intent.RULE_REMOVE, selector=Selector.ALL)
    return _which_rule(r)


def _listing(r: K.Reading) -> Command:
    if r.bad or r.ticket is not None or r.magic is not None or len(r.symbols) > 1:
        return UNKNOWN
    if not W.LIST.search(r.text):
        return UNKNOWN  # "规则怎么设", "不要规则": about rules, but nothing we read
    return Command(intent=Intent.RULE_LIST, symbol=r.symbol())


def _remove_by_kind(r: K.Reading) -> Command:
    """ "取消黄金保本", "stop trailing gold": which rule is asked, among those of the positions named."""
    r.take(_REMOVE_KIND)
    r.take(_STOP_TRAILING)
    r.take(_KIND_NOUN_RE)
    r.take(W.REMOVE_VERB)
    _side(r)
    _whole(r)
    if r.bad or not _settled(r):
        return UNKNOWN
    return _which_rule(r)


def _which_rule(r: K.Reading) -> Command:
    """A removal that names no rule: the chat lists the rules (of the positions named) to pick one."""
    if len(r.symbols) > 1:
        return UNKNOWN
    return Command(
        intent=Intent.RULE_REMOVE,
        symbol=r.symbol(),
        side=r.side,
        ticket=r.ticket,
        magic=r.magic,
        rule_needs=(RuleNeed.RULE,),
    )
