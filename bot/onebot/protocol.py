"""OneBot v11 wire format: events, action envelopes, message segments and CQ codes (pure, no I/O).

Only what the adapter uses is modelled; unknown fields are ignored so that the dialects of NapCat,
LLOneBot and Lagrange all parse. A frame that is neither a usable event nor an action response
parses to None and is dropped.
"""

from __future__ import annotations

import base64
import json
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.messages import Incoming, Reply
from bot.text import split_text

PLATFORM = "qq"
MAX_TEXT = 4500  # QQ's practical limit per message; longer texts are split on line boundaries
GROUP_PREFIX = "g"  # chat ids: a private chat is the user's QQ number, a group is "g" + its number


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MessageType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class Action(StrEnum):
    SEND_PRIVATE_MSG = "send_private_msg"
    SEND_GROUP_MSG = "send_group_msg"
    GET_MSG = "get_msg"


class Role(StrEnum):
    """`X-Client-Role` of a reverse-WebSocket connection (spec: communication/ws-reverse.md)."""

    API = "API"  # actions only
    EVENT = "Event"  # events only
    UNIVERSAL = "Universal"  # both on one socket

    @property
    def carries_events(self) -> bool:
        return self is not Role.API

    @property
    def carries_actions(self) -> bool:
        return self is not Role.EVENT

    @classmethod
    def parse(cls, header: str) -> Role | None:
        """The role named by the header (any letter case); a missing header means Universal."""
        if not header.strip():
            return cls.UNIVERSAL
        return next((role for role in cls if role.value.lower() == header.strip().lower()), None)


class Segment(_Wire):
    """One piece of a message: `text`, `at` (`qq`), `reply` (`id`), `image` (`file`), ..."""

    type: str
    data: dict[str, Any] = Field(default_factory=dict)

    def field(self, name: str) -> str:
        """A data field as text ("" when absent): implementations send ids as numbers or strings."""
        value = self.data.get(name)
        return "" if value is None else str(value)


class Sender(_Wire):
    user_id: int | str | None = None
    nickname: str | None = None
    card: str | None = None  # the group nickname


class MessageEvent(_Wire):
    """A private or group message (post_type "message")."""

    post_type: Literal["message"]
    message_type: MessageType
    message_id: int
    user_id: int
    self_id: int
    group_id: int | None = None
    message: list[Segment] | str
    raw_message: str = ""
    sender: Sender = Field(default_factory=Sender)


class Status(_Wire):
    """A heartbeat's `status` (as get_status): `online` None means the implementation cannot tell."""

    online: bool | None = None
    good: bool | None = None


class MetaEvent(_Wire):
    """Lifecycle (`sub_type` enable/disable/connect) and heartbeat (`status`, `interval`) events."""

    post_type: Literal["meta_event"]
    meta_event_type: str = ""
    sub_type: str = ""
    self_id: int | None = None
    status: Status | None = None

    @property
    def online(self) -> bool | None:
        """What the event says about the account being logged in to QQ; None when it says nothing."""
        if self.meta_event_type == "heartbeat" and self.status is not None:
            return self.status.online
        if self.meta_event_type == "lifecycle":
            return {"connect": True, "enable": True, "disable": False}.get(self.sub_type)
        return None


class SendParams(BaseModel):
    """Parameters of send_private_msg (user_id) or send_group_msg (group_id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: int | None = None
    group_id: int | None = None
    message: list[Segment]


class GetMsgParams(BaseModel):
    """Parameters of get_msg."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: int


class ActionRequest(BaseModel):
    """What we send: `{"action", "params", "echo"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Action
    params: SendParams | GetMsgParams
    echo: str


class StoredMessage(_Wire):
    """get_msg's data (spec: api/public.md): only who sent it matters to us."""

    message_id: int | str | None = None
    sender: Sender = Field(default_factory=Sender)

    def sent_by(self, self_id: str) -> bool:
        return self.sender.user_id is not None and str(self.sender.user_id) == self_id


class ActionResponse(_Wire):
    """The implementation's answer: `{"status", "retcode", "data", "echo"}` (+ `message`/`wording`)."""

    status: str
    retcode: int
    data: Any = None
    echo: Any = None
    message: str = ""
    wording: str = ""

    @property
    def ok(self) -> bool:
        """Succeeded, or accepted for later (`status: "async"`, retcode 1, no data; communication/http.md)."""
        return (self.status == "ok" and self.retcode == 0) or self.status == "async"

    @property
    def message_id(self) -> str | None:
        """The id of a message just sent, when the answer carries one."""
        if isinstance(self.data, dict) and self.data.get("message_id") is not None:
            return str(self.data["message_id"])
        return None

    @property
    def reason(self) -> str:
        return self.wording or self.message or self.status


Frame = MessageEvent | MetaEvent | ActionResponse


