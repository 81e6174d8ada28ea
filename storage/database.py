"""The storage entry point: `Database.open(url)` migrates to head and hands out the repositories."""

from __future__ import annotations

import sqlalchemy as sa

from storage.audit import AuditLog
from storage.engine import Connector, create_engine
from storage.migrate import upgrade_to_head
from storage.reportruns import ReportRunStore
from storage.requests import RequestStore
from storage.snapshots import SnapshotStore
from storage.users import KeyValueStore, UserStore


class Database:
    """An open database with its schema at head. Create with `await Database.open(url)`; `close()` at exit."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.audit = AuditLog(connector)
        self.requests = RequestStore(connector)
        self.snapshots = SnapshotStore(connector)
        self.users = UserStore(connector)
        self.settings = KeyValueStore(connector)
        self.reports = ReportRunStore(connector)

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None) -> Database:
        """Create the engine, run the migrations to head and return a ready database.

        `schema` (PostgreSQL only) puts every table in that existing schema instead of `public`.
        """
        connector = Connector(create_engine(url, schema=schema))
        try:
            await upgrade_to_head(connector)
        except BaseException:
            await connector.engine.dispose()
            raise
        return cls(connector)

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (for health checks and `doctor`)."""
        async with self.connector.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.connector.engine.dispose()

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.connector.dialect
