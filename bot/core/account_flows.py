"""Chat flows about accounts: switching, listing, refusing a name, and queries on all accounts.

Queries on all accounts ("所有账户持仓", "P&L on all accounts") ask every account of the user at once,
each within `ALL_TIMEOUT_SEC`, and answer one message with a section per account; the accounts that did
not answer are named at the end, never left out silently. A report on all accounts is the consolidated
report (reports/consolidated.py), built from the very per-account reports each account would send.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.core.accounts import AccountNotYours
from bot.core.auth import Principal
from bot.core.commands import Commands
from bot.core.context import Deps
from bot.core.dialog import account_action
from bot.core.render import Rendered, joined
from bot.core.reports import consolidated_reply
from bot.core.step import Note, Step
from bot.messages import Button, Reply
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.remote.directory import AccountEntry
from nlu import Command, Intent, Report
from nlu.lexicon import lexicon
from reports.across import AccountsReports
from reports.models import ReportKind
from storage.models import Outcome

log = logging.getLogger(__name__)

ALL_TIMEOUT_SEC = 10.0  # per account: a slow bridge is named as not answering, the others still answer


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account as /accounts lists it."""

    name: str
    shown: str
    local: bool
    state: str | None
    current: bool


class AccountFlows:
    """Switching and listing accounts, and queries that fan out over all of a user's accounts."""

    def __init__(self, deps: Deps, commands: Commands) -> None:
        self.d = deps
        self.commands = commands
        self._names = lexicon(deps.settings.nlu.aliases)

    def refused(self, p: Principal, exc: AccountNotYours, cmd: Command | None = None) -> Step:
        """A name that is not one of the user's accounts: the same words whether or not it exists."""
        mine = [e.shown for e in exc.mine]
        return Step(
            [self.d.reply(p, "accounts", "no_such", name=exc.name, mine=mine)],
            [Note(p, "account", Outcome.DENIED if exc.code == "account_not_allowed" else Outcome.REFUSED,
                  command=cmd, error_code=str(exc.code))],
        )  # fmt: skip

    def unknown(self, p: Principal, cmd: Command, name: str) -> Step:
        """The parser found a name in an account's place that no account has."""
        return self.refused(p, AccountNotYours(name, self.d.accounts.mine(p.entry), configured=False), cmd)

    def use(self, p: Principal, cmd: Command) -> Step:
        """ "/use demo", "切换到 IC实盘": switch; "/use" alone: the user's accounts as buttons."""
        if cmd.account is None:
            current = self.d.accounts.current(p)
            buttons = [
                [Button(text=e.shown + (" ✓" if e is current else ""), action=account_action(e.name))]
                for e in self.d.accounts.mine(p.entry)
            ]
            return Step([self.d.render(p, "accounts", "choose", current=current.shown).reply(buttons)])
        return self.switch(p, cmd.account, cmd)

    def switch(self, p: Principal, name: str, cmd: Command | None = None) -> Step:
        """Make `name` the user's account in this chat (a typed switch or a button)."""
        try:
            entry = self.d.accounts.switch(p, name)
        except AccountNotYours as exc:
            return self.refused(p, exc, cmd)
        return Step(
            [self.d.reply(p, "accounts", "switched", name=entry.shown)],
            [Note(p, f"account.use.{entry.name}", Outcome.OK, command=cmd)],
        )

    def listing(self, p: Principal) -> Step:
        """ "/accounts": the user's accounts, which one is current, and whether each answers."""
        current = self.d.accounts.current(p)
        rows = [
            AccountRow(
                e.name, e.shown, e.remote is None, e.status.state.value if e.status else None, e is current
            )
            for e in self.d.accounts.mine(p.entry)
        ]
        return Step([self.d.reply(p, "accounts", "listing", rows=rows, current=current.shown)])

    async def query_all(self, p: Principal, cmd: Command) -> Step:
        """A query on every account of the user: one section per account, the silent ones named."""
        mine = self.d.accounts.mine(p.entry)
        if cmd.intent is Intent.REPORT:
            return Step([await self._consolidated(p, cmd, mine)])
        answers = await asyncio.gather(*(self._one(p, cmd, e) for e in mine))
        sections = [
            self.d.render(p, "accounts", "heading", name=e.shown).then(_rendered(a))
            for e, a in zip(mine, answers, strict=True)
            if a is not None
        ]
        silent = [e.shown for e, a in zip(mine, answers, strict=True) if a is None]
        if silent:
            sections.append(self.d.render(p, "accounts", "unreachable", names=silent))
        return Step([joined(sections).reply()])

    async def _one(self, p: Principal, cmd: Command, entry: AccountEntry) -> Reply | None:
        """One account's answer; None when it could not be reached in time."""
        one = cmd.model_copy(update={"account": entry.name})
        try:
            return await asyncio.wait_for(self.commands.query(p, one), ALL_TIMEOUT_SEC)
        except TimeoutError:
            return None
        except MT5BotError as exc:
            if exc.kind is ErrorKind.UNAVAILABLE:
                return None
            return self.d.error(p, exc)

    async def _consolidated(self, p: Principal, cmd: Command, mine: list[AccountEntry]) -> Reply:
        """The consolidated report of the accounts that answered, the others named."""
        kind = ReportKind((cmd.report or Report.DAILY).value)
        sources = {e.name: self.d.reports_of(cmd.model_copy(update={"account": e.name})) for e in mine}
        across = AccountsReports(sources, {e.name: e.shown for e in mine}, timeout=ALL_TIMEOUT_SEC)
        run = await across.build(kind, magic=cmd.magic)
        return consolidated_reply(self.d.renderer, p.lang, run, canonical=self.canonical)

    def canonical(self, name: str) -> str:
        """A broker's symbol name as the name shared across brokers (XAUUSD.m -> XAUUSD)."""
        return self._names.resolve(name) or name


def _rendered(reply: Reply) -> Rendered:
    return Rendered(reply.text, reply.html or reply.text, reply.markdown or reply.text)
