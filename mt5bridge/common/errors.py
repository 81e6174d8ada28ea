"""The one root of mt5bot's errors: a stable `code`, a human `message`, and a `kind` saying how to react.

Every error a front-end may show (the terminal's, the trading core's, the selectors', periods',
indicators', reports') derives from `MT5BotError` and declares its kind; `details()` gives the numbers
behind it. Only the edges turn kinds into words: REST maps them to statuses (api/envelope.py) and chat to
templates (bot/core/context.py), each in one table.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import JsonValue


class ErrorKind(StrEnum):
    """What a caller should make of an error (REST: 400, 403, 409, 422, 502, 503)."""

    INVALID = "invalid"  # the request cannot be done as asked; fix it
    FORBIDDEN = "forbidden"  # the caller's role may not do this
    CONFLICT = "conflict"  # the request id is busy or taken, or what was confirmed changed meanwhile
    REJECTED = "rejected"  # a risk rule or the trade server said no
    FAILED = "failed"  # the terminal failed in a way waiting will not fix
    UNAVAILABLE = "unavailable"  # the terminal cannot be reached now; retry later


class MT5BotError(Exception):
    """Base of every error an edge shows: `code` for programs, `message` for people, `kind` for both.

    Subclasses declare `kind` (and may declare a class-wide `code`); `str()` stays the message.
    """

    code: str = "error"
    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def details(self) -> dict[str, JsonValue]:
        """The numbers behind the error, for the REST envelope and the idempotency store."""
        return {}
