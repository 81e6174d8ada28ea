"""The callback URL (接收消息服务器): URL verification (GET) and encrypted messages (POST).

Every request is verified (msg_signature over the ciphertext, receive id = corp id) before anything is
read; a forged or foreign request gets 403 and is never processed. A message is answered with an
empty 200 at once (WeCom retries after 5 s) and handed to the adapter's queue; the adapter drops
retries by MsgId, or for events by (user, CreateTime, EventKey, TaskId).
"""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from aiohttp import web

from bot.wecom.crypto import CryptoError, DecryptError, WeComCrypto

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
_DANGEROUS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlError(ValueError):
    """A callback body that is not the small, flat XML WeCom sends."""


class EventKind(StrEnum):
    """The callbacks the adapter acts on; every other MsgType/Event is ignored."""

    TEXT = "text"
    CARD = "template_card_event"
    MEDIA = "media"  # voice, image, video, file, location, link: answered with a short explanation


MEDIA_TYPES = frozenset({"voice", "image", "video", "file", "location", "link"})


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    """One decrypted, parsed callback: a text message or a template-card button press."""

    kind: EventKind
    user: str
    create_time: str
    text: str | None = None
    msg_id: str | None = None
    event_key: str | None = None
    task_id: str | None = None
    response_code: str | None = None
    media: str | None = None  # the MsgType of a MEDIA message

    @property
    def dedup_key(self) -> tuple[str, ...]:
        """What identifies WeCom's retries of this callback."""
        if self.msg_id:
            return ("msg", self.msg_id)
        return ("event", self.user, self.create_time, self.event_key or "", self.task_id or "")


def parse_xml(raw: bytes | str) -> dict[str, str]:
    """The top-level elements of a flat WeCom XML document as {tag: text}; DTDs are refused."""
    data = raw.encode() if isinstance(raw, str) else raw
    if _DANGEROUS.search(data):
        raise XmlError("DOCTYPE/ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(data)  # noqa: S314 - small, signed payload; DTDs refused above
    except ET.ParseError as exc:
        raise XmlError(f"malformed XML: {exc}") from None
    return {child.tag: (child.text or "").strip() for child in root}


def parse_event(fields: dict[str, str], agent_id: int | None = None) -> CallbackEvent | None:
    """The event the adapter acts on, or None for anything else (other types, another app)."""
    agent = fields.get("AgentID")
    if agent_id is not None and agent and agent != str(agent_id):
        log.debug("wecom callback for agent %s ignored (ours is %s)", agent, agent_id)
        return None
    user = fields.get("FromUserName", "")
    create_time = fields.get("CreateTime", "")
    msg_type = fields.get("MsgType", "")
    if not user:
        return None
    if msg_type == "text" and fields.get("Content"):
        return CallbackEvent(
            EventKind.TEXT, user, create_time, text=fields["Content"], msg_id=fields.get("MsgId") or None
        )
    if msg_type == "event" and fields.get("Event") == EventKind.CARD and fields.get("EventKey"):
        return CallbackEvent(
            EventKind.CARD,
            user,
            create_time,
            event_key=fields["EventKey"],
            task_id=fields.get("TaskId") or None,
            response_code=fields.get("ResponseCode") or None,
        )
    if msg_type in MEDIA_TYPES:
        return CallbackEvent(
            EventKind.MEDIA, user, create_time, media=msg_type, msg_id=fields.get("MsgId") or None
        )
    log.debug("wecom callback ignored: MsgType=%s Event=%s", msg_type, fields.get("Event", ""))
    return None


class CallbackTarget(Protocol):
    """What the routes need from the running adapter."""

    @property
    def crypto(self) -> WeComCrypto: ...

    @property
    def agent_id(self) -> int | None: ...

    @property
    def max_age_sec(self) -> int: ...

    def submit(self, event: CallbackEvent) -> bool: ...


def _signed_query(request: web.Request) -> tuple[str, str, str]:
    query = request.query
    try:
        return query["msg_signature"], query["timestamp"], query["nonce"]
    except KeyError:
        raise web.HTTPBadRequest(text="missing msg_signature/timestamp/nonce") from None


def _refuse(exc: CryptoError, request: web.Request) -> web.Response:
    if isinstance(exc, DecryptError):
        log.warning("wecom callback: undecryptable payload from %s: %s", request.remote, exc)
        return web.Response(status=400, text="bad payload")
    log.warning("wecom callback refused from %s: %s", request.remote, exc)
    return web.Response(status=403, text="forbidden")


async def handle_get(request: web.Request, target: CallbackTarget) -> web.Response:
    """URL verification: decrypt `echostr` and answer its plain text."""
    signature, timestamp, nonce = _signed_query(request)
    echostr = request.query.get("echostr")
    if not echostr:
        raise web.HTTPBadRequest(text="missing echostr")
    try:
        plain = target.crypto.open(signature, timestamp, nonce, echostr)
    except CryptoError as exc:
        return _refuse(exc, request)
    log.info("wecom callback URL verified")
    return web.Response(text=plain)


def fresh(timestamp: str, max_age_sec: int, now: float | None = None) -> bool:
    """Whether a callback's signed timestamp is within `max_age_sec` of now: an old request replayed
    by someone who captured it verifies, but is refused here (its MsgId may be long forgotten)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    return abs((time.time() if now is None else now) - sent) <= max_age_sec


async def handle_post(request: web.Request, target: CallbackTarget) -> web.Response:
    """A message: verify, decrypt, parse, queue; answer an empty 200 at once."""
    signature, timestamp, nonce = _signed_query(request)
    if not fresh(timestamp, target.max_age_sec):
        log.warning(
            "wecom callback from %s refused: timestamp %s outside the replay window",
            request.remote,
            timestamp[:20],
        )
        return web.Response(status=403, text="stale")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return web.Response(status=413, text="too large")
    raw = await request.read()  # bounded by the app's client_max_size even without Content-Length
    if len(raw) > MAX_BODY_BYTES:
        return web.Response(status=413, text="too large")
    try:
        encrypted = parse_xml(raw).get("Encrypt", "")
    except XmlError as exc:
        log.warning("wecom callback: unreadable envelope from %s: %s", request.remote, exc)
        return web.Response(status=400, text="bad xml")
    if not encrypted:
        return web.Response(status=400, text="missing Encrypt")
    try:
        plain = target.crypto.open(signature, timestamp, nonce, encrypted)
    except CryptoError as exc:
        return _refuse(exc, request)
    try:
        event = parse_event(parse_xml(plain), target.agent_id)
    except XmlError as exc:
        log.warning("wecom callback: unreadable message: %s", exc)
        return web.Response(status=400, text="bad xml")
    if event is not None:
        target.submit(event)
    return web.Response(text="")
