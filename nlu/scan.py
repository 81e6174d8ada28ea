"""First pass over a message: symbols and numeric fields are found, recorded and blanked out.

Blanking each consumed span keeps the remaining text honest: whatever digit is left afterwards is a number
the parser did not understand, and a trading command with such a number is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from nlu import numbers as N
from nlu import patterns as P
from nlu.bands import is_lot
from nlu.command import NumberField, OrderType, Problem
from nlu.lexicon import THOUSANDS_QUOTED, Lexicon
from nlu.normalize import BLANK, cn_to_number


@dataclass
class Scan:
    """What the first pass found; `text` is the message with every consumed span blanked."""

    text: str
    symbols: set[str] = field(default_factory=set)
    sl: float | None = None
    tp: float | None = None
    price: float | None = None
    volume: float | None = None
    ticket: int | None = None
    magic: int | None = None
    sl_tp_mentioned: bool = False
    modify_verb: bool = False
    source: str = ""  # the text as normalised, before any blanking (positions are the same)
    spans: dict[NumberField, tuple[int, int]] = field(default_factory=dict)  # where each field was read
    findings: tuple[N.Finding, ...] = N.NOTHING  # signs, ranges, separators: see nlu/numbers.py
    zero: bool = False  # some field was read as 0 (a typed 0, not an SL/TP removal word)
    symbol_at: int | None = None  # where the first symbol stood
    bands: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # the lexicon's price bands
    named_type: OrderType | None = None  # the order-type word, once looked for (see `order_word`)
    named_looked: bool = False
    verb_text: str | None = None  # the text the verb check read, and what it found (reused for the side)
    verb_buy: bool = False
    verb_sell: bool = False
    trigger: P.Trigger | None = None  # 涨破/跌破/回调到/反弹到 before the price
    fraction: float | None = None  # a share of what is held

    @property
    def has_fields(self) -> bool:
        """True if any numeric field or SL/TP word was found."""
        values = (self.sl, self.tp, self.price, self.volume, self.ticket, self.magic)
        return self.sl_tp_mentioned or any(v is not None for v in values)

    ambiguous: bool = False  # a field given twice, or a number that cannot be what it claims


def blank(text: str, start: int, end: int) -> str:
    """`text` with `[start, end)` overwritten by the blank mark (positions stay the same)."""
    return text[:start] + BLANK * (end - start) + text[end:]


def _value(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


def take(scan: Scan, pattern: re.Pattern[str], name: NumberField | None = None) -> str | None:
    """Blank every match of `pattern`; its number (first group) if exactly one matched, else None."""
    matches = list(pattern.finditer(scan.text))
    if not matches:
        return None
    for match in matches:
        scan.text = blank(scan.text, match.start(), match.end())
    if len(matches) > 1:
        scan.ambiguous = True
        return None
    if name is not None:
        scan.spans[name] = matches[0].span()
    return _value(matches[0]) if pattern.groups else matches[0].group(0)


def _float(scan: Scan, pattern: re.Pattern[str], name: NumberField) -> float | None:
    raw = take(scan, pattern, name)
    if raw is None:
        return None
    value = float(raw)
    if not value:
        scan.zero = True
    return value


def _int(scan: Scan, pattern: re.Pattern[str], name: NumberField) -> int | None:
    raw = take(scan, pattern, name)
    if raw is None:
        return None
    if len(raw) > 18:
        scan.ambiguous = True
        return None
    value = int(raw)
    if not value:
        scan.zero = True
    return value


def _volume_after_verb(scan: Scan) -> None:
    """ "buy 0.01 xauusd": a lot-sized number right after the verb, unless the symbol came first.

    After the symbol ("GBPUSD BUY 1.5") it may be a signal's entry price: the price band decides.
    """
    match = P.VOLUME_AFTER_VERB.search(scan.text)
    symbol_first = scan.symbol_at is not None and scan.symbol_at < match.start() if match else False
    if match and not symbol_first and is_lot(match.group(1)):
        scan.volume = float(match.group(1))
        scan.zero = scan.zero or not scan.volume
        scan.spans["volume"] = match.span(1)
        scan.text = blank(scan.text, match.start(1), match.end(1))


def run(text: str, lex: Lexicon) -> Scan:
    """Find symbols, SL/TP (including removal), ticket, magic, volume and price, in that order."""
    scan = Scan(text=text, source=text, bands=lex.bands)
    for canonical, start, end in lex.symbols_in(text):
        scan.symbols.add(canonical)
        scan.symbol_at = start if scan.symbol_at is None else scan.symbol_at
        scan.text = blank(scan.text, start, end)
    checked = None
    if N.CUE.search(scan.text) or ("." in scan.text and N.DOT_CUE.search(scan.text)):
        checked = N.check(scan.text)
        scan.text = checked.text
    scan.sl_tp_mentioned = P.SL_TP_MENTION.search(scan.text)
    if scan.sl_tp_mentioned:
        _sl_tp(scan)
    if P.DIGIT.search(scan.text):
        _numbers(scan)
    if P.FRACTION_ANY.search(scan.text):
        _fraction(scan)
    if checked is not None:
        scan.findings = checked.findings + tuple(g for g in checked.grouped if not _thousands_ok(scan, g))
    return scan


def _numbers(scan: Scan) -> None:
    """Ticket, magic, trigger price, price and volume, each only when its marker words are there."""
    if P.TICKET_ANY.search(scan.text):
        scan.ticket = _int(scan, P.TICKET, "ticket")
    if P.MAGIC_ANY.search(scan.text):
        scan.magic = _int(scan, P.MAGIC, "magic")
    if P.TRIGGER_ANY.search(scan.text):
        _trigger(scan)
    if P.PRICE_ANY.search(scan.text):  # before the volume: in "@3300 lot 0.1" the lot is 0.1
        scan.price = _pick(scan.price, _float(scan, P.PRICE, "price"), scan)
    if P.VOLUME_ANY.search(scan.text):
        scan.volume = _float(scan, P.VOLUME_UNIT, "volume")
    if scan.volume is None:
        _volume_after_verb(scan)


def order_word(scan: Scan) -> OrderType | None:
    """The order-type word (限价, stop, 挂单, market), looked for once: blanking numbers cannot change it."""
    if not scan.named_looked:
        scan.named_type, scan.named_looked = P.ORDER_TYPES.first(scan.text), True
    return scan.named_type


def field_of(scan: Scan, finding: N.Finding) -> NumberField | None:
    """The field whose text holds the finding's digits, if any."""
    for name, (start, end) in scan.spans.items():
        if start <= finding.at < end:
            return name
    return None


