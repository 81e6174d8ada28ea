"""Reply -> what Telegram draws: the message body with its parse mode, and the inline keyboard.

HTML is the default because it needs only `<>&` escaped, so symbols and comments such as `a_b*c` pass
through untouched; MarkdownV2 is used only when the core supplies nothing but an escaped Markdown text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.messages import MAX_ACTION_BYTES, Reply


class ActionTooLong(ValueError):
    """A button's action does not fit Telegram's 64-byte callback_data."""


@dataclass(frozen=True, slots=True)
class Body:
    """A message text and how Telegram must parse it (None = plain)."""

    text: str
    parse_mode: ParseMode | None


def escape_html(text: str) -> str:
    """Escape the three characters Telegram's HTML mode cares about."""
    return html.escape(text, quote=False)


def body(reply: Reply) -> Body:
    """The richest variant the reply carries, ready to send."""
    if reply.html is not None:
        return Body(reply.html, ParseMode.HTML)
    if reply.markdown is not None:
        return Body(reply.markdown, ParseMode.MARKDOWN_V2)
    return Body(escape_html(reply.text), ParseMode.HTML)


def plain(reply: Reply) -> Body:
    """The plain variant: the fallback when Telegram rejects the formatted one."""
    return Body(reply.text, None)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard; None when it has none (which also removes one on edit)."""
    rows = [row for row in reply.buttons if row]
    if not rows:
        return None
    for row in rows:
        for button in row:
            if len(button.action.encode()) > MAX_ACTION_BYTES:
                raise ActionTooLong(f"button {button.text!r}: action is {len(button.action.encode())} bytes")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.action) for b in row] for row in rows]
    )
