"""Exceptions of the terminal layer: each kind says how a caller should react.

- `TerminalUnavailable`: link to the terminal down, IPC failure; nothing was done. Retry later (REST 503).
- `CallTimeout` (a `TerminalUnavailable`): no answer within `call_timeout_sec`. Retry later (503).
- `TradeRejected`: the trade server or terminal refused the request with a retcode. Show the user (422).
- `InvalidRequest`: arguments refused (RES_E_INVALID_PARAMS, -2, or our own checks). Fix them (400).
- `OrderOutcomeUnknown`: an order may or may not have executed; carries the tag. Reconcile, never resend.
- `TerminalFailure`: any other RES_* failure (auth, version, unsupported, API disabled). Alert (502).

`code` is a stable lower-case string: trade retcodes are the constant's suffix (`TRADE_RETCODE_INVALID_VOLUME`
-> `invalid_volume`), RES_* codes are named in `RES_CODES`, the client's own are in `ClientCode`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from pydantic import JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.terminal import constants as C


class ClientCode(StrEnum):
    """Codes the client raises on its own account."""

    TERMINAL_DISCONNECTED = "terminal_disconnected"
    CALL_TIMEOUT = "call_timeout"
    ORDER_OUTCOME_UNKNOWN = "order_outcome_unknown"
    UNKNOWN_SYMBOL = "unknown_symbol"
    INVALID_ARGUMENT = "invalid_argument"
    UNEXPECTED_RESULT = "unexpected_result"


def _constant_names(prefix: str) -> dict[int, str]:
    return {
        value: name for name, value in vars(C).items() if name.startswith(prefix) and isinstance(value, int)
    }


RETCODE_NAMES: dict[int, str] = _constant_names("TRADE_RETCODE_")
"""Trade retcode -> constant name, e.g. 10014 -> 'TRADE_RETCODE_INVALID_VOLUME'."""

RES_NAMES: dict[int, str] = _constant_names("RES_")
"""RES_* code -> constant name, e.g. -10004 -> 'RES_E_INTERNAL_FAIL_CONNECT'."""

RES_CODES: dict[int, str] = {
    C.RES_S_OK: "ok",
    C.RES_E_FAIL: "call_failed",
    C.RES_E_INVALID_PARAMS: "invalid_params",
    C.RES_E_NO_MEMORY: "no_memory",
    C.RES_E_NOT_FOUND: "not_found",
    C.RES_E_INVALID_VERSION: "invalid_version",
    C.RES_E_AUTH_FAILED: "auth_failed",
    C.RES_E_UNSUPPORTED: "unsupported",
    C.RES_E_AUTO_TRADING_DISABLED: "auto_trading_disabled",
    C.RES_E_INTERNAL_FAIL: "terminal_disconnected",
    C.RES_E_INTERNAL_FAIL_SEND: "terminal_disconnected",
    C.RES_E_INTERNAL_FAIL_RECEIVE: "terminal_disconnected",
    C.RES_E_INTERNAL_FAIL_INIT: "terminal_not_found",
    C.RES_E_INTERNAL_FAIL_CONNECT: "terminal_disconnected",
    C.RES_E_INTERNAL_FAIL_TIMEOUT: "terminal_timeout",
}

LINK_CODES = frozenset(range(C.RES_E_INTERNAL_FAIL_TIMEOUT, C.RES_E_INTERNAL_FAIL + 1))
"""RES codes -10000..-10005: the IPC link failed; temporary."""

MAYBE_SENT_CODES = frozenset(
    {C.RES_E_INTERNAL_FAIL, C.RES_E_INTERNAL_FAIL_RECEIVE, C.RES_E_INTERNAL_FAIL_TIMEOUT}
)
"""Link failures after which a request may have reached the terminal (receive failed, IPC timeout)."""


def retcode_code(retcode: int) -> str:
    """The stable code of a trade retcode: `invalid_volume` for 10014, `retcode_<n>` if unknown."""
    name = RETCODE_NAMES.get(retcode)
    return name.removeprefix("TRADE_RETCODE_").lower() if name else f"retcode_{retcode}"


class MT5Error(MT5BotError):
    """Base of the terminal layer's errors: `code`, MT5's numeric code and its constant name, a message."""

    retryable = False
    kind = ErrorKind.INVALID

    def __init__(self, code: str, message: str, *, mt5_code: int | None = None, mt5_name: str | None = None):
        super().__init__(message, code=code)
        self.mt5_code = mt5_code
        self.mt5_name = mt5_name

    def __str__(self) -> str:
        tail = f" [{self.mt5_name or self.mt5_code}]" if self.mt5_code is not None else ""
        return f"{self.code}: {self.message}{tail}"


class TerminalUnavailable(MT5Error):
    """The terminal cannot be reached now; nothing was done. Retry later."""

    retryable = True
    kind = ErrorKind.UNAVAILABLE


class CallTimeout(TerminalUnavailable):
    """The terminal did not answer in time; the call may still be running on the worker thread."""


class TradeRejected(MT5Error):
    """The trade server or terminal refused a trade request; `mt5_code` is the retcode."""

    kind = ErrorKind.REJECTED

    def details(self) -> dict[str, JsonValue]:
        return {"retcode": self.mt5_code, "retcode_name": self.mt5_name}


class InvalidRequest(MT5Error):
    """The arguments were refused before reaching the trade server."""

    kind = ErrorKind.INVALID


class TerminalFailure(MT5Error):
    """The terminal answered with a failure that waiting will not fix (auth, version, API disabled...)."""

    kind = ErrorKind.FAILED


class OrderOutcomeUnknown(MT5Error):
    """An order may have been executed but nothing confirms it; find it later by `tag`, never resend."""

    kind = ErrorKind.FAILED

    def __init__(self, tag: str, message: str, *, mt5_code: int | None = None, mt5_name: str | None = None):
        super().__init__(ClientCode.ORDER_OUTCOME_UNKNOWN, message, mt5_code=mt5_code, mt5_name=mt5_name)
        self.tag = tag


T = TypeVar("T")


def typed(build: Callable[[], T]) -> T:
    """`build()`, where a value MT5 never sends (a model's ValueError or TypeError) is a TerminalFailure
    `unexpected_result` rather than an unexplained error: the one place typed reads map it."""
    try:
        return build()
    except (ValueError, TypeError) as exc:
        unexpected = f"unexpected answer from the terminal: {exc}"
        raise TerminalFailure(ClientCode.UNEXPECTED_RESULT, unexpected) from exc


def from_last_error(error: tuple[int, str], what: str) -> MT5Error:
    """The exception for a None/False answer with `last_error() == error` from call `what`."""
    code, text = error
    name = RES_NAMES.get(code)
    stable = RES_CODES.get(code, f"res_{code}")
    message = f"{what}: {text}"
    if code in LINK_CODES:
        return TerminalUnavailable(stable, message, mt5_code=code, mt5_name=name)
    if code == C.RES_E_INVALID_PARAMS:
        return InvalidRequest(stable, message, mt5_code=code, mt5_name=name)
    return TerminalFailure(stable, message, mt5_code=code, mt5_name=name)


def rejected(retcode: int, comment: str, code: str | None = None) -> TradeRejected:
    """The exception for an OrderSendResult/OrderCheckResult whose retcode is not a success."""
    name = RETCODE_NAMES.get(retcode)
    return TradeRejected(
        code or retcode_code(retcode), comment or name or str(retcode), mt5_code=retcode, mt5_name=name
    )
