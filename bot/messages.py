"""What flows between a chat platform adapter and the chat core: platform-neutral, typed.

An adapter turns a platform update into an `Incoming` (a text, or a button press carrying the
button's `action`), calls `ChatCore.handle`, and draws each `Reply`: text in the richest format the
platform supports (HTML, Markdown or plain), an optional PNG image, optional buttons (with a typed
fallback where the platform has none), and `edit=True` meaning "replace the message whose button was
pressed". Nothing platform-specific enters the core.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

MAX_ACTION_BYTES = 64  # Telegram's callback_data limit, the strictest of the platforms


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Media(StrEnum):
    """Messages other than text that users send; the core answers them with a short explanation."""

    VOICE = "voice"
    IMAGE = "image"
    VIDEO = "video"
    FILE = "file"
    LOCATION = "location"
    LINK = "link"
    OTHER = "other"


class Incoming(_Model):
    """One message or button press from a user."""

    platform: str = Field(min_length=1, max_length=32)  # telegram, onebot, wecom, http, console
    user_id: str = Field(min_length=1, max_length=128)
    chat_id: str = Field(min_length=1, max_length=128)
    text: str | None = Field(None, max_length=4096)
    action: str | None = Field(None, max_length=MAX_ACTION_BYTES)  # a pressed button's action
    user_name: str | None = None
    is_group: bool = False
    addressed: bool = True  # in a group: the bot was mentioned or replied to
    lang: str | None = None  # the platform's language hint (e.g. Telegram's language_code)
    buttons: bool = True  # False: the platform has no buttons; replies list them as numbers to type
    media: Media | None = None  # a message we cannot read (voice, picture, file...): a polite answer


class Button(_Model):
    """A button; pressing it sends `action` back (for HTTP clients: send it as the text)."""

    text: str = Field(min_length=1, max_length=64)
    action: str = Field(min_length=1, max_length=MAX_ACTION_BYTES)


class Reply(_Model):
    """One message to show. `text` is always set (plain); `html`/`markdown` are richer variants."""

    text: str
    html: str | None = None
    markdown: str | None = None  # Telegram MarkdownV2, already escaped
    image: bytes | None = None  # PNG
    buttons: list[list[Button]] = Field(default_factory=list)  # rows of buttons
    edit: bool = False  # replace the message whose button was pressed
    confirmation_id: str | None = None  # set while this message awaits a confirmation
    reply_to: str | None = None  # the platform's id of the message this answers (adapters set it, to quote)


class Outgoing(_Model):
    """A message the core sends on its own (notifications, scheduled reports)."""

    platform: str
    chat_id: str
    reply: Reply


# Shown by an adapter only when the core itself failed; the core's own texts come from its templates.
FAILURE = Reply(text="⚠️ 内部错误，请稍后再试 / Internal error, please try again later.")


class ChatHandler(Protocol):
    """The chat core as a platform adapter sees it."""

    async def handle(self, incoming: Incoming) -> list[Reply]: ...
