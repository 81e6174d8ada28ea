"""The append-only audit log: every action, who asked, from where, for which account, what happened.

Several services (bridges, a front) may share one PostgreSQL: each line carries the account it is for.
An entry without one gets the writing connector's account (`Database.open(account=)`); one with an
account keeps it (the front writes lines for the bridge it routed a trade to). Both append paths below
take that default as a required argument, so no writer can forget it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Connector
from storage.models import AuditEntry, Outcome
from storage.tables import audit_log
from storage.writer import SqliteWriter, execute


class AuditLog:
    """Append and read; there is deliberately no update or delete (the database refuses them too)."""

    def __init__(self, connector: Connector, writer: SqliteWriter | None = None) -> None:
        self._db = connector
        self._writer = writer

    async def append(self, entry: AuditEntry) -> int:
        """Store one entry and return its id (once it is committed)."""
        if self._writer is not None:
            _check_new(entry)
            account = self._db.account
            return await self._writer.run(lambda conn: append_sql(conn, entry, account=account))
        async with self._db.write() as conn:
            return await append_in(conn, entry, account=self._db.account)

    async def recent(
        self,
        *,
        limit: int = 100,
        actor: str | None = None,
        platform: str | None = None,
        since: datetime | None = None,
        account: str | None = None,
        action: str | None = None,
        outcome: Outcome | None = None,
        until: datetime | None = None,
        before: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first (by id, the order lines were committed in); every filter given must hold.

        `actor` matches `user_id`; `platform`, `action` and `outcome` match exactly; `since` is inclusive and
        `until` exclusive; `before` keeps the lines older than that id (the next page after a page whose last
        line had that id); `account` keeps the lines of that account only (lines written without a name
        never match one).
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        c = audit_log.c
        wanted = [
            c.account == account if account is not None else None,
            c.user_id == actor if actor is not None else None,
            c.platform == platform if platform is not None else None,
            c.action == action if action is not None else None,
            c.outcome == outcome.value if outcome is not None else None,
            c.at >= since if since is not None else None,
            c.at < until if until is not None else None,
            c.id < before if before is not None else None,
        ]
        query = sa.select(audit_log).where(*(w for w in wanted if w is not None))
        query = query.order_by(c.id.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditEntry.model_validate(dict(row)) for row in rows]

    async def for_request(self, request_id: str, *, account: str | None = None) -> list[AuditEntry]:
        """Every entry carrying this request id, oldest first (of that `account` only, when given)."""
        query = sa.select(audit_log).where(audit_log.c.request_id == request_id).order_by(audit_log.c.id)
        if account is not None:
            query = query.where(audit_log.c.account == account)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditEntry.model_validate(dict(row)) for row in rows]


async def append_in(conn: AsyncConnection, entry: AuditEntry, *, account: str | None) -> int:
    """Store one entry inside the caller's transaction (so it commits, or not, with the caller's rows).

    `account` is the writer's own account (`Connector.account`), used when the entry names none.
    """
    _check_new(entry)
    values = entry.model_dump(mode="python", exclude={"id"})
    values["outcome"] = entry.outcome.value
    values["account"] = account_of(entry, account)
    new_id = await conn.scalar(sa.insert(audit_log).values(**values).returning(audit_log.c.id))
    if new_id is None:
        raise RuntimeError("the database returned no id for the audit entry")
    return int(new_id)


def account_of(entry: AuditEntry, default: str | None) -> str | None:
    """The account a line is stored under: its own, else the writer's."""
    return entry.account if entry.account is not None else default


def _check_new(entry: AuditEntry) -> None:
    if entry.id is not None:
        raise ValueError(f"audit entry {entry.id} is already stored; append a new entry instead")


_INSERT_SQL = (
    "INSERT INTO audit_log (at, platform, user_id, chat_id, role, action, raw_input, command, preview, "
    "confirmation, outcome, result, retcode, tickets, duration_ms, request_id, error_code, account) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def sql_time(at: datetime) -> str:
    """An aware datetime as SQLite holds it (`UTCDateTime`: naive UTC text, as SQLAlchemy writes it)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sql_json(value: object) -> str:
    """A JSON column's text as SQLAlchemy's `JSON` type writes it (None is the JSON `null`)."""
    return json.dumps(value)


def append_sql(
    conn: sqlite3.Connection, entry: AuditEntry, *, account: str | None, result_json: str | None = None
) -> int:
    """`append_in` on the SQLite writer's connection (storage/writer.py): same row, same encoding.

    `result_json`, when the caller already encoded `entry.result`, saves encoding it again.
    """
    _check_new(entry)
    row = (
        sql_time(entry.at), entry.platform, entry.user_id, entry.chat_id, entry.role, entry.action,
        entry.raw_input, sql_json(entry.command), sql_json(entry.preview), entry.confirmation,
        entry.outcome.value, result_json if result_json is not None else sql_json(entry.result),
        entry.retcode, sql_json(entry.tickets), entry.duration_ms, entry.request_id, entry.error_code,
        account_of(entry, account),
    )  # fmt: skip
    new_id = execute(conn, _INSERT_SQL, row).lastrowid
    if new_id is None:
        raise RuntimeError("the database returned no id for the audit entry")
    return int(new_id)
