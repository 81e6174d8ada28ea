"""The webhook payloads of the QQ bot platform, parsed into what the adapter acts on. Pure functions.

Every callback is `{"id": event id, "op": opcode, "d": data, "s": seq, "t": event type}`. op 13 is the URL
validation (`d` = plain_token, event_ts); op 0 is a dispatch, of which the adapter reads two types:
GROUP_AT_MESSAGE_CREATE (a group message that @-mentions the bot) and C2C_MESSAGE_CREATE (a private
message). Everything else is acknowledged and ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

MAX_CONTENT = 4096
# Incoming content escapes these three (内嵌格式 → 转义内容); the chat core wants what the user typed.
_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_LEADING_MENTION = re.compile(r"^\s*(?:<@!?[A-Za-z0-9_-]+>\s*)+")
# A handshake we sign must never double as the signature of a callback body (which is a JSON object):
# tokens of letters and digits only cannot form one.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TS = re.compile(r"^[0-9]{1,20}$")


class PayloadError(ValueError):
    """A callback body that is not a platform payload."""


class Op(IntEnum):
    """The opcodes of the webhook mode."""

    DISPATCH = 0
    CALLBACK_ACK = 12
    VALIDATION = 13


class EventType(StrEnum):
    """The dispatches the adapter reads."""

    GROUP_AT = "GROUP_AT_MESSAGE_CREATE"
    C2C = "C2C_MESSAGE_CREATE"


@dataclass(frozen=True, slots=True)
class Validation:
    """op 13: sign event_ts + plain_token and answer both."""

    plain_token: str
    event_ts: str


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message to the bot: private (group_openid None) or a group @-message."""

    event_id: str
    msg_id: str
    author: str  # user_openid (private) or member_openid (group)
    content: str
    group_openid: str | None = None

    @property
    def is_group(self) -> bool:
        return self.group_openid is not None

    @property
    def dedup_keys(self) -> tuple[str, ...]:
        """What identifies a retry: the event id, and the message id (the platform may push one twice)."""
        keys = (f"event:{self.event_id}",) if self.event_id else ()
        return (*keys, f"msg:{self.msg_id}")


@dataclass(frozen=True, slots=True)
class Ignored:
    """A well-formed dispatch the adapter does not act on (another type, or no usable text)."""

    op: int
    type: str


Parsed = Validation | MessageEvent | Ignored


def load(raw: bytes) -> dict[str, Any]:
    """The payload object of a callback body."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("op"), int) or isinstance(data["op"], bool):
        raise PayloadError("the body is not a payload with an integer op")
    return data


def parse(payload: dict[str, Any]) -> Parsed:
    """What a payload asks of us."""
    op = payload["op"]
    data = payload.get("d")
    if op == Op.VALIDATION:
        return _validation(data)
    kind = str(payload.get("t") or "")
    if op != Op.DISPATCH or kind not in set(EventType) or not isinstance(data, dict):
        return Ignored(op, kind)
    event = _message(EventType(kind), str(payload.get("id") or ""), data)
    return event if event is not None else Ignored(op, kind)


def _validation(data: Any) -> Validation:
    if not isinstance(data, dict):
        raise PayloadError("op 13 without d")
    token, ts = data.get("plain_token"), data.get("event_ts")
    ts = str(ts) if isinstance(ts, int) and not isinstance(ts, bool) else ts  # older docs: a number
    if not isinstance(token, str) or not _TOKEN.match(token) or not isinstance(ts, str) or not _TS.match(ts):
        raise PayloadError("op 13 with an unexpected plain_token or event_ts")
    return Validation(plain_token=token, event_ts=ts)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _message(kind: EventType, event_id: str, data: dict[str, Any]) -> MessageEvent | None:
    raw_author = data.get("author")
    author: dict[str, Any] = raw_author if isinstance(raw_author, dict) else {}
    msg_id = _text(data.get("id"))
    if kind is EventType.GROUP_AT:
        group, who = _text(data.get("group_openid")), _text(author.get("member_openid"))
        if not group:
            return None
    else:
        group, who = "", _text(author.get("user_openid"))
    content = clean_content(data.get("content"))
    if not msg_id or not who or not content:
        return None
    return MessageEvent(event_id, msg_id, who, content, group or None)


def clean_content(value: Any) -> str:
    """The user's text: the @-mention and its whitespace removed, the platform's escapes undone, bounded."""
    if not isinstance(value, str):
        return ""
    text = _LEADING_MENTION.sub("", value).strip()
    for escaped, plain in _UNESCAPE:
        text = text.replace(escaped, plain)
    return text[:MAX_CONTENT]
