"""What the chat core's handlers share: the trading core, storage, rendering and books.

Handlers do not write the audit log: they return notes (step.py) that `ChatCore.handle` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.accounts import AccountBook
from bot.core.auth import Gate, Principal
from bot.core.confirm import ConfirmationBook
from bot.core.dialog import DialogBook
from bot.core.menu import MenuBook
from bot.core.render import Rendered, Renderer
from bot.core.reports import SuggestionBook
from bot.messages import Reply
from bot.settings import Settings
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.trading.port import RulePort, TradingPort
from mt5bridge.trading.service import TradingService
from nlu import Command
from nlu.llm import LLMParser
from reports.remote import ReportSource
from storage.database import Database


class RulesUnavailable(MT5BotError):
    """An account whose rules this service cannot reach (a bridge's rules are not relayed yet)."""

    kind = ErrorKind.UNAVAILABLE
    code = "rules_unavailable"

    def __init__(self) -> None:
        super().__init__("this account's rules cannot be reached from this service")


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
    """The chat core's collaborators, passed explicitly to every handler.

    `trading` is the default account's port; a handler acting on a command asks `port(cmd)`, which is
    the account the command names (chat core `AccountBook.resolve` made it explicit). `local` is this
    service's own trading core (its runtime switches, its status), None on a front without a terminal.
    """

    trading: TradingPort
    db: Database
    settings: Settings
    renderer: Renderer
    gate: Gate
    confirmations: ConfirmationBook
    dialogs: DialogBook
    clock: Callable[[], float]
    reports: ReportSource  # the default account's
    menus: MenuBook
    suggestions: SuggestionBook
    accounts: AccountBook
    local: TradingService | None = None
    report_sources: dict[str, ReportSource] = field(default_factory=dict)  # by account, when several
    llm: LLMParser | None = None
    _digits: dict[tuple[str, str], int] = field(default_factory=dict)

    def port(self, cmd: Command | None) -> TradingPort:
        """The trading port of the account `cmd` acts on (the default one for no command)."""
        return self.trading if cmd is None else self.accounts.entry(cmd).port

    def rules(self, cmd: Command | None) -> RulePort:
        """The rules of the account `cmd` acts on; `RulesUnavailable` when none are reachable."""
        entry = self.accounts.directory.default if cmd is None else self.accounts.entry(cmd)
        if entry.rules is None:
            raise RulesUnavailable()
        return entry.rules

    def reports_of(self, cmd: Command | None) -> ReportSource:
        """The reports of the account `cmd` acts on."""
        if cmd is None or not self.accounts.several:
            return self.reports
        return self.report_sources.get(self.accounts.entry(cmd).name, self.reports)

    def shown(self, cmd: Command | None) -> str | None:
        """The account's name as people see it, for previews and results; None with one account."""
        if not self.accounts.several or cmd is None:
            return None
        return self.accounts.entry(cmd).shown

    async def digits(self, symbols: set[str], cmd: Command | None = None) -> dict[str, int]:
        """Digits per broker symbol of the command's account (specs do not change during a run, so they
        are cached; two brokers may quote one name with different digits)."""
        account = self.accounts.entry(cmd).name if cmd is not None else ""
        port = self.port(cmd)
        for name in symbols:
            if (account, name) not in self._digits:
                self._digits[account, name] = (await port.symbol(name)).digits
        return {name: self._digits[account, name] for name in symbols}

    def render(self, p: Principal, file: str, macro: str, /, **context: object) -> Rendered:
        return self.renderer.render(p.lang, file, macro, **context)

    def render_on(
        self, p: Principal, cmd: Command | None, file: str, macro: str, /, **context: object
    ) -> Rendered:
        """`render`, headed by the command's account when there are several (previews, results)."""
        rendered = self.render(p, file, macro, **context)
        shown = self.shown(cmd)
        return rendered if shown is None else self.render(p, "accounts", "heading", name=shown).then(rendered)

    def reply(self, p: Principal, file: str, macro: str, /, **context: object) -> Reply:
        return self.render(p, file, macro, **context).reply()

    def error(
        self, p: Principal, exc: MT5BotError, *, edit: bool = False, cmd: Command | None = None
    ) -> Reply:
        """A refusal or failure, in the user's words: by its code, else by its kind; headed by the
        account of `cmd` when there are several."""
        rendered = self.error_text(p, exc)
        shown = self.shown(cmd)
        if shown is not None:
            rendered = self.render(p, "accounts", "heading", name=shown).then(rendered)
        return rendered.reply(edit=edit)

    def headed(self, p: Principal, cmd: Command, reply: Reply) -> Reply:
        """`reply` headed by the command's account when there are several (unchanged with one)."""
        shown = self.shown(cmd)
        if shown is None:
            return reply
        heading = self.render(p, "accounts", "heading", name=shown)
        return reply.model_copy(
            update={
                "text": f"{heading.text}\n{reply.text}",
                "html": None if reply.html is None else f"{heading.html}\n{reply.html}",
                "markdown": None if reply.markdown is None else f"{heading.markdown}\n{reply.markdown}",
            }
        )

    def error_text(self, p: Principal, exc: MT5BotError) -> Rendered:
        macro = TEMPLATE_OF_KIND[exc.kind]
        return self.render(p, "errors", macro, code=str(exc.code), message=exc.message)
