"""First pass over a message: symbols and numeric fields are found, recorded and blanked out.

Blanking each consumed span keeps the remaining text honest: whatever digit is left afterwards is a number
the parser did not understand, and a trading command with such a number is refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlu import numbers as N
from nlu import patterns as P
from nlu.command import NumberField, Problem
from nlu.lexicon import THOUSANDS_QUOTED, Lexicon
from nlu.normalize import BLANK


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

    @property
    def has_fields(self) -> bool:
        """True if any numeric field or SL/TP word was found."""
        values = (self.sl, self.tp, self.price, self.volume, self.ticket, self.magic)
        return self.sl_tp_mentioned or any(v is not None for v in values)

    ambiguous: bool = False  # a field given twice, or a number that cannot be what it claims


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + BLANK * (end - start) + text[end:]


def _value(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


def take(scan: Scan, pattern: re.Pattern[str], name: NumberField | None = None) -> str | None:
    """Blank every match of `pattern`; its number (first group) if exactly one matched, else None."""
    matches = list(pattern.finditer(scan.text))
    if not matches:
        return None
    for match in matches:
        scan.text = _blank(scan.text, match.start(), match.end())
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
    match = P.VOLUME_AFTER_VERB.search(scan.text)
    if match:
        scan.volume = float(match.group(1))
        scan.zero = scan.zero or not scan.volume
        scan.spans["volume"] = match.span(1)
        scan.text = _blank(scan.text, match.start(1), match.end(1))


def run(text: str, lex: Lexicon) -> Scan:
    """Find symbols, SL/TP (including removal), ticket, magic, volume and price, in that order."""
    scan = Scan(text=text, source=text)
    for canonical, start, end in lex.symbols_in(text):
        scan.symbols.add(canonical)
        scan.text = _blank(scan.text, start, end)
    checked = None
    if N.CUE.search(scan.text) or ("." in scan.text and N.DOT_CUE.search(scan.text)):
        checked = N.check(scan.text)
        scan.text = checked.text
    scan.sl_tp_mentioned = P.SL_TP_MENTION.search(scan.text) is not None
    if scan.sl_tp_mentioned:
        _sl_tp(scan)
    if P.DIGIT.search(scan.text):
        scan.ticket = _int(scan, P.TICKET, "ticket")
        scan.magic = _int(scan, P.MAGIC, "magic")
        scan.volume = _float(scan, P.VOLUME_UNIT, "volume")
        scan.price = _float(scan, P.PRICE, "price")
        if scan.volume is None:
            _volume_after_verb(scan)
    if checked is not None:
        scan.findings = checked.findings + tuple(g for g in checked.grouped if not _thousands_ok(scan, g))
    return scan


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


def _sl_tp(scan: Scan) -> None:
    without_removal = P.SL_REMOVE.sub(BLANK, P.TP_REMOVE.sub(BLANK, scan.text))
    scan.modify_verb = P.MODIFY_VERB.search(without_removal) is not None
    if take(scan, P.SL_REMOVE) is not None:
        scan.sl = 0.0
        scan.modify_verb = True
    if take(scan, P.TP_REMOVE) is not None:
        scan.tp = 0.0
        scan.modify_verb = True
    scan.sl = _pick(scan.sl, _float(scan, P.SL, "sl"), scan)
    scan.tp = _pick(scan.tp, _float(scan, P.TP, "tp"), scan)


def _pick(first: float | None, second: float | None, scan: Scan) -> float | None:
    if first is not None and second is not None:
        scan.ambiguous = True
        return None
    return first if first is not None else second
