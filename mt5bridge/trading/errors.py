"""Errors of the trading core: a stable `code`, a human message, a kind, and the numbers behind it.

Terminal errors (mt5bridge.terminal.errors) pass through unchanged; these are the core's own refusals.
All share the root `mt5bridge.common.errors.MT5BotError`; only the edges (REST, chat) turn their kinds
into statuses or words.
"""

from __future__ import annotations

from typing import Literal

from pydantic import JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.trading.models import Preview


class TradingError(MT5BotError):
    """Base: `code` is stable for programs, `message` is for people."""

    kind = ErrorKind.INVALID

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidOrder(TradingError):
    """The request cannot be sent as it is (volume off the step, price on the wrong side...)."""


class UnknownSymbol(InvalidOrder):
    def __init__(self, name: str) -> None:
        super().__init__("unknown_symbol", f"no symbol {name!r} on this terminal")


class RiskRefused(TradingError):
    """A configured risk rule says no; `rule` names it."""

    kind = ErrorKind.REJECTED

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"risk_{rule}", message)
        self.rule = rule

    def details(self) -> dict[str, JsonValue]:
        return {"rule": self.rule}


class IdempotencyConflict(TradingError):
    """The request id was used before for a different request (or by someone else)."""

    kind = ErrorKind.CONFLICT

    def __init__(self, request_id: str) -> None:
        super().__init__(
            "idempotency_conflict", f"request id {request_id!r} was used for a different request"
        )


class RequestInProgress(TradingError):
    kind = ErrorKind.CONFLICT

    def __init__(self, request_id: str) -> None:
        super().__init__("request_in_progress", f"request {request_id!r} is being executed right now")


class Forbidden(TradingError):
    """The actor's role may not do this; the core refuses even if a front-end forgot to check."""

    kind = ErrorKind.FORBIDDEN

    def __init__(self, role: str | None, action: str) -> None:
        super().__init__("forbidden_role", f"role {role or 'none'} may not {action}")
        self.role = role


ChangeReason = Literal["price_moved", "plan_changed"]
_CHANGED = {
    "price_moved": "the price moved beyond the order's deviation since the preview; please confirm again",
    "plan_changed": "the positions changed since the preview; please confirm again",
}


class PreviewChanged(TradingError):
    """What the user confirmed is no longer what would be sent; nothing was. `fresh` is the plan now."""

    kind = ErrorKind.CONFLICT

    def __init__(self, fresh: Preview, reason: ChangeReason) -> None:
        super().__init__("preview_changed", _CHANGED[reason])
        self.fresh = fresh
        self.reason: ChangeReason = reason

    def details(self) -> dict[str, JsonValue]:
        return {"reason": self.reason, "preview": self.fresh.model_dump(mode="json")}
