"""The webhook route (回调地址): URL validation (op 13) and signed dispatches (op 0), acknowledged with op 12.

Every dispatch must carry a valid ed25519 signature (X-Signature-Ed25519 over X-Signature-Timestamp + the
raw body) before it is read: otherwise 401 (missing) or 403 (forged, stale, another bot) and nothing is
processed. The platform's own example sends the op 13 validation without signature headers, so an unsigned
op 13 is answered, but only for a plain_token of letters and digits (see events.py: the answer can then
never serve as the signature of a forged body). A message is queued and answered at once with op 12.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.qqbot.events import Ignored, MessageEvent, Op, PayloadError, Validation, load, parse
from bot.qqbot.signing import SignatureError, Signer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
FUTURE_SKEW_SEC = 300.0  # a timestamp this far ahead of our clock is refused too
SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
APPID_HEADER = "X-Bot-Appid"


class CallbackTarget(Protocol):
    """What the route needs from the running adapter."""

    @property
    def signer(self) -> Signer: ...

    @property
    def app_id(self) -> str: ...

    @property
    def max_age_sec(self) -> float: ...

    def submit(self, event: MessageEvent) -> bool: ...


def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
    log.warning("qqbot callback refused from %s: %s", request.remote, reason)
    return web.json_response({"code": status, "message": reason}, status=status)


def check_age(timestamp: str, max_age_sec: float, now: float) -> None:
    """Raise SignatureError for a timestamp that is not a number, too old or too far ahead."""
    if not timestamp.isdigit():
        raise SignatureError("X-Signature-Timestamp is not a Unix time")
    if max_age_sec <= 0:
        return
    age = now - int(timestamp)
    if age > max_age_sec or -age > FUTURE_SKEW_SEC:
        raise SignatureError(f"X-Signature-Timestamp is {age:.0f} s from our clock (replay or clock skew)")


def _authenticate(
    request: web.Request, target: CallbackTarget, raw: bytes, now: float
) -> tuple[bool, web.Response | None]:
    """(signed, refusal): a refusal for a foreign or forged request; unsigned ones are judged later."""
    app_id = request.headers.get(APPID_HEADER, "").strip()
    if app_id and not hmac.compare_digest(app_id.encode(), target.app_id.encode()):
        return False, _refuse(403, "X-Bot-Appid is another bot", request)
    signature = request.headers.get(SIGNATURE_HEADER, "").strip()
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    if not (signature or timestamp):
        return False, None
    if not (signature and timestamp):
        return True, _refuse(401, f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} are both needed", request)
    try:
        target.signer.verify(signature, timestamp, raw)
        check_age(timestamp, target.max_age_sec, now)
    except SignatureError as exc:
        return True, _refuse(403, str(exc), request)
    return True, None


async def handle_post(
    request: web.Request, target: CallbackTarget, *, wall: Callable[[], float] = time.time
) -> web.Response:
    """One callback: authenticate, parse, answer the handshake or queue the message and ACK."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return web.Response(status=413, text="too large")
    raw = await request.read()  # bounded by the app's client_max_size even without Content-Length
    if len(raw) > MAX_BODY_BYTES:
        return web.Response(status=413, text="too large")
    signed, refusal = _authenticate(request, target, raw, wall())
    if refusal is not None:
        return refusal
    try:
        parsed = parse(load(raw))
    except PayloadError as exc:
        if not signed:
            return _refuse(401, "unsigned callback", request)
        log.warning("qqbot callback: unreadable payload: %s", exc)
        return web.Response(status=400, text="bad payload")
    if isinstance(parsed, Validation):
        log.info("qqbot callback URL validation answered (signed: %s)", signed)
        answer = target.signer.answer_validation(parsed.event_ts, parsed.plain_token)
        return web.json_response({"plain_token": parsed.plain_token, "signature": answer})
    if not signed:
        return _refuse(401, "unsigned callback", request)
    if isinstance(parsed, MessageEvent):
        target.submit(parsed)
    elif isinstance(parsed, Ignored):
        log.debug("qqbot callback ignored: op %s type %s", parsed.op, parsed.type or "-")
    return web.json_response({"op": int(Op.CALLBACK_ACK)})
