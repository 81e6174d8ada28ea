"""The bridge's error envelope back to the trading core's own exceptions, in one table.

A bridge answers a refusal as `{"success": false, "error": <message>, "code": <code>, ...details}` with a
status from its kind table (api/envelope.py). `error_of` turns it into the exception the bridge's core
raised, so a caller of `RemoteTrading` handles the same types as a caller of `TradingService`: by code
first (`_BY_CODE`), then by status (`_BY_STATUS`, which also sets the kind of anything unknown). A refusal
the bridge replays for an `Idempotency-Key` has the first answer's status and body, so it maps the same.

The link itself has three errors of its own: `BridgeUnreachable` (nothing reached the bridge, or a read
failed: retry later), `BridgeUnauthorized` (401: the token is wrong; waiting will not fix it) and
`BridgeOutcomeUnknown` (an order was sent and its answer lost: retry with the same request id, which the
bridge answers with the stored result; never send it under a new one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.terminal.errors import (
    CallTimeout,
    ClientCode,
    OrderOutcomeUnknown,
    TerminalFailure,
    TerminalUnavailable,
    TradeRejected,
)
from mt5bridge.trading.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidOrder,
    PreviewChanged,
    RequestInProgress,
    RiskRefused,
    TradingError,
    UnknownSymbol,
)
from mt5bridge.trading.models import Preview
from mt5bridge.trading.periods import PeriodError
from mt5bridge.trading.selectors import SelectionCode, SelectionError

E = TypeVar("E", bound=MT5BotError)


class BridgeUnreachable(TerminalUnavailable):
    """The bridge could not be reached or did not answer a read in time; nothing was decided there."""

    def __init__(self, account: str, message: str) -> None:
        super().__init__("bridge_unreachable", f"{account}: {message}")
        self.account = account


class BridgeUnauthorized(TerminalFailure):
    """The bridge refused the token (401): a configuration error, not a temporary one."""

    def __init__(self, account: str, message: str) -> None:
        super().__init__("bridge_unauthorized", f"{account}: {message}")
        self.account = account


class BridgeOutcomeUnknown(OrderOutcomeUnknown):
    """An order reached (or may have reached) the bridge and its answer was lost.

    It was not re-sent. `request_id` is the `Idempotency-Key` it went under: execute the same request
    with the same `request_id` to learn the outcome (the bridge answers the stored result, or runs it
    once if it never arrived); never under a new id, which could trade twice.
    """

    def __init__(self, account: str, request_id: str, message: str) -> None:
        text = f"{account}: the answer to request {request_id!r} was lost ({message}); retry with the same id"
        super().__init__(request_id, text)
        self.account = account
        self.request_id = request_id


class BridgeRefusal(TradingError):
    """A refusal no entry of the table names: the bridge's code, message and details, kind by status."""

    def __init__(self, code: str, message: str, kind: ErrorKind, details: dict[str, JsonValue]) -> None:
        super().__init__(code, message)
        self.kind = kind
        self._details = details

    def details(self) -> dict[str, JsonValue]:
        return dict(self._details)


class Failure(BaseModel):
    """A failure envelope as the bridge sends it; the details (`rule`, `retcode`, `preview`...) are extra."""

    model_config = ConfigDict(extra="allow", frozen=True)

    status: int
    code: str
    error: str

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _as(cls: type[E], f: Failure, **attrs: Any) -> E:
    """An exception of `cls` with the bridge's code and message (its own constructor would word it anew)."""
    exc = cls.__new__(cls)
    MT5BotError.__init__(exc, f.error, code=f.code)
    for name, value in attrs.items():
        setattr(exc, name, value)
    return exc


def _terminal(cls: type[TerminalUnavailable] | type[TerminalFailure] | type[TradeRejected]) -> Build:
    def build(f: Failure) -> MT5BotError:
        return cls(f.code, f.error, mt5_code=f.extra.get("retcode"), mt5_name=f.extra.get("retcode_name"))

    return build


def _rejected(f: Failure) -> MT5BotError:
    if "rule" in f.extra:
        return _as(RiskRefused, f, rule=str(f.extra["rule"]))
    return _terminal(TradeRejected)(f)


Build = Callable[[Failure], MT5BotError]
_SELECTION = {code.value for code in SelectionCode} - {SelectionCode.AMBIGUOUS, SelectionCode.INVALID_VOLUME}

# The table: a code the bridge's core raises -> the same exception here.
_BY_CODE: dict[str, Build] = {
    "forbidden_role": lambda f: _as(Forbidden, f, role=None),
    "idempotency_conflict": lambda f: _as(IdempotencyConflict, f),
    "request_in_progress": lambda f: _as(RequestInProgress, f),
    "preview_changed": lambda f: PreviewChanged(
        Preview.model_validate(f.extra["preview"]), f.extra["reason"]
    ),
    "unknown_symbol": lambda f: _as(UnknownSymbol, f),
    "invalid_range": lambda f: PeriodError(f.error),
    ClientCode.TERMINAL_DISCONNECTED: _terminal(TerminalUnavailable),
    ClientCode.CALL_TIMEOUT: _terminal(CallTimeout),
    ClientCode.ORDER_OUTCOME_UNKNOWN: lambda f: OrderOutcomeUnknown("", f.error),
    **{code: (lambda f: SelectionError(SelectionCode(f.code), f.error)) for code in _SELECTION},
}

# ...and by status for every other code (a trade retcode's name, a risk rule, the edge's own codes).
_BY_STATUS: dict[int, Build] = {
    400: lambda f: InvalidOrder(f.code, f.error),
    403: lambda f: _as(Forbidden, f, role=None),
    422: _rejected,
    502: _terminal(TerminalFailure),
    503: _terminal(TerminalUnavailable),
}
_KIND_OF_STATUS = {
    400: ErrorKind.INVALID, 403: ErrorKind.FORBIDDEN, 404: ErrorKind.INVALID, 405: ErrorKind.INVALID,
    409: ErrorKind.CONFLICT, 413: ErrorKind.INVALID, 422: ErrorKind.REJECTED, 429: ErrorKind.UNAVAILABLE,
    502: ErrorKind.FAILED, 503: ErrorKind.UNAVAILABLE,
}  # fmt: skip


def error_of(account: str, f: Failure) -> MT5BotError:
    """The exception the bridge's answer stands for (401: `BridgeUnauthorized`)."""
    if f.status == 401:
        return BridgeUnauthorized(account, f.error)
    build = _BY_CODE.get(f.code) or _BY_STATUS.get(f.status)
    if build is not None:
        return build(f)
    kind = _KIND_OF_STATUS.get(f.status, ErrorKind.FAILED)
    details = {k: v for k, v in f.extra.items() if k != "success"}
    return BridgeRefusal(f.code, f.error, kind, details)
