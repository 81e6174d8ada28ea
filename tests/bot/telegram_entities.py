"""What Telegram refuses in formatted text: the entity check of the fake Bot API server.

Telegram answers 400 "can't parse entities" for HTML with an unknown or unclosed tag or a bare `<`/`&`,
and for MarkdownV2 with an unescaped reserved character; the fake replays that, so the adapter's
plain-text fallbacks are tested against the same refusal.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
# MarkdownV2 characters that must always be escaped outside entities (the entity markers aside).
_MDV2_UNESCAPED = re.compile(r"(?<!\\)[.!\-=#+|{}>]")


class _HTMLCheck(HTMLParser):
    """Telegram's HTML mode: only a few tags, properly nested; a stray `<` or `&` is an error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.error = f'unmatched end tag "{tag}"'

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.error = f'unsupported entity "&{name};"'


def entity_error(text: str, parse_mode: str | None) -> str | None:
    """Why Telegram would refuse to parse `text` in `parse_mode`, or None."""
    if parse_mode == "HTML":
        if re.search(r"&(?![a-zA-Z]+;|#\d+;)", text) or re.search(r"<(?![a-zA-Z/])", text):
            return "Bad Request: can't parse entities: unescaped character"
        check = _HTMLCheck()
        check.feed(text)
        check.close()
        if check.error or check.open:
            return f"Bad Request: can't parse entities: {check.error or 'unclosed tag'}"
    if parse_mode == "MarkdownV2" and _MDV2_UNESCAPED.search(text):
        return "Bad Request: can't parse entities: character must be escaped"
    return None