def parse_frame(raw: str) -> Frame | None:
    """A received text frame as an event or an action response; None for anything we do not use."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        if data.get("post_type") == "message":
            return MessageEvent.model_validate(data)
        if data.get("post_type") == "meta_event":
            return MetaEvent.model_validate(data)
        if "post_type" not in data and "retcode" in data:
            return ActionResponse.model_validate(data)
    except ValidationError:
        return None
    return None


# -- CQ codes ---------------------------------------------------------------------------------------

_CQ = re.compile(r"\[CQ:([A-Za-z0-9_.-]+)((?:,[^\]]*)?)\]")


def cq_unescape(text: str, *, in_param: bool = False) -> str:
    """Undo CQ escaping: `&#91;` `&#93;` (and `&#44;` inside parameters), `&amp;` last."""
    text = text.replace("&#91;", "[").replace("&#93;", "]")
    if in_param:
        text = text.replace("&#44;", ",")
    return text.replace("&amp;", "&")


def _cq_segment(kind: str, params: str) -> Segment:
    data: dict[str, Any] = {}
    for pair in params.split(",")[1:] if params else []:
        key, _, value = pair.partition("=")
        data[key] = cq_unescape(value, in_param=True)
    return Segment(type=kind, data=data)


def _text(text: str) -> Segment:
    return Segment(type="text", data={"text": text})


def cq_to_segments(message: str) -> list[Segment]:
    """A CQ-code string as a segment array."""
    segments: list[Segment] = []
    position = 0
    for match in _CQ.finditer(message):
        if match.start() > position:
            segments.append(_text(cq_unescape(message[position : match.start()])))
        segments.append(_cq_segment(match.group(1), match.group(2)))
        position = match.end()
    if position < len(message):
        segments.append(_text(cq_unescape(message[position:])))
    return segments


# -- reading a message ------------------------------------------------------------------------------


class Parsed(BaseModel):
    """A message's text (the bot's own `at` removed), whom it mentions, and which message it replies to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    mentions: tuple[str, ...] = ()
    reply_to: str | None = None


def read_message(message: list[Segment] | str, self_id: str) -> Parsed:
    """Text, mentions and reply id of a segment array or CQ string; `at` of `self_id` is stripped."""
    segments = cq_to_segments(message) if isinstance(message, str) else message
    parts: list[str] = []
    mentions: list[str] = []
    reply_to: str | None = None
    for segment in segments:
        if segment.type == "text":
            parts.append(segment.field("text"))
        elif segment.type == "at":
            qq = segment.field("qq")
            mentions.append(qq)
            if qq != self_id:
                parts.append(f"@{qq}")
        elif segment.type == "reply" and reply_to is None:
            reply_to = segment.field("id") or None
    text = re.sub(r"[ \t\u3000]{2,}", " ", "".join(parts)).strip()
    return Parsed(text=text, mentions=tuple(mentions), reply_to=reply_to)


def chat_id(event: MessageEvent) -> str:
    """Our chat id for the event's conversation."""
    if event.message_type is MessageType.GROUP:
        return f"{GROUP_PREFIX}{event.group_id}"
    return str(event.user_id)


def replied_id(event: MessageEvent) -> str | None:
    """In a group message that does not @mention the bot: the id of the message it replies to, if any.

    Only such a reply can still address the bot, and only when the replied-to message is the bot's.
    """
    if event.message_type is not MessageType.GROUP:
        return None
    parsed = read_message(event.message, str(event.self_id))
    return None if str(event.self_id) in parsed.mentions else parsed.reply_to


def to_incoming(event: MessageEvent, *, reply_to_bot: bool = False) -> Incoming | None:
    """The event as an Incoming, or None when it is nothing for the core (empty, too long, our own).

    A group message is addressed when it @mentions the bot or, per `reply_to_bot`, replies to the bot.
    """
    self_id = str(event.self_id)
    if str(event.user_id) == self_id:
        return None
    if event.message_type is MessageType.GROUP and event.group_id is None:
        return None
    parsed = read_message(event.message, self_id)
    if not parsed.text or len(parsed.text) > 4096:  # an over-long text is refused, never cut
        return None
    is_group = event.message_type is MessageType.GROUP
    addressed = not is_group or self_id in parsed.mentions or reply_to_bot
    try:
        return Incoming(
            platform=PLATFORM,
            user_id=str(event.user_id),
            chat_id=chat_id(event),
            text=parsed.text,
            user_name=event.sender.nickname or event.sender.card,
            is_group=is_group,
            addressed=addressed,
            buttons=False,
        )
    except ValidationError:
        return None


# -- writing a message ------------------------------------------------------------------------------


def reply_segments(reply: Reply, *, quote: str | None = None, limit: int = MAX_TEXT) -> list[list[Segment]]:
    """The messages drawing a Reply: its plain text split as needed, the image with the first part.

    `quote` (a message id) starts the first message with a `reply` segment. html, markdown and
    buttons are not drawn: QQ shows plain text, and the core already lists buttons as numbered lines.
    """
    messages: list[list[Segment]] = []
    for index, part in enumerate(split_text(reply.text, limit)):
        message: list[Segment] = []
        if index == 0 and quote is not None:
            message.append(Segment(type="reply", data={"id": quote}))
        if part:
            message.append(Segment(type="text", data={"text": part}))
        if index == 0 and reply.image is not None:
            message.append(Segment(type="image", data={"file": "base64://" + _b64(reply.image)}))
        if any(segment.type != "reply" for segment in message):
            messages.append(message)
    return messages


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
