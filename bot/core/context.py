"""What the chat core's handlers share: the trading core, storage, rendering and books.

Handlers do not write the audit log: they return notes (step.py) that `ChatCore.handle` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.auth import Gate, Principal
from bot.core.confirm import ConfirmationBook
from bot.core.dialog import DialogBook
from bot.core.menu import MenuBook
from bot.core.render import Rendered, Renderer
from bot.core.reports import SuggestionBook
from bot.messages import Reply
from bot.settings import Settings
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.trading.service import TradingService
from nlu.llm import LLMParser
from reports.service import ReportService
from storage.database import Database

# One table: the errors.j2 macro that tells the user about each kind of error (its code picks the words).
TEMPLATE_OF_KIND: dict[ErrorKind, str] = {
    ErrorKind.INVALID: "invalid",
    ErrorKind.FORBIDDEN: "forbidden",
    ErrorKind.CONFLICT: "conflict",
    ErrorKind.REJECTED: "rejected",
    ErrorKind.FAILED: "failed",
    ErrorKind.UNAVAILABLE: "unavailable",
}


@dataclass
class Deps:
    """The chat core's collaborators, passed explicitly to every handler."""

    trading: TradingService
    db: Database
    settings: Settings
    renderer: Renderer
    gate: Gate
    confirmations: ConfirmationBook
    dialogs: DialogBook
    clock: Callable[[], float]
    reports: ReportService
    menus: MenuBook
    suggestions: SuggestionBook
    llm: LLMParser | None = None
    _digits: dict[str, int] = field(default_factory=dict)

    async def digits(self, symbols: set[str]) -> dict[str, int]:
        """Digits per broker symbol (specs do not change during a run, so they are cached)."""
        for name in symbols - self._digits.keys():
            self._digits[name] = (await self.trading.symbol(name)).digits
        return {name: self._digits[name] for name in symbols}

    def render(self, p: Principal, file: str, macro: str, /, **context: object) -> Rendered:
        return self.renderer.render(p.lang, file, macro, **context)

    def reply(self, p: Principal, file: str, macro: str, /, **context: object) -> Reply:
        return self.render(p, file, macro, **context).reply()

    def error(self, p: Principal, exc: MT5BotError, *, edit: bool = False) -> Reply:
        """A refusal or failure, in the user's words: by its code, else by its kind."""
        macro = TEMPLATE_OF_KIND[exc.kind]
        return self.render(p, "errors", macro, code=str(exc.code), message=exc.message).reply(edit=edit)
