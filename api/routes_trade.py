"""Trading routes: open, modify, close, close_all, cancel and preview, all through the trading core.

Every action carries an `Actor` built from the authenticated principal and the `Idempotency-Key` header
as its request id, so the core's risk rules, idempotency and audit apply exactly as for the chat.
"""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel

from api.envelope import ApiError
from api.jsonio import fail, ok, read_body
from api.keys import TRADING
from api.routing import Endpoint
from api.schemas import CancelBody, CloseAllBody, CloseBody, ModifyBody, OpenBody, PreviewBody
from api.security.auth import PRINCIPAL
from mt5bridge.trading.models import ActionResult, Actor, Preview
from mt5bridge.trading.service import TradeRequestModel

IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRADE_ERRORS = (400, 403, 409, 422, 503)


def actor_of(request: web.Request) -> Actor:
    """The caller as the core audits it; a trading route without a principal is a wiring bug (500)."""
    principal = request.get(PRINCIPAL)
    if principal is None:
        raise RuntimeError("no authenticated principal on a trading route")
    if not principal.can_trade:
        raise ApiError(403, "forbidden_role", f"role {principal.role} cannot trade")
    return Actor(platform="rest", user_id=principal.subject, role=principal.role)


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _KEY_RE.fullmatch(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{IDEMPOTENCY_HEADER} must be 1-128 characters of letters, digits and . _ : -",
        )
    return key


def _result_response(result: ActionResult) -> web.Response:
    """200 when every leg went through; otherwise the refusal (422) or an unknown outcome (502)."""
    data = result.model_dump(mode="json")
    if result.ok:
        return ok(data)
    failed = next((o for o in result.outcomes if not o.ok), None)
    if failed is not None and failed.unknown:
        message = "the outcome of an order is unknown; it was not re-sent. Check positions before retrying"
        return fail(502, "order_outcome_unknown", message, result=data)
    retcode = failed.retcode if failed else None
    name = failed.retcode_name if failed else None
    message = failed.message if failed else "nothing was sent"
    return fail(422, "trade_rejected", message, retcode=retcode, retcode_name=name, result=data)


async def _execute(request: web.Request, body: type[BaseModel]) -> web.Response:
    actor = actor_of(request)
    key = idempotency_key(request)
    parsed = await read_body(request, body)
    core: TradeRequestModel = parsed.to_core()  # type: ignore[attr-defined]
    expected: Preview | None = parsed.expected_preview  # type: ignore[attr-defined]
    result = await request.app[TRADING].execute(core, actor, request_id=key, expected=expected)
    return _result_response(result)


async def order_open(request: web.Request) -> web.Response:
    """POST /order/open: a market or pending order."""
    return await _execute(request, OpenBody)


async def order_modify(request: web.Request) -> web.Response:
    """POST /order/modify: SL/TP of a position, or price/SL/TP of a pending order."""
    return await _execute(request, ModifyBody)


async def order_close(request: web.Request) -> web.Response:
    """POST /order/close: by ticket, or by filters and a selector."""
    return await _execute(request, CloseBody)


async def order_close_all(request: web.Request) -> web.Response:
    """POST /order/close_all: every position (of a symbol)."""
    return await _execute(request, CloseAllBody)


async def order_cancel(request: web.Request) -> web.Response:
    """POST /order/cancel: a pending order, a symbol's, or all."""
    return await _execute(request, CancelBody)


async def order_preview(request: web.Request) -> web.Response:
    """POST /order/preview: what the matching route would send now, without sending anything."""
    parsed = (await read_body(request, PreviewBody)).root
    preview = await request.app[TRADING].preview(parsed.to_core())
    return ok(preview.model_dump(mode="json"))


_SENDS = (
    "Sent once per Idempotency-Key; a repeat returns the first result with replayed=true. With "
    "`expected_preview` (the answer of POST /order/preview), nothing is sent if the plan or a market price "
    "moved beyond the deviation since: 409 `preview_changed` with the fresh `preview` (the key stays free)."
)
ENDPOINTS = (
    Endpoint(
        "POST", "/order/open", order_open, "Open a market or pending order", "trading", ActionResult,
        body=OpenBody, errors=_TRADE_ERRORS, description=_SENDS, idempotent=True,
    ),
    Endpoint(
        "POST", "/order/modify", order_modify, "Modify SL/TP or a pending price", "trading", ActionResult,
        body=ModifyBody, errors=_TRADE_ERRORS, description=_SENDS, idempotent=True,
    ),
    Endpoint(
        "POST", "/order/close", order_close, "Close positions by ticket or selector", "trading",
        ActionResult, body=CloseBody, errors=_TRADE_ERRORS, description=_SENDS, idempotent=True,
    ),
    Endpoint(
        "POST", "/order/close_all", order_close_all, "Close every position (of a symbol)", "trading",
        ActionResult, body=CloseAllBody, errors=_TRADE_ERRORS, description=_SENDS, idempotent=True,
    ),
    Endpoint(
        "POST", "/order/cancel", order_cancel, "Cancel pending orders", "trading", ActionResult,
        body=CancelBody, errors=_TRADE_ERRORS, description=_SENDS, idempotent=True,
    ),
    Endpoint(
        "POST", "/order/preview", order_preview, "Preview any order action without sending", "trading",
        Preview, body=PreviewBody, errors=(400, 422, 503),
        description="The body of the matching route plus `action`: open, modify, close, close_all, cancel.",
    ),
)  # fmt: skip
