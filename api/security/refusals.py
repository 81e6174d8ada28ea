"""The refusal log: one short line per refused request, a few per minute per address, secrets masked.

Refusals are what an attacker controls, so their log lines are bounded in number (`per_minute` per
address and `total_per_minute` over all addresses, so that many addresses cannot flood it either) and in
length, carry no traceback, and never echo what was sent: no header, no body, no query string, and a
path only as the route it matched (or with anything that looks like a credential masked). When lines were
held back, the next line says how many.

Two sources write here: the security gate (`Guard`: unauthenticated, forbidden, not allowed) and
aiohttp's HTTP layer. A request that is not valid HTTP (a malformed request line or header, a body that
cannot be decoded) never reaches a middleware: aiohttp answers 400 and logs a traceback on the
`aiohttp.server` logger, echoing the raw bytes (an Authorization line included). `ProtocolErrorFilter`,
installed on that logger while the app runs, turns each such record into one line here instead.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from api.security.ratelimit import RateLimiter

log = logging.getLogger(__name__)

PER_ADDRESS_PER_MINUTE = 6
TOTAL_PER_MINUTE = 60
MASK = "***"
_MAX_PATH = 120
_MAX_REASON = 100
# A path segment that may be a credential: a JWT, or a long run of token characters.
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.?[\w-]*")
_TOKENISH = re.compile(r"^[\w.~+/=-]{20,}$")
# Where aiohttp's message starts quoting what was sent: `Invalid header value char:\n b'...'`.
_QUOTE = re.compile(r"""[:'"]""")


class RefusalLog:
    """Bounded one-line logging of refusals, keyed by the client's address."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        *,
        per_minute: int = PER_ADDRESS_PER_MINUTE,
        total_per_minute: int = TOTAL_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_address = RateLimiter(per_minute, clock)
        self._total = RateLimiter(total_per_minute, clock)
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self.held_back = 0  # lines not written since the last one that was

    def admit(self, address: str) -> bool:
        """Whether a line about `address` may be written now (charged to its budget if so)."""
        if self._per_address.take((f"ip:{address}",)) or self._total.take(("all",)):
            self.held_back += 1
            return False
        return True

    def refused(self, address: str, what: str, reason: str, *, level: int = logging.WARNING) -> None:
        """Log `refused <what> from <address>: <reason>` if the budget allows, masked and bounded."""
        if not self.admit(address):
            return
        note = f" ({self.held_back} more refusals not logged)" if self.held_back else ""
        self.held_back = 0
        line = self.mask(f"refused {what} from {address}: {reason}")
        log.log(level, "%s%s", line, note)

    def mask(self, text: str) -> str:
        """`text` without the configured secrets or anything shaped like a JWT."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _JWT.sub(MASK, text)


def loggable_path(request: web.BaseRequest) -> str:
    """The path to log for a refused request: the matched route's pattern (`/api/v1/symbol/{name}`),
    else the path with every segment that may be a credential masked, and cut to a bounded length."""
    match = getattr(request, "match_info", None)
    resource = match.route.resource if match is not None and match.http_exception is None else None
    if resource is not None:
        return resource.canonical
    segments = [MASK if _TOKENISH.match(s) or _JWT.search(s) else s for s in request.path.split("/")]
    path = "/".join(segments)
    return path if len(path) <= _MAX_PATH else path[:_MAX_PATH] + "..."


def describe_protocol_error(exc: BaseException) -> str:
    """`BadHttpMessage: Invalid header value char`: the error's kind and its first words, never the
    request bytes aiohttp quotes after them."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, HttpProcessingError):
        cause = cause.__cause__ or cause.__context__
    found = cause if cause is not None else exc
    message = found.message if isinstance(found, HttpProcessingError) else ""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    first = _QUOTE.split(first, maxsplit=1)[0].rstrip(" :.")
    reason = f"{type(found).__name__}: {first}" if first else type(found).__name__
    return reason[:_MAX_REASON]


def _is_protocol_error(exc: BaseException) -> bool:
    """An error of the HTTP layer about what the client sent (or a body that could not be decoded)."""
    while exc is not None:
        if isinstance(exc, (HttpProcessingError, web.RequestPayloadError)):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


class ProtocolErrorFilter(logging.Filter):
    """On `aiohttp.server`: protocol errors become one bounded refusal line; other errors keep their
    traceback (they are bugs) but within the same budget, so that nothing on this logger can flood."""

    def __init__(self, refusals: RefusalLog) -> None:
        super().__init__()
        self.refusals = refusals

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is None or record.exc_info[1] is None:
            return True  # aiohttp's own short notes (no traceback, no request bytes)
        exc = record.exc_info[1]
        if not str(record.msg).startswith("Error handling request from"):
            # "Unhandled exception" after the answer: aiohttp draining a body that the gate already
            # refused as undecodable (400) trips on it again. Nothing new happened: no line.
            return not _is_protocol_error(exc) and self.refusals.admit("?")
        address = str(record.args[0]) if isinstance(record.args, tuple) and record.args else "?"
        if _is_protocol_error(exc):
            level = logging.DEBUG if record.levelno < logging.WARNING else logging.WARNING
            self.refusals.refused(address, "a malformed request", describe_protocol_error(exc), level=level)
            return False
        return self.refusals.admit(address)


AIOHTTP_SERVER_LOGGER = "aiohttp.server"


def install_protocol_filter(refusals: RefusalLog) -> ProtocolErrorFilter:
    """Route aiohttp's protocol errors to `refusals` (until `remove_protocol_filter`)."""
    found = ProtocolErrorFilter(refusals)
    logging.getLogger(AIOHTTP_SERVER_LOGGER).addFilter(found)
    return found


def remove_protocol_filter(installed: ProtocolErrorFilter) -> None:
    logging.getLogger(AIOHTTP_SERVER_LOGGER).removeFilter(installed)
