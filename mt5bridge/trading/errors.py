"""Errors of the trading core: a stable `code`, a human message, and the numbers behind it.

Terminal errors (mt5bridge.terminal.errors) pass through unchanged; these are the core's own refusals.
Only the edges (REST, chat) turn them into statuses or words.
"""

from __future__ import annotations


class TradingError(Exception):
    """Base: `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidOrder(TradingError):
    """The request cannot be sent as it is (volume off the step, price on the wrong side...)."""


class UnknownSymbol(InvalidOrder):
    def __init__(self, name: str) -> None:
        super().__init__("unknown_symbol", f"no symbol {name!r} on this terminal")


class RiskRefused(TradingError):
    """A configured risk rule says no; `rule` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"risk_{rule}", message)
        self.rule = rule


class IdempotencyConflict(TradingError):
    """The request id was used before for a different request (or by someone else)."""

    def __init__(self, request_id: str) -> None:
        super().__init__(
            "idempotency_conflict", f"request id {request_id!r} was used for a different request"
        )


class RequestInProgress(TradingError):
    def __init__(self, request_id: str) -> None:
        super().__init__("request_in_progress", f"request {request_id!r} is being executed right now")


class Forbidden(TradingError):
    """The actor's role may not do this; the core refuses even if a front-end forgot to check."""

    def __init__(self, role: str | None, action: str) -> None:
        super().__init__("forbidden_role", f"role {role or 'none'} may not {action}")
        self.role = role
