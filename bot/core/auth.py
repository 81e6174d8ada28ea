"""The deny-by-default gate every message and button press passes, and the role checks.

Users are listed per platform in config; everyone else is refused (politely, once per user per run)
and audited. Roles grant permissions: viewer queries, trader also trades, admin also switches the
trading core at runtime. Per-user `allowed_symbols` narrow what a user may trade.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from bot.settings import ConfirmMode, Settings, UserEntry
from mt5bridge.common.roles import Role

log = logging.getLogger(__name__)


class Permission(StrEnum):
    QUERY = "query"
    TRADE = "trade"
    ADMIN = "admin"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.QUERY}),
    Role.TRADER: frozenset({Permission.QUERY, Permission.TRADE}),
    Role.ADMIN: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether `role` grants `permission`."""
    return permission in _GRANTS[role]


@dataclass(frozen=True, slots=True)
class Principal:
    """A known user speaking in one chat: who, where, in which language, under which rules."""

    platform: str
    user_id: str
    chat_id: str
    entry: UserEntry
    lang: str
    confirm: ConfirmMode
    raw: str = ""

    @property
    def role(self) -> Role:
        return self.entry.role

    @property
    def owner(self) -> tuple[str, str, str]:
        return (self.platform, self.chat_id, self.user_id)

    def may(self, permission: Permission) -> bool:
        return allowed(self.entry.role, permission)


def effective_confirm(entry: UserEntry, default: ConfirmMode) -> ConfirmMode:
    """The user's confirmation mode: a per-user override wins; a global `never` only holds for viewers."""
    if entry.confirm is not None:
        return entry.confirm
    if default is ConfirmMode.NEVER and entry.role is not Role.VIEWER:
        return ConfirmMode.TRADES
    return default


def symbol_allowed(entry: UserEntry, names: set[str]) -> bool:
    """True when the user has no symbol list, or one of `names` (canonical or broker) is on it."""
    if not entry.allowed_symbols:
        return True
    listed = {s.upper() for s in entry.allowed_symbols}
    return any(name.upper() in listed for name in names)


@dataclass
class Gate:
    """Who may talk to the bot; remembers whom it already refused during this run."""

    settings: Settings
    _users: dict[tuple[str, str], UserEntry] = field(init=False)
    _refused: set[tuple[str, str]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self._users = {(u.platform, u.id): u for u in self.settings.users}
        chat = self.settings.chat
        if chat.confirm is ConfirmMode.NEVER:
            loose = [u.id for u in self.settings.users if u.role is not Role.VIEWER and u.confirm is None]
            if loose:
                log.warning(
                    "chat.confirm=never applies only to viewers; trades of %d user(s) still need a "
                    "confirmation (set `confirm: never` per user to waive it)",
                    len(loose),
                )

    def user(self, platform: str, user_id: str) -> UserEntry | None:
        return self._users.get((platform, user_id))

    def admit(self, platform: str, user_id: str, role: Role, lang: str | None = None) -> None:
        """Let in a caller the transport already authenticated (HTTP chat: the API token decides the role).

        Per-user waivers do not carry over: such a caller confirms trades like everyone else.
        """
        self._users[(platform, user_id)] = UserEntry(platform=platform, id=user_id, role=role, lang=lang)

    def first_refusal(self, platform: str, user_id: str) -> bool:
        """True the first time an unknown user is refused in this run (later attempts get silence)."""
        key = (platform, user_id)
        if key in self._refused:
            return False
        self._refused.add(key)
        return True

    def principal(
        self, platform: str, user_id: str, chat_id: str, hint: str | None, raw: str
    ) -> Principal | None:
        """The known user behind a message, or None (deny by default)."""
        entry = self.user(platform, user_id)
        if entry is None:
            return None
        return Principal(
            platform=platform,
            user_id=user_id,
            chat_id=chat_id,
            entry=entry,
            lang=self.lang(entry, hint),
            confirm=effective_confirm(entry, self.settings.chat.confirm),
            raw=raw,
        )

    def lang(self, entry: UserEntry | None, hint: str | None) -> str:
        """UserEntry.lang, then the platform's hint (zh*/en*), then chat.default_lang."""
        if entry is not None and entry.lang:
            return entry.lang
        if hint:
            short = hint.lower()[:2]
            if short in ("zh", "en"):
                return short
        return self.settings.chat.default_lang