def problem(scan: Scan, finding: N.Finding) -> Problem:
    """The finding as the parser reports it: its code, its field, and its text with the field's words."""
    name = field_of(scan, finding)
    start, end = finding.start, finding.end
    if name is not None:
        start, end = min(start, scan.spans[name][0]), max(end, scan.spans[name][1])
    return Problem(code=finding.code, field=name, text=scan.source[start:end].strip())


def _thousands_ok(scan: Scan, grouped: N.Finding) -> bool:
    """'3,600' is 3600 only as a price, SL or TP of the one instrument named, quoted in the thousands."""
    if field_of(scan, grouped) not in ("price", "sl", "tp"):
        return False
    return len(scan.symbols) == 1 and not scan.symbols - THOUSANDS_QUOTED


def _trigger(scan: Scan) -> None:
    """涨破 3700, 回调到 3500...: the price, and the trigger that says which pending type it is."""
    for pattern, trigger in P.TRIGGERS.rows:
        if pattern.search(scan.text):
            scan.price = _float(scan, pattern, "price")
            scan.trigger = trigger
            return


def _fraction(scan: Scan) -> None:
    match = P.FRACTION.search(scan.text)
    if match is None:
        return
    if len(P.FRACTION.findall(scan.text)) > 1:
        scan.ambiguous = True
    value = _fraction_value(match)
    scan.text = blank(scan.text, match.start(), match.end())
    if value is None or not 0 < value <= 1:
        scan.ambiguous = True
        return
    scan.fraction = value


_EN_PART = {"third": 3, "quarter": 4}
_EN_COUNT = {"a": 1, "one": 1, "two": 2}


def _fraction_value(match: re.Match[str]) -> float | None:
    percent, cn_percent, denominator, numerator, count, part = match.groups()
    text = match.group(0)
    if percent is not None:
        return float(percent) / 100
    if cn_percent is not None:
        value = cn_to_number(cn_percent)
        return None if value is None else value / 100
    if denominator is not None:
        top, bottom = cn_to_number(numerator), cn_to_number(denominator)  # 三分之一: 1 / 3
        return top / bottom if top and bottom else None
    if part is not None:
        return _EN_COUNT[count] / _EN_PART[part]
    return 0.75 if text.startswith("three") else 0.5


def _take_removal(scan: Scan, pattern: re.Pattern[str]) -> bool:
    """Blank the verb and the SL/TP word of every removal ("删掉8899001的止盈"), keeping what is between."""
    matches = list(pattern.finditer(scan.text))
    for match in matches:
        for group in ("verb", "word", "verb2", "word2"):
            if match.group(group) is not None:
                scan.text = blank(scan.text, *match.span(group))
    if len(matches) > 1:
        scan.ambiguous = True
    return bool(matches)


def _sl_tp(scan: Scan) -> None:
    without_removal = P.SL_REMOVE.sub(BLANK, P.TP_REMOVE.sub(BLANK, scan.text))
    scan.modify_verb = P.MODIFY_VERB.search(without_removal)
    if _take_removal(scan, P.SL_REMOVE):
        scan.sl = 0.0
        scan.modify_verb = True
    if _take_removal(scan, P.TP_REMOVE):
        scan.tp = 0.0
        scan.modify_verb = True
    scan.sl = _pick(scan.sl, _level(scan, P.SL, "sl"), scan)
    scan.tp = _pick(scan.tp, _level(scan, P.TP, "tp"), scan)


def _level(scan: Scan, pattern: re.Pattern[str], name: NumberField) -> float | None:
    """An SL or TP: its word and number are consumed; the words between stay for selector and side."""
    matches = list(pattern.finditer(scan.text))
    if not matches:
        return None
    for match in matches:
        for group in ("word", "num"):
            scan.text = blank(scan.text, *match.span(group))
    if len(matches) > 1:
        scan.ambiguous = True
        return None
    scan.spans[name] = matches[0].span()
    value = float(matches[0].group("num"))
    scan.zero = scan.zero or not value
    return value


def _pick(first: float | None, second: float | None, scan: Scan) -> float | None:
    if first is not None and second is not None:
        scan.ambiguous = True
        return None
    return first if first is not None else second
