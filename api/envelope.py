"""The error middleware: every failure leaves the API as `{"success": false, "error", "code"}`.

Every error of mt5bot derives from `MT5BotError` and declares its kind; one table maps kinds to HTTP
statuses (docs/api.md, "Errors"). Anything unexpected is
logged with its traceback and answered with a generic 500: internals never reach the caller.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import ValidationError

from api.jsonio import fail
from mt5bridge.common.errors import ErrorKind, MT5BotError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    """A refusal decided at the API edge: status, stable code, message and extra envelope fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def describe_validation(exc: ValidationError) -> str:
    """A short, human list of what is wrong, e.g. `volume: Input should be greater than 0`."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts[:10])


# One table: what each kind of error is in HTTP (docs/api.md, "Errors").
STATUS_OF_KIND = {
    ErrorKind.INVALID: 400,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.REJECTED: 422,
    ErrorKind.FAILED: 502,
    ErrorKind.UNAVAILABLE: 503,
}


def error_response(exc: Exception) -> web.Response | None:
    """The envelope for a known exception, or None when it is unexpected."""
    if isinstance(exc, ApiError):
        return fail(exc.status, exc.code, exc.message, **exc.extra)
    if isinstance(exc, ValidationError):
        return fail(400, "invalid_request", describe_validation(exc))
    if isinstance(exc, MT5BotError):
        # A replayed refusal carries the first answer's kind and details: the same status and body.
        return fail(STATUS_OF_KIND[exc.kind], str(exc.code), exc.message, **exc.details())
    return None


def _http(exc: web.HTTPException) -> web.StreamResponse:
    if exc.status < 400:
        raise exc
    code = _HTTP_CODES.get(exc.status, f"http_{exc.status}")
    message = exc.reason if exc.status != 413 else "request body too large"
    response = fail(exc.status, code, message)
    allow = exc.headers.get("Allow")
    if allow is not None:
        response.headers["Allow"] = allow
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn exceptions (ours, the core's, aiohttp's 404/405/413) into the error envelope."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return _http(exc)
    except Exception as exc:
        response = error_response(exc)
        if response is not None:
            return response
        log.exception("unexpected error on %s %s", request.method, request.path)
        return fail(500, "internal_error", "internal server error; the incident was logged")


def middlewares() -> list[Middleware]:
    return [error_middleware]
