"""A message being read as a rule (docs/nlu.md, "Rules"): the reading's state, its first steps (symbols,
numerals, ticket and EA, side, the whole account), the check of what is left, and what the readers of
every kind share (an amount with its unit, a position's profit as a threshold, a share of the volume).

Each reader consumes what it reads (blanked, like the scan), so whatever is left is checked by
`rules.read`: a digit, a safety cue or a word no reader took means the message is not a rule. A figure
the message does not give is reported as the `RuleNeed` the chat asks, never filled with a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from mt5bridge.common.rulespec import BreakEven, EquityGuard, ProfitLock, StagedTakeProfit, Trailing, Trigger
from mt5bridge.common.vocab import ProfitUnit, Side
from nlu import cues as C
from nlu import patterns as P
from nlu import rule_words as W
from nlu.command import RuleNeed
from nlu.lexicon import Lexicon
from nlu.normalize import BLANK, cn_to_number
from nlu.regex import compile_ as _re

Action = BreakEven | Trailing | StagedTakeProfit | EquityGuard | ProfitLock
Answers = Mapping[RuleNeed, str]  # the chat's answers to the questions asked so far, as typed or pressed
T = TypeVar("T")
_PUNCT = re.compile(r"[\s§,.!:;~，。！：；、…]+")
_WORD = re.compile(r"[a-z]+")
_RUN = re.compile(r"\s{2,}")


def settled(text: str) -> bool:
    """Nothing left but filler: no digit, no English word, no Chinese character outside plain filler."""
    rest = _PUNCT.sub("", text)
    if not rest:
        return True
    if P.DIGIT.search(rest) or _WORD.search(rest):
        return False
    return all(ch in C.FILLER_CHARS for ch in rest)


@dataclass
class Reading:
    """A message being read as a rule: `text` loses every span a reader consumed (blanked by spaces,
    while symbols stay `§`); the scope and the needs found so far."""

    text: str
    symbols: set[str] = field(default_factory=set)
    bands: dict[str, tuple[float, float]] = field(default_factory=dict)
    ticket: int | None = None
    magic: int | None = None
    side: Side | None = None
    whole: bool = False  # "所有持仓", "everything": the whole account, said
    bad: bool = False  # read twice, or a contradiction: not understood
    needs: list[RuleNeed] = field(default_factory=list)
    answers: Mapping[RuleNeed, str] = field(default_factory=dict)  # the chat's answers, normalised
    words: Lexicon | None = None  # the symbol lexicon (for an answer naming the positions)

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of `pattern`, blanked."""
        matches = list(pattern.finditer(self.text))
        for match in matches:
            self.blank(match.start(), match.end())
        if matches:
            self.collapse()
        return matches

    def one(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The one match of `pattern` (blanked); two of them make the reading bad."""
        matches = self.take(pattern)
        if len(matches) > 1:
            self.bad = True
        return matches[0] if matches else None

    def blank(self, start: int, end: int) -> None:
        """`[start, end)` blanked, the text's length kept (the other matches of one search stay valid)."""
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def collapse(self) -> None:
        """Runs of blanks as one space, once a search's matches are blanked: the patterns' `\\s*` between
        optional words would otherwise try every way of splitting a long run (milliseconds a message)."""
        self.text = _RUN.sub(" ", self.text)

    def answered(self, need: RuleNeed, read: Callable[[Reading], T | None]) -> T | None:
        """The chat's answer to `need`, read by `read` alone; None when not given or not wholly read."""
        text = self.answers.get(need)
        if text is None:
            return None
        answer = Reading(text=text, bands=self.bands, side=self.side)
        value = read(answer)
        return value if value is not None and not answer.bad and settled(answer.text) else None

    def symbol(self) -> str | None:
        return next(iter(self.symbols)) if len(self.symbols) == 1 else None


def number(text: str | None) -> float | None:
    return None if text is None else float(text)


def amount_of(match: re.Match[str], tag: str) -> tuple[ProfitUnit, float] | None:
    """The unit and value of an `amount(tag)` group: $50 and 50美元 are money, 30点 points, 1R risk."""
    usd = match.group(f"{tag}_usd")
    if usd is not None:
        return ProfitUnit.MONEY, float(usd)
    value, unit = match.group(tag), match.group(f"{tag}_unit")
    if value is None or unit is None:
        return None
    if W.POINTS_UNIT.match(unit):
        return ProfitUnit.POINTS, float(value)
    if W.MONEY_UNIT.match(unit):
        return ProfitUnit.MONEY, float(value)
    return ProfitUnit.RISK, float(value)


def profit_trigger(r: Reading) -> Trigger | None:
    """盈利30点后, 30点后, after 30 points, once 1R, after $50: a position's profit as a threshold."""
    found: list[tuple[ProfitUnit, float]] = []
    for match in list(W.PROFIT_ZH.finditer(r.text)):
        if match.group("pre") or match.group("post"):  # "移动止损30点" is a distance, not a trigger
            amount = amount_of(match, "zh")
            if amount is not None:
                found.append(amount)
                r.blank(match.start(), match.end())
    r.collapse()
    for match in r.take(W.PROFIT_EN):
        amount = next((a for t in ("en", "plus", "suffix") if (a := amount_of(match, t))), None)
        if amount is not None:
            found.append(amount)
    if len(found) > 1:
        r.bad = True
    return Trigger(unit=found[0][0], value=found[0][1]) if found else None


_HALF = ("一半", "半仓", "half")
_REST = ("剩", "全部", "所有", "全平", "rest", "everything", "all")
_EN_PARTS = {"third": 3, "quarter": 4}
_EN_COUNTS = {"a": 1, "one": 1, "two": 2}


def share_of(word: str | None, rest: float) -> float | None:
    """一半 0.5, 30% 0.3, 三分之一 1/3, 三成 0.3, a third; the rest (剩下的, 全部, the rest) and a plain close
    (no share said: "到3700平仓") close what the stages before it left."""
    if word is None:
        return rest
    word = word.strip()
    if word in _HALF:
        return 0.5
    if any(w in word for w in _REST):
        return rest
    if word.endswith("%"):
        return float(word[:-1].strip()) / 100
    if word.startswith("百分之"):
        value = cn_to_number(word[3:])
        return None if value is None else value / 100
    if "分之" in word:
        bottom, top = (cn_to_number(part) for part in word.split("分之"))
        return top / bottom if top and bottom else None
    if word.endswith("成"):
        tenths = cn_to_number(word[:-1])
        return None if tenths is None else tenths / 10
    if word == "three quarters":
        return 0.75
    count, _, part = word.partition(" ")
    return _EN_COUNTS[count] / _EN_PARTS[part.rstrip("s")] if part.rstrip("s") in _EN_PARTS else None


# Chinese numerals before a unit: 三十点 30点, 两倍ATR 2倍ATR, 三根K线 3根K线, 第三条规则 第3条规则.
# 一点 alone is "a little", never one point.
_CN_FIGURE = _re(
    r"(?<![零〇一二两三四五六七八九十百千万])([零〇一二两三四五六七八九十百千万]+)(?=\s*(?:个)?\s*(?:点|倍|根|条|美元|美金|刀|块|元))"
)


def start(norm: str, words: Lexicon, answers: Answers) -> Reading:
    """The reading with the symbols blanked (§), numerals before a unit as digits, ticket and EA read."""
    r = Reading(text=norm, bands=dict(words.bands), answers=answers, words=words)
    for canonical, begin, end in words.symbols_in(norm):
        r.symbols.add(canonical)
        r.text = r.text[:begin] + BLANK * (end - begin) + r.text[end:]
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


def _identifiers(r: Reading) -> None:
    """A ticket (#123, 单号123) and an EA (EA 20250101, magic 7); two of them, or one longer than 18 digits
    (no MT5 ticket or magic is), make the reading bad."""
    if P.TICKET_ANY.search(r.text):
        r.ticket = _identifier(r, r.take(P.TICKET))
    if P.MAGIC_ANY.search(r.text):
        r.magic = _identifier(r, r.take(P.MAGIC))


def _identifier(r: Reading, matches: list[re.Match[str]]) -> int | None:
    said = {m.group(1) for m in matches}
    if len(said) > 1 or any(len(digits) > 18 for digits in said):
        r.bad = True
        return None
    return int(said.pop()) if said else None


def read_side(r: Reading) -> None:
    """多单, 空单, longs, "my gold shorts": the side of the positions; both sides at once are bad."""
    sides = set()
    if P.SIDE_NOUN.any.search(r.text):
        for pattern, side in P.SIDE_NOUN.rows:
            if r.take(pattern):
                sides.add(side)
    r.bad = r.bad or len(sides) > 1
    r.side = sides.pop() if len(sides) == 1 else None


def read_whole(r: Reading) -> None:
    """ "所有持仓", "everything": the whole account, said; then the words for positions themselves."""
    if r.take(W.WHOLE):
        r.whole = True
    r.take(W.POSITION_NOUN)


def rest_is_filler(r: Reading) -> bool:
    """What no reader took is filler only: never a safety cue, a digit or an unread word."""
    r.take(W.SETTING)
    rest = r.text
    if C.UNSAFE.search(rest) or (C.PAST_LE.search(rest) and not C.IMPERATIVE.search(rest)):
        return False
    if C.SEQUENCE.search(rest) or P.ANY_VERB.search(rest):
        return False  # a second action ("黄金保本然后平仓白银")
    return settled(rest)
