"""The append-only audit log: every action, who asked, from where, what happened."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Connector
from storage.models import AuditEntry
from storage.tables import audit_log


class AuditLog:
    """Append and read; there is deliberately no update or delete (the database refuses them too)."""

    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def append(self, entry: AuditEntry) -> int:
        """Store one entry and return its id."""
        async with self._db.write() as conn:
            return await append_in(conn, entry)

    async def recent(
        self,
        *,
        limit: int = 100,
        actor: str | None = None,
        platform: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        """Newest first; `actor` matches `user_id`, `platform` narrows it, `since` is inclusive."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(audit_log.c.user_id == actor)
        if platform is not None:
            query = query.where(audit_log.c.platform == platform)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditEntry.model_validate(dict(row)) for row in rows]

    async def for_request(self, request_id: str) -> list[AuditEntry]:
        """Every entry carrying this request id, oldest first."""
        query = sa.select(audit_log).where(audit_log.c.request_id == request_id).order_by(audit_log.c.id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditEntry.model_validate(dict(row)) for row in rows]


async def append_in(conn: AsyncConnection, entry: AuditEntry) -> int:
    """Store one entry inside the caller's transaction (so it commits, or not, with the caller's rows)."""
    if entry.id is not None:
        raise ValueError(f"audit entry {entry.id} is already stored; append a new entry instead")
    values = entry.model_dump(mode="python", exclude={"id"})
    values["outcome"] = entry.outcome.value
    new_id = await conn.scalar(sa.insert(audit_log).values(**values).returning(audit_log.c.id))
    if new_id is None:
        raise RuntimeError("the database returned no id for the audit entry")
    return int(new_id)
