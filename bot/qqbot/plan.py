"""How the chat core's replies to one message fit the platform's budget of passive replies. Pure logic.

A message may be answered 5 times. Replies become parts (an image, then the text; long texts split at
line breaks); when there are more parts than the budget allows, adjacent texts are joined, then images
are left out (their text stays), and as a last resort the texts beyond the budget are cut off with a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.messages import Reply
from bot.text import split_text

log = logging.getLogger(__name__)

TEXT_MAX_CHARS = 2000  # not documented by the platform: a conservative size per message
JOIN = "\n\n"
CUT_NOTE = "…（内容过长，已截断 / truncated）"


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    png: bytes


Part = TextPart | ImagePart


def parts_of(replies: list[Reply], *, images: bool = True, limit: int = TEXT_MAX_CHARS) -> list[Part]:
    """Every reply as parts, in order: its image (when images are sent), then its text in pieces."""
    parts: list[Part] = []
    for reply in replies:
        if reply.image is not None and images:
            parts.append(ImagePart(reply.image))
        if reply.text.strip():
            parts.extend(TextPart(piece) for piece in split_text(reply.text.strip(), limit) if piece.strip())
    return parts


def _join_once(parts: list[Part], limit: int) -> bool:
    """Join the shortest adjacent pair of texts that fits one message; False when none does."""
    best: tuple[int, str] | None = None
    for i in range(len(parts) - 1):
        a, b = parts[i], parts[i + 1]
        if isinstance(a, TextPart) and isinstance(b, TextPart):
            joined = a.text + JOIN + b.text
            if len(joined) <= limit and (best is None or len(joined) < len(best[1])):
                best = (i, joined)
    if best is None:
        return False
    parts[best[0] : best[0] + 2] = [TextPart(best[1])]
    return True


def fit(parts: list[Part], budget: int, *, limit: int = TEXT_MAX_CHARS) -> list[Part]:
    """At most `budget` parts saying as much as possible of `parts`."""
    fitted = list(parts)
    while len(fitted) > budget and _join_once(fitted, limit):
        pass
    while len(fitted) > budget and any(isinstance(p, ImagePart) for p in fitted):
        fitted.remove(next(p for p in fitted if isinstance(p, ImagePart)))
        log.info("qqbot: an image is left out: a message takes only %d replies", budget)
    if len(fitted) > budget:
        log.warning("qqbot: %d text parts cut to %d (the reply budget of one message)", len(fitted), budget)
        fitted = fitted[:budget]
        last = fitted[-1]
        if isinstance(last, TextPart):
            room = limit - len(CUT_NOTE) - 1
            fitted[-1] = TextPart(last.text[:room] + "\n" + CUT_NOTE)
    return fitted


def plan(replies: list[Reply], budget: int, *, images: bool = True) -> list[Part]:
    """The parts to send for `replies` within `budget` passive replies."""
    if budget <= 0:
        return []
    return fit(parts_of(replies, images=images), budget)
