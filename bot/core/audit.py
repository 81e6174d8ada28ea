"""The chat core's audit lines: one writer for the notes a message's flow returned, one for the lines of
callers that are no principal (unknown users, confirmations that expired untouched)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.step import Note
from mt5bridge.remote.directory import ALL
from storage.database import Database
from storage.models import AuditEntry, Outcome


async def write_notes(db: Database, notes: list[Note]) -> None:
    """Write the chat-level audit lines a message produced, in order: the one writer for known users."""
    for note in notes:
        p = note.p
        command = note.command.model_dump(mode="json", exclude_none=True) if note.command else None
        # the account acted on (a front's bridge); none named: the database's own name (this service)
        account = note.command.account if note.command and note.command.account != ALL else None
        entry = AuditEntry(
            at=datetime.now(UTC), platform=p.platform, user_id=p.user_id, chat_id=p.chat_id,
            role=p.entry.role.value, action=f"chat.{note.action}", raw_input=p.raw, command=command,
            preview=note.preview, confirmation=note.confirmation, outcome=note.outcome,
            error_code=note.error_code, account=account,
        )  # fmt: skip
        await db.audit.append(entry)


async def write_line(
    db: Database,
    platform: str,
    user_id: str,
    chat_id: str | None,
    role: str | None,
    action: str,
    outcome: Outcome,
    *,
    raw: str,
    confirmation: str | None = None,
    error_code: str | None = None,
) -> None:
    """One `chat.<action>` line for a caller who is no principal (an unknown user, an expiry)."""
    entry = AuditEntry(
        at=datetime.now(UTC), platform=platform, user_id=user_id, chat_id=chat_id, role=role,
        action=f"chat.{action}", raw_input=raw, confirmation=confirmation, outcome=outcome,
        error_code=error_code,
    )  # fmt: skip
    await db.audit.append(entry)
