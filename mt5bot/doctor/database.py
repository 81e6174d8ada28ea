"""Is the database writable and at the schema this code expects?

doctor never migrates nor creates anything: SQLite is opened with `mode=rw` (a missing file stays
missing) and its write lock is taken and released at once, so a running service only waits that long.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from mt5bot.doctor.model import Check, fail, ok, warn
from storage.engine import Connector, create_engine
from storage.errors import StorageConfigError
from storage.migrate import current_revision, head_revision

NAME = "database"
LOCK_TIMEOUT_SEC = 5.0
MIGRATE_HINT = "`mt5bot serve` migrates the database at start; check database.url names the right one"


def revision_check(current: str | None, head: str | None, where: str) -> Check:
    """The schema revision against the code's newest one (pure)."""
    if current == head:
        return ok(NAME, f"{where}: writable, schema at {head}")
    if current is None:
        return fail(NAME, f"{where}: not migrated (no schema revision)", MIGRATE_HINT)
    return fail(NAME, f"{where}: schema at {current}, this version expects {head}", MIGRATE_HINT)


def _nearest_existing(path: Path) -> Path:
    for parent in path.absolute().parents:
        if parent.exists():
            return parent
    return Path.cwd()


def sqlite_check(path: Path, head: str | None) -> Check:
    """A SQLite file: its folder and the file writable, the write lock obtainable, the revision."""
    if not path.exists():
        folder = _nearest_existing(path)
        if not folder.is_dir():
            return fail(NAME, f"{path}: {folder} is a file, not a folder", "fix the path in database.url")
        if not os.access(folder, os.W_OK):
            return fail(
                NAME, f"{path}: {folder} is not writable", "give the service's user write access to it"
            )
        return warn(NAME, f"{path} does not exist yet", "`mt5bot serve` creates and migrates it at start")
    folder = path.absolute().parent
    # WAL mode writes -wal and -shm files beside the database: the folder must be writable too.
    for target in (path, folder):
        if not os.access(target, os.W_OK):
            return fail(
                NAME,
                f"{target} is not writable",
                "give the service's user write access to the file and its folder",
            )
    try:
        conn = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, timeout=LOCK_TIMEOUT_SEC, isolation_level=None
        )
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock, released at once
            conn.execute("ROLLBACK")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            current = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                current = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return fail(NAME, f"{path}: {exc}", "is it a SQLite database? is another program locking it?")
    return revision_check(current, head, str(path))


async def server_check(url: str, head: str | None) -> Check:
    """A database server (PostgreSQL): connect, open a write transaction, read the revision."""
    try:
        connector = Connector(create_engine(url))
    except StorageConfigError as exc:
        return fail(NAME, str(exc), "see docs/storage.md for the supported URLs")
    where = make_url(url).render_as_string(hide_password=True)
    try:
        async with connector.engine.connect() as conn:
            async with conn.begin() as tx:
                await conn.execute(sa.text("CREATE TEMPORARY TABLE mt5bot_doctor_probe (x integer)"))
                await tx.rollback()
        current = await current_revision(connector)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return fail(NAME, f"{where}: {reason}", "is the server up, and may this user create tables?")
    finally:
        await connector.engine.dispose()
    return revision_check(current, head, where)


async def database(url: str) -> Check:
    """The configured database, SQLite or a server."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return fail(
            NAME, f"database.url: not a database URL: {exc}", "e.g. sqlite+aiosqlite:///data/mt5bot.db"
        )
    head = head_revision()
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
            return fail(
                NAME, "database.url: SQLite needs a file path", "e.g. sqlite+aiosqlite:///data/mt5bot.db"
            )
        return await asyncio.to_thread(sqlite_check, Path(parsed.database), head)
    return await server_check(url, head)
