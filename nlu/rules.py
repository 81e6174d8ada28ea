"""Trade-management rules from chat (issue 19): setting one, listing them, removing one (docs/nlu.md).

`read` runs before the trading parser, on a message that mentions a rule at all (`rule_words.ANY`; most
messages do not and cost that one check). It answers `None` when the message is no rule after all (then
the trading parser reads it as before), or a command: `rule_set` with the exact `RuleSpec`, `rule_set`
with the `rule_needs` the chat asks (a figure or the scope not said), `rule_list`, `rule_remove`
(`rule_lists.py`), or `unknown`. The safety rules are the trading parser's: whatever is left once the
rule's words, figures and scope are read must be plain filler, with no question, negation, past,
condition, deferral, someone else's words, and no digit or word nobody read. A condition is part of a
rule only as its measurable trigger ("盈利30点后", "到3700就", "after 30 points"), which the figure readers
consume.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from mt5bridge.common.rulespec import RuleSpec, Scope
from mt5bridge.common.vocab import RuleKind, Selector
from nlu import cues as C
from nlu import rule_closes as CL
from nlu import rule_lists as L
from nlu import rule_reading as K
from nlu import rule_stops as ST
from nlu import rule_words as W
from nlu.command import UNKNOWN, Command, Intent, RuleNeed
from nlu.lexicon import Lexicon

Answers = K.Answers

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
    r = K.start(norm, words, answers or {})
    if C.NOT_NOW.search(norm):
        r.bad = True  # "... at the close", "明天": a time is never part of a rule, whichever words it shares
    if W.RULE_WORD.search(r.text):
        return L.about_rules(r)
    if L.removes_by_kind(r.text):
        return L.remove_by_kind(r)
    kinds = _kinds(r)
    if not kinds:
        return None
    if len(kinds) > 1 or r.bad:
        return UNKNOWN  # two rules in one message ("保本并移动止损20点"), or a ticket said twice
    return _set(r, kinds.pop())


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
    K.read_side(r)
    if kind in _ON_POSITIONS and not _named(r):
        _answered_scope(r)  # before the figures: a stage's price must fit the symbol answered
    try:
        action = _READERS[kind](r)
    except (ValidationError, ValueError):
        return UNKNOWN  # e.g. stages closing more than the whole position
    K.read_whole(r)
    if not K.rest_is_filler(r):
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
    answer = K.start(text, r.words, {})
    K.read_side(answer)
    K.read_whole(answer)
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
