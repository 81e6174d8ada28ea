"""Calendar dates and months in a question: "2025年1月的月报", "11月5日的盈亏", "report for Nov 5, 2026".

`take(text)` finds the one date or month a message names and returns it with the text it came from blanked
out. A year alone ("2025年的报告"), two different dates, or a date the words do not pin down are `UNREAD`:
the message is then not understood rather than answered for some other period. The values are written as
ISO strings, the year left out when the user left it out (`--11-05`, `--01`): the chat core, which knows
today, takes the latest such day or month that has begun, and checks the range (1971-2100) as the REST API
does, so "0000-01" gets the same refusal everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from nlu.normalize import BLANK, CN_DIGITS, cn_integer

_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"  # a month or a day: 11, 十一, 二十五, 三十一
_YEAR = r"(?:\d{4}|[零〇一二三四五六七八九]{4})"  # 2025, 二零二五
_DAY_MARK = r"(?:日(?!报)|号)"  # not the 日 of 日报
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAME = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"


@dataclass(frozen=True, slots=True)
class When:
    """A day (`day` set) or a month (`day` None); `year` None when the message gave none."""

    year: int | None
    month: int
    day: int | None = None

    @property
    def iso(self) -> str:
        """`2025-01-05`, `2025-01`, or without a year `--01-05`, `--01`."""
        head = f"{self.year:04d}" if self.year is not None else "-"
        return f"{head}-{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")


class Unread:
    """A date that cannot be taken as one day or one month."""

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD: Final = Unread()

# Most specific first: a full day, then a month with its year, then forms without a year.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "ymd",
            rf"(?<![\d.])({_YEAR})\s*(?:年|-|/|\.)\s*({_NUM})\s*(?:月|-|/|\.)\s*({_NUM})\s*{_DAY_MARK}?(?![\d.])",
        ),
        ("ym", rf"(?<![\d.])({_YEAR})\s*(?:年|-|/)\s*({_NUM})\s*(?:月份?)?(?![\d.\-/])"),
        ("md", rf"(?<![\d.年])({_NUM})\s*月\s*({_NUM})\s*{_DAY_MARK}"),
        ("m", rf"(?<![\d.年个])({_NUM})\s*月份?(?![\d])"),
        ("name_d_y", rf"\b{_MONTH_NAME}\s+{_ORD}\b(?:\s*,?\s*(\d{{4}})\b)?"),
        ("d_name_y", rf"\b{_ORD}\s+(?:of\s+)?{_MONTH_NAME}\b(?:\s*,?\s*(\d{{4}})\b)?"),
        ("name_y", rf"\b{_MONTH_NAME}\s*,?\s*(\d{{4}})\b"),
        ("name", rf"\b(?!may\b){_MONTH_NAME}(?=\s|$|的|报|report|pnl)"),
        ("d", rf"(?<![\d.])({_NUM})\s*{_DAY_MARK}"),  # "3号" of which month?
        ("year", rf"(?<![\d.])({_YEAR})\s*年(?!\d)|\b(?:in|for|of)\s+((?:19|20|21)\d{{2}})\b"),
    )
)


def _number(text: str) -> int:
    """ "11", "十一", "二十五", "三十一", or a year digit by digit (二零二五) -> int (0: not a number)."""
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(ch in CN_DIGITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    return cn_integer(text) or 0


def _month_of(name: str) -> int:
    return _MONTHS.index(name[:3]) + 1


def _when(kind: str, groups: tuple[str | None, ...]) -> When | Unread:
    g = [x for x in groups if x is not None]
    match kind:
        case "ymd":
            return When(_number(g[0]), _number(g[1]), _number(g[2]))
        case "ym":
            return When(_number(g[0]), _number(g[1]))
        case "md":
            return When(None, _number(g[0]), _number(g[1]))
        case "m":
            return When(None, _number(g[0]))
        case "name_d_y":
            return When(int(g[2]) if len(g) > 2 else None, _month_of(g[0]), int(g[1]))
        case "d_name_y":
            return When(int(g[2]) if len(g) > 2 else None, _month_of(g[1]), int(g[0]))
        case "name_y":
            return When(int(g[1]), _month_of(g[0]))
        case "name":
            return When(None, _month_of(g[0]))
    return UNREAD  # a year or a day of the month alone: which day or month is it?


def take(text: str) -> tuple[When | Unread | None, str]:
    """The day or month `text` names (or UNREAD, or None), and the text with it blanked out."""
    found: list[When | Unread] = []
    for kind, pattern in _PATTERNS:
        for match in list(pattern.finditer(text)):
            found.append(_when(kind, match.groups()))
            start, end = match.span()
            text = text[:start] + BLANK * (end - start) + text[end:]
    if not found:
        return None, text
    distinct = set(found)
    if len(distinct) != 1 or UNREAD in distinct:
        return UNREAD, text
    return found[0], text
