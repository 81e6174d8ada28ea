"""The storage entry point: `Database.open(url)` migrates to head and hands out the repositories."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from storage.audit import AuditLog
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, Connector, create_engine
from storage.migrate import upgrade_to_head
from storage.models import ACCOUNT_MAX
from storage.reportruns import ReportRunStore
from storage.requests import RequestStore
from storage.rules import RuleStore
from storage.snapshots import SnapshotStore
from storage.users import KeyValueStore, UserStore
from storage.writer import SqliteWriter


class Database:
    """An open database with its schema at head. Create with `await Database.open(url)`; `close()` at exit."""

    def __init__(self, connector: Connector, writer: SqliteWriter | None = None) -> None:
        self.connector = connector
        # SQLite: the audit log, the request ids and the rules (the trading path) are written by the
        # group-committing writer (storage/writer.py); everything else, and every read, goes through
        # SQLAlchemy.
        self.writer = writer
        self.audit = AuditLog(connector, writer)
        self.requests = RequestStore(connector, writer)
        self.snapshots = SnapshotStore(connector)
        self.users = UserStore(connector)
        self.settings = KeyValueStore(connector)
        self.reports = ReportRunStore(connector)
        self.rules = RuleStore(connector, writer)

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None, account: str | None = None) -> Database:
        """Create the engine, run the migrations to head and return a ready database.

        `schema` (PostgreSQL only) puts every table in that existing schema instead of `public`.
        `account` (config `account.name`) is this service's own account: every audit line written through
        this database without an account of its own is stored under it, so the lines of several services
        sharing one PostgreSQL can be told apart. None leaves such lines without an account.
        """
        if account is not None and not 1 <= len(account) <= ACCOUNT_MAX:
            raise ValueError(f"account must be 1..{ACCOUNT_MAX} characters")
        connector = Connector(create_engine(url, schema=schema), account=account)
        writer = None
        try:
            await upgrade_to_head(connector)
            if connector.dialect == "sqlite":
                # create_engine refused a SQLite URL without a file path
                path = Path(str(connector.engine.url.database))
                writer = SqliteWriter(path, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
                writer.start()
        except BaseException:
            await connector.engine.dispose()
            raise
        return cls(connector, writer)

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (for health checks and `doctor`)."""
        async with self.connector.read() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        """Finish the queued writes, then close every connection."""
        if self.writer is not None:
            await self.writer.close()
        await self.connector.engine.dispose()

    @property
    def account(self) -> str | None:
        """The account audit lines are stored under when they name none (`open(account=)`)."""
        return self.connector.account

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.connector.dialect
