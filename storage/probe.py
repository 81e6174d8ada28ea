"""What the service's health checks ask of the database: its size on disk, and whether it takes a write.

`/status` shows the size; the ops watcher (bot/core/opswatch.py) runs `probe_write` periodically so that a
database that went read-only (a full disk, a permission change, a dead PostgreSQL) is told to admins
before the next trade finds out.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from storage.database import Database

PROBE_KEY = "ops.write_probe"
# SQLite keeps recent commits in these beside the main file until a checkpoint: they are part of its size.
SQLITE_SIDE_FILES = ("-wal", "-shm")


def sqlite_files(db: Database) -> list[Path]:
    """The main file and its side files, for a SQLite database; [] on PostgreSQL."""
    if db.dialect != "sqlite":
        return []
    main = Path(str(db.connector.engine.url.database))
    return [main, *(main.with_name(main.name + suffix) for suffix in SQLITE_SIDE_FILES)]


def _files_size(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in paths if path.exists())


async def database_size(db: Database) -> int:
    """Bytes the database takes: the SQLite files (with -wal), or PostgreSQL's pg_database_size."""
    if db.dialect == "sqlite":
        return await asyncio.to_thread(_files_size, sqlite_files(db))
    async with db.connector.read() as conn:
        size = await conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
    return int(size or 0)


async def probe_write(db: Database) -> None:
    """Write (upsert) one small row, the way every settings change does; raises if it cannot be written."""
    await db.settings.set(PROBE_KEY, datetime.now(UTC).isoformat())


def data_dir(db: Database) -> Path:
    """Where the service keeps its data: the SQLite file's folder, else ./data (logs, simulator state)."""
    files = sqlite_files(db)
    return files[0].parent if files else Path("data")
