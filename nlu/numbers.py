"""Signs, ranges and separators around numbers: whatever could change a number's meaning is never guessed.

Runs on normalised text after the symbols are blanked (so "us30", "标普500" and broker suffixes are gone).
Each finding rewrites its text in place, same length, so that the usual field patterns still read the
number it points at: the scan then knows which field (volume, price, SL...) the number stood in, and the
parser turns the finding into a `Problem` instead of a command. The rules are in docs/nlu.md ("Numbers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.command import ProblemCode

# Cheap first checks: nothing below can be found without a sign, range mark or comma before a digit, or an
# odd decimal point (".5", "3.600.000"). Most messages have none and cost two searches.
CUE = re.compile(r"[-+±~,到至负]\s*\d")
DOT_CUE = re.compile(r"(?<![\d.])\.\d|\.\d+\.\d")
_RUN = re.compile(r"\d+(?:[.,]\d+)*")
# Between the two numbers of a range: 0.01-0.05, 3600 ~ 3650, 0.01手到0.05手, 1至2, 3600--3650.
_RANGE_GAP = re.compile(r"\s*(?:手|lots?|点)?\s*(?:-|~|到|至)\s*(?:[-+±]|负)?\s*")
_MINUS = re.compile(r"(?:-|负)\s*$")
_PLUS = re.compile(r"[+±]\s*$")
_LEADING_DOT = re.compile(r"(?<![\d.])\.$")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")
_LOOK_BACK = 6  # a sign is at most this far before its digits ("- 1", "负 1")


@dataclass(frozen=True, slots=True)
class Finding:
    """One number that cannot be read as written: `text[start:end]`; its digits (as rewritten) at `at`."""

    code: ProblemCode
    start: int
    end: int
    at: int


@dataclass(frozen=True, slots=True)
class Checked:
    """The rewritten text, what was found, and where numbers with thousands separators were accepted."""

    text: str
    findings: tuple[Finding, ...]
    grouped: tuple[Finding, ...]  # "3,600" read as 3600: only valid as a price/SL/TP of a thousands symbol


NOTHING: tuple[Finding, ...] = ()


def check(text: str) -> Checked:
    """Find signed numbers, ranges and separators in `text`; rewrite each so its last number is readable."""
    if not CUE.search(text) and not ("." in text and DOT_CUE.search(text)):
        return Checked(text, NOTHING, NOTHING)
    chars = list(text)
    findings: list[Finding] = []
    grouped: list[Finding] = []
    runs = list(_RUN.finditer(text))
    i = 0
    while i < len(runs):
        j = i
        while j + 1 < len(runs) and _RANGE_GAP.fullmatch(text, runs[j].end(), runs[j + 1].start()):
            j += 1
        first, last, count = runs[i], runs[j], j - i + 1
        i = j + 1
        if count >= 3:
            continue  # a chain (2024-01-05, a code): left alone, its digits stay unexplained
        start, sign = _sign(text, first.start())
        _blank(chars, start, first.start())
        at, readable = _readable(last.group(0))
        chars[last.start() : last.end()] = readable
        at += last.start()
        if first is not last:
            _blank(chars, first.start(), last.start())
            findings.append(Finding(ProblemCode.AMBIGUOUS_RANGE, start, last.end(), at))
        elif sign is not None:
            findings.append(Finding(sign, start, last.end(), at))
        elif at != last.start() or (start and _LEADING_DOT.search(text, start - 1, start)):
            dot = start - 1 if at == last.start() else start
            findings.append(Finding(ProblemCode.AMBIGUOUS_SEPARATOR, dot, last.end(), at))
        elif "," in last.group(0):
            grouped.append(Finding(ProblemCode.AMBIGUOUS_SEPARATOR, start, last.end(), at))
    return Checked("".join(chars), tuple(findings), tuple(grouped))


def _sign(text: str, digits: int) -> tuple[int, ProblemCode | None]:
    """Where the number's sign starts (or `digits` if it has none) and what the sign is."""
    window = max(0, digits - _LOOK_BACK)
    minus = _MINUS.search(text, window, digits)
    if minus:
        return minus.start(), ProblemCode.NEGATIVE_NUMBER
    plus = _PLUS.search(text, window, digits)
    if plus:
        return plus.start(), ProblemCode.SIGNED_NUMBER
    return digits, None


def _readable(run: str) -> tuple[int, str]:
    """(offset of the digits the scan should read, the run rewritten to the same length)."""
    if "," not in run and run.count(".") <= 1:
        return 0, run
    if _GROUPED.fullmatch(run):
        plain = run.replace(",", "")
        return 0, plain + " " * (len(run) - len(plain))
    tail = re.split(r"[.,]", run)[-1]  # 0,5 -> 5; 3.600.000 -> 000: only to learn which field it stood in
    return len(run) - len(tail), " " * (len(run) - len(tail)) + tail


def _blank(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = " " * (end - start)
