"""A refusal as data: what any error of the core means to a caller, and how it is stored and replayed.

`refusal_of` reads the code, message, kind and details of any error the core raises (its own, the
selectors', the terminal's). The REST edge maps kinds to statuses in one table, and the idempotency store
keeps a refusal so that a retry with the same request id gets the same answer (`ReplayedRefusal`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, JsonValue

from mt5bridge.terminal.errors import MT5Error, TerminalFailure, TerminalUnavailable, TradeRejected
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    RequestInProgress,
    RiskRefused,
    TradingError,
)
from mt5bridge.trading.selectors import AmbiguousSelection, SelectionError

CoreError = TradingError | MT5Error | SelectionError
CORE_ERRORS = (TradingError, MT5Error, SelectionError)


class ErrorKind(StrEnum):
    """What a caller should make of a refusal (REST: 400, 403, 409, 422, 502, 503)."""

    INVALID = "invalid"  # the request cannot be done as asked; fix it
    FORBIDDEN = "forbidden"  # the caller's role may not do this
    CONFLICT = "conflict"  # the request id is busy or was used for something else
    REJECTED = "rejected"  # a risk rule or the trade server said no
    FAILED = "failed"  # the terminal failed in a way waiting will not fix
    UNAVAILABLE = "unavailable"  # the terminal cannot be reached now; retry later


class Refusal(BaseModel):
    """A refusal as stored under a request id and answered again on a retry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    message: str
    kind: ErrorKind
    details: dict[str, JsonValue] = {}


class ReplayedRefusal(TradingError):
    """The stored refusal of an earlier request with the same id."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code, refusal.message)
        self.refusal = refusal


# The first class an error is an instance of decides its kind (subclasses before their bases).
_KINDS: tuple[tuple[type[Exception], ErrorKind], ...] = (
    (SelectionError, ErrorKind.INVALID),
    (RiskRefused, ErrorKind.REJECTED),
    (Forbidden, ErrorKind.FORBIDDEN),
    (IdempotencyConflict, ErrorKind.CONFLICT),
    (RequestInProgress, ErrorKind.CONFLICT),
    (TradingError, ErrorKind.INVALID),
    (TerminalUnavailable, ErrorKind.UNAVAILABLE),
    (TradeRejected, ErrorKind.REJECTED),
    (TerminalFailure, ErrorKind.FAILED),
    (MT5Error, ErrorKind.INVALID),  # InvalidRequest: the arguments were refused
)


def refusal_of(exc: CoreError) -> Refusal:
    """The code, message, kind and details of an error of the core (or of the terminal beneath it)."""
    if isinstance(exc, ReplayedRefusal):
        return exc.refusal
    kind = next(kind for cls, kind in _KINDS if isinstance(exc, cls))
    details: dict[str, JsonValue] = {}
    if isinstance(exc, AmbiguousSelection):
        details["candidates"] = [p.ticket for p in exc.candidates]
    elif isinstance(exc, RiskRefused):
        details["rule"] = exc.rule
    elif isinstance(exc, TradeRejected):
        details.update(retcode=exc.mt5_code, retcode_name=exc.mt5_name)
    return Refusal(code=str(exc.code), message=exc.message, kind=kind, details=details)


def is_temporary(exc: CoreError) -> bool:
    """Whether a retry of the same request may succeed without changing it (so it is not stored)."""
    return isinstance(exc, (TerminalUnavailable, TerminalFailure))
