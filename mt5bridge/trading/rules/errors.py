"""Why a rule cannot start: the preview shows these; the evaluation holds instead of raising them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError


class StartCode(StrEnum):
    EMPTY_SCOPE = "empty_scope"  # a staged take-profit with no position in its scope
    MIXED_SCOPE = "mixed_scope"  # a staged take-profit whose scope holds several symbols or both sides


class RuleStartError(MT5BotError):
    """The rule's confirmation-time figures cannot be taken from the account as it is."""

    kind = ErrorKind.INVALID

    def __init__(self, code: StartCode, message: str) -> None:
        super().__init__(message, code=f"rule_{code.value}")
        self.start_code = code

    def details(self) -> dict[str, JsonValue]:
        return {"start_code": self.start_code.value}
