"""Long text for platforms with a message limit: one splitter, the limit and its unit as parameters.

Telegram counts characters and keeps each part's line break (the parts, joined, give the text back);
QQ counts characters and WeCom UTF-8 bytes, and both drop the break between two parts (joined with a
newline, the parts give the text back).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Unit(StrEnum):
    CHARS = "chars"
    BYTES = "bytes"  # UTF-8


def _size(text: str, unit: Unit) -> int:
    return len(text) if unit is Unit.CHARS else len(text.encode())


def split_text(text: str, limit: int, *, unit: Unit = Unit.CHARS, keep_breaks: bool = False) -> list[str]:
    """Parts of at most `limit` units, cut at line breaks; a line longer than a part is cut where it must.

    With `keep_breaks` a part keeps the break it ends on; without, the break between two parts is dropped.
    """
    sep = "" if keep_breaks else "\n"
    lines = text.splitlines(keepends=True) if keep_breaks else text.split("\n")
    parts: list[str] = []
    current: str | None = None
    for line in lines:
        if current is not None and _size(current + sep + line, unit) <= limit:
            current += sep + line
            continue
        if current is not None:
            parts.append(current)
        while _size(line, unit) > limit:  # one line longer than a part: cut between characters
            cut = _fit(line, limit, unit)
            parts.append(line[:cut])
            line = line[cut:]
        current = line
    parts.append(current if current is not None else "")
    return parts


def _fit(text: str, limit: int, unit: Unit) -> int:
    """How many leading characters of `text` fit into `limit` units (at least one)."""
    if unit is Unit.CHARS:
        return max(limit, 1)
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > limit:
            return max(index, 1)
    return len(text)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")


def written_in(text: str) -> str | None:
    """ "zh" for a message with Chinese characters, "en" for one in Latin letters only, else None."""
    if _CJK.search(text):
        return "zh"
    return "en" if _LATIN.search(text) else None
