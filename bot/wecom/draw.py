"""How a chat-core Reply is drawn on WeCom: the messages it becomes, each sent on its own.

A reply with buttons is sent twice over: its text with the numbered choices (the core numbers them,
so typing "1" works everywhere), then button_interaction cards (6 buttons each; the button `key` is
the core's action). WeChat users (微信插件) see no cards, only the text; `users[].buttons: false`
leaves the cards out for them.
"""

from __future__ import annotations

import uuid

from bot.messages import Button, Reply
from bot.text import Unit, split_text
from bot.wecom.api import CARD_MAX_BUTTONS, TEXT_MAX_BYTES, Card, CardButton

TITLE_MAX = 26  # main_title.title: WeCom shows about 26 characters
BUTTON_TEXT_MAX = 10  # button text: about 10 characters
ELLIPSIS = "…"


def trim(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def labels(buttons: list[Button]) -> list[str]:
    """Short button labels (the full texts are in the numbered list sent just before the card)."""
    short = [trim(b.text, BUTTON_TEXT_MAX) for b in buttons]
    if len(set(short)) < len(short):  # two cut labels look alike: number them all
        short = [trim(f"{i}.{b.text}", BUTTON_TEXT_MAX) for i, b in enumerate(buttons, 1)]
    return short


def new_task_id() -> str:
    """A unique task_id ([A-Za-z0-9_-@], at most 128 bytes)."""
    return f"mt5bot-{uuid.uuid4().hex}"


def pieces(reply: Reply, *, cards: bool = True) -> list[Reply]:
    """The messages one reply becomes: the image, the text in parts of at most 2000 bytes, then one
    piece per card (its buttons one card's, its text the card's title: the reply's first line)."""
    out: list[Reply] = []
    if reply.image is not None:
        out.append(Reply(text="", image=reply.image))
    if reply.text.strip():
        out.extend(Reply(text=part) for part in split_text(reply.text, TEXT_MAX_BYTES, unit=Unit.BYTES))
    buttons = [b for row in reply.buttons for b in row]
    if not cards or not buttons:
        return out
    head = reply.text.strip().partition("\n")[0] or "mt5bot"
    chunks = [buttons[i : i + CARD_MAX_BUTTONS] for i in range(0, len(buttons), CARD_MAX_BUTTONS)]
    for n, chunk in enumerate(chunks, 1):
        title = head if len(chunks) == 1 else f"({n}/{len(chunks)}) {head}"
        out.append(Reply(text=trim(title, TITLE_MAX), buttons=[chunk]))
    return out


def card_of(piece: Reply) -> Card:
    """The button_interaction card of a button piece (each card its own task_id)."""
    buttons = [b for row in piece.buttons for b in row]
    short = labels(buttons)
    card_buttons = tuple(
        CardButton(text=label, key=b.action) for label, b in zip(short, buttons, strict=True)
    )
    return Card(task_id=new_task_id(), title=piece.text, body="", buttons=card_buttons)
