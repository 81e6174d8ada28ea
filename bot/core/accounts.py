"""Which account a message means, and switching between accounts (issue 17, docs/accounts.md).

A message that names an account (the parser's `Command.account`) means that one; else the account the
user switched to in this chat ("/use demo", "切换到 IC实盘"); else their `default_account`; else the first
of their accounts. A user only ever reaches the accounts `users[].accounts` lists (empty: all): naming
another is refused with the same words as a name no account has, so a user learns nothing of the
accounts that are not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.auth import Principal
from bot.core.confirm import Owner
from bot.settings import UserEntry
from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.remote.directory import ALL, AccountDirectory, AccountEntry, parser_words
from nlu import Command


class AccountNotYours(MT5BotError):
    """A name that is no account of this user's (configured for someone else, or not at all)."""

    kind = ErrorKind.INVALID

    def __init__(self, name: str, mine: list[AccountEntry], *, configured: bool) -> None:
        super().__init__(
            f"no account {name!r} among yours",
            code="account_not_allowed" if configured else "unknown_account",
        )
        self.name = name
        self.mine = mine


@dataclass
class AccountBook:
    """The accounts of the service and each chat's switched account (in memory: a restart returns every
    chat to its default, which is the safe direction)."""

    directory: AccountDirectory
    _switched: dict[Owner, str] = field(default_factory=dict)

    @property
    def several(self) -> bool:
        return self.directory.several

    def parser_accounts(self) -> dict[str, list[str]] | None:
        """What the parser reads as account names (`parser_words` of the directory)."""
        return parser_words((e.name, e.label) for e in self.directory)

    def mine(self, user: UserEntry) -> list[AccountEntry]:
        """The user's accounts, in configured order."""
        if not user.accounts:
            return list(self.directory)
        allowed = {name.lower() for name in user.accounts}
        return [e for e in self.directory if e.name.lower() in allowed]

    def current(self, p: Principal) -> AccountEntry:
        """The account a message that names none means for this user in this chat."""
        mine = self.mine(p.entry)
        names = {e.name: e for e in mine}
        switched = self._switched.get(p.owner)
        if switched in names:
            return names[switched]
        wanted = (p.entry.default_account or "").lower()
        return next((e for e in mine if e.name.lower() == wanted), mine[0])

    def get(self, p: Principal, name: str) -> AccountEntry:
        """The user's account called `name`; `AccountNotYours` when it is not theirs (or nobody's)."""
        mine = self.mine(p.entry)
        for entry in mine:
            if entry.name.lower() == name.lower():
                return entry
        configured = any(e.name.lower() == name.lower() for e in self.directory)
        raise AccountNotYours(name, mine, configured=configured)

    def resolve(self, p: Principal, cmd: Command) -> Command:
        """The command with its account made explicit (the named one, checked, or the current one).

        With one account nothing changes. `*` (all accounts) stays `*`; the flows fan it out over
        `mine`."""
        if not self.several:
            return cmd
        if cmd.account == ALL:
            return cmd
        entry = self.get(p, cmd.account) if cmd.account else self.current(p)
        return cmd if cmd.account == entry.name else cmd.model_copy(update={"account": entry.name})

    def switch(self, p: Principal, name: str) -> AccountEntry:
        """Make `name` this chat's account for the user (checked as `get` checks)."""
        entry = self.get(p, name)
        self._switched[p.owner] = entry.name
        return entry

    def entry(self, cmd: Command) -> AccountEntry:
        """The account a resolved command acts on (the default when it names none: one account)."""
        if cmd.account and cmd.account != ALL:
            return self.directory.get(cmd.account)
        return self.directory.default
