"""Admin commands about the service itself: `/status` and `/loglevel debug|info|warning`.

Both are admin only; everyone else gets the same role refusal as the trading switches, audited `denied`.
A level change is audited like the switches (`chat.admin.loglevel.<level>`). The redaction filter sits on
the log handlers, not on a level, so debug output is masked like any other (mt5bot/logs.py).
"""

from __future__ import annotations

import logging
import time
from enum import StrEnum

from bot.core.auth import Permission, Principal
from bot.core.context import Deps
from bot.core.status import StatusSources, gather
from bot.core.step import Note, Step
from storage.models import Outcome


class LogLevel(StrEnum):
    """The levels an admin may switch to at runtime."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"


def set_log_level(level: LogLevel) -> str:
    """Set the root logger's level (every module logger inherits it); the level now in force.

    The database drivers and the chatty third-party loggers keep their own WARNING (set by setup_logging),
    so debug never starts printing SQL values or request URLs with tokens in them.
    """
    root = logging.getLogger()
    root.setLevel(level.value.upper())
    return logging.getLevelName(root.getEffectiveLevel()).lower()


class AdminCommands:
    """`/status` and `/loglevel`; `sources` are the live parts the status reads (set by the app)."""

    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self.sources = StatusSources(db=deps.db, started=time.monotonic(), trading=deps.local)

    def _refused(self, p: Principal, name: str) -> Step | None:
        if p.may(Permission.ADMIN):
            return None
        denied = Note(p, f"admin.{name}", Outcome.DENIED, error_code="role")
        refusal = self.d.reply(p, "access", "denied_role", role=p.role.value, needed="admin")
        return Step([refusal], [denied])

    async def status(self, p: Principal) -> Step:
        """The service's status (status.py), rendered in the admin's language."""
        refused = self._refused(p, "status")
        if refused is not None:
            return refused
        status = await gather(self.sources)
        return Step([self.d.reply(p, "ops", "status", s=status)])

    def loglevel(self, p: Principal, args: list[str]) -> Step:
        """Switch the log level; a usage line for anything but one known level."""
        refused = self._refused(p, "loglevel")
        if refused is not None:
            return refused
        choices = "|".join(level.value for level in LogLevel)
        if len(args) != 1 or args[0].lower() not in set(LogLevel):
            return Step([self.d.reply(p, "query", "usage", text=f"/loglevel {choices}")])
        level = set_log_level(LogLevel(args[0].lower()))
        switched = Note(p, f"admin.loglevel.{level}", Outcome.OK)
        return Step([self.d.reply(p, "ops", "loglevel", level=level)], [switched])
