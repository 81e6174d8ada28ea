"""A refusal as data: what an error of the core means to a caller, and how it is stored and replayed.

Every error the core raises (its own, the selectors', the terminal's) is an `MT5BotError` that declares
its code, message, kind and details. The idempotency store keeps a refusal so that a retry with the same
request id gets the same answer (`ReplayedRefusal`), which the REST edge turns into the same status and
body through its one kind table.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.terminal.errors import TerminalFailure, TerminalUnavailable
from mt5bridge.trading.errors import PreviewChanged, TradingError

__all__ = ["ErrorKind", "Refusal", "ReplayedRefusal", "refusal_of", "settles_request"]


class Refusal(BaseModel):
    """A refusal as stored under a request id and answered again on a retry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    message: str
    kind: ErrorKind
    details: dict[str, JsonValue] = {}


class ReplayedRefusal(TradingError):
    """The stored refusal of an earlier request with the same id: its kind and details as the first time."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code, refusal.message)
        self.refusal = refusal
        self.kind = refusal.kind

    def details(self) -> dict[str, JsonValue]:
        return dict(self.refusal.details)


def refusal_of(exc: MT5BotError) -> Refusal:
    """The code, message, kind and details of an error, as the idempotency store keeps them."""
    if isinstance(exc, ReplayedRefusal):
        return exc.refusal
    return Refusal(code=str(exc.code), message=exc.message, kind=exc.kind, details=exc.details())


def settles_request(exc: MT5BotError) -> bool:
    """Whether a refusal is the request id's final answer (stored, so a retry gets it again).

    Not when nothing was decided: the terminal was unreachable or failed (a retry may run once it is
    back), or the plan moved away from the confirmed preview (the caller may confirm the fresh one and
    send the same request id again).
    """
    return not isinstance(exc, (TerminalUnavailable, TerminalFailure, PreviewChanged))
