"""Backups and restores of the database while keeping the audit log whole.

SQLite: `backup_sqlite` copies the live file through sqlite3's backup API, safe while the service runs.
The copy is taken in one step on purpose: the service runs in WAL mode, where a reader holds a snapshot
without blocking the writer, so one read transaction gives a consistent copy and the trading path keeps
committing meanwhile. A copy in several steps would restart whenever another connection commits (the
service's writer commits every few milliseconds under load) and might never finish. The copy is written
beside its target, switched to a self-contained rollback journal, checked (`PRAGMA integrity_check`, its
Alembic revision), fsync'd and only then renamed into place: a crash never leaves a half copy under the
final name.

`restore_sqlite` writes a backup back over the database, only while nobody has it open (the service
stopped), after keeping the current database as a backup of its own.

PostgreSQL: the server's own tools do it; `pg_dump_command`/`pg_restore_command` give the commands for
the configured URL without its password (given as PGPASSWORD or in ~/.pgpass).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.engine import POSTGRES_DRIVER, SQLITE_BUSY_TIMEOUT_MS, SQLITE_DRIVER, create_engine
from storage.errors import StorageConfigError, StorageError


class BackupError(StorageError):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """A verified copy: where it is, its size, the schema revision it holds, how long it took."""

    path: Path
    size: int
    revision: str | None
    seconds: float


def database_file(url: str) -> Path | None:
    """The SQLite file of `database.url`, None for PostgreSQL. Raises StorageConfigError on other URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageConfigError(f"database.url: not a database URL: {exc}") from None
    if parsed.drivername == POSTGRES_DRIVER:
        return None
    name = parsed.database
    if parsed.drivername == SQLITE_DRIVER and name and name != ":memory:" and not name.startswith("file:"):
        return Path(name)
    create_engine(url)  # refuses the URL with the message the service gives at start
    raise StorageConfigError(f"database.url: unsupported: {parsed.drivername}")


def default_target(url: str, *, at: datetime | None = None, prefix: str = "mt5bot") -> Path:
    """`backups/<prefix>-<UTC time>.db` beside a SQLite database; `data/backups/...dump` for PostgreSQL."""
    stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    path = database_file(url)
    if path is None:
        return Path("data") / "backups" / f"{prefix}-{stamp}.dump"
    return path.parent / "backups" / f"{prefix}-{stamp}.db"


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return conn


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    if os.name == "posix":  # a rename is durable once its directory is; Windows has no directory fsync
        _fsync(path)


def read_only_uri(path: Path) -> str:
    """A SQLite URI opening `path` read-only (percent-encoded, so spaces, '#' and Windows drives work)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def verify_copy(path: Path) -> str | None:
    """Check a copy with `PRAGMA integrity_check`; return its Alembic revision (None if never migrated)."""
    conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path}: integrity check failed: {'; '.join(problems[:5])}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a usable SQLite database: {exc}") from None
    finally:
        conn.close()


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the live database at `source` to `target` (see the module's docstring), verified."""
    if not source.is_file():
        raise BackupError(f"{source}: no database there (check database.url)")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself; choose another file")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; choose another file or pass --force to replace it")
    src = _connect(source)
    try:
        return _copy(src, target)
    finally:
        src.close()


def _copy(src: sqlite3.Connection, target: Path) -> BackupResult:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    dst = sqlite3.connect(partial, isolation_level=None)
    try:
        src.backup(dst)  # pages=-1: one step, one snapshot (see the module's docstring)
        # The copy inherits WAL mode; a backup should be one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        dst.close()
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {exc}") from None
    dst.close()
    try:
        revision = verify_copy(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    _fsync(partial)
    partial.replace(target)
    _fsync_directory(target.parent)
    return BackupResult(target, target.stat().st_size, revision, time.monotonic() - started)


def _lock_exclusively(path: Path) -> sqlite3.Connection:
    """A connection holding the database exclusively: refused while any other connection has it open.

    In WAL mode every open connection shares the wal-index; one in EXCLUSIVE locking mode cannot share
    it, so its first transaction fails at once while the service (or anything else) holds the file.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=0.2)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")  # the lock stays: EXCLUSIVE locking mode keeps it until close
    except sqlite3.OperationalError:
        conn.close()
        raise BackupError(
            f"{path} is in use (is the service running?); stop it first, then restore"
        ) from None
    return conn


def restore_sqlite(backup: Path, database: Path, *, keep: Path | None) -> str | None:
    """Write `backup` over `database` (which nobody may have open); return the restored revision.

    `keep`: where the current database is copied first (None: it is not kept). The next start migrates
    an older backup to head.
    """
    revision = verify_copy(backup)
    if keep is not None and keep.exists():
        raise BackupError(f"{keep} exists; refusing to overwrite it")
    database.parent.mkdir(parents=True, exist_ok=True)
    existed = database.exists()
    dst = _lock_exclusively(database)  # held from the check to the end: nobody opens it meanwhile
    try:
        if existed and keep is not None:
            _copy(dst, keep)
        src = sqlite3.connect(read_only_uri(backup), uri=True, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as the service runs it
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {database} failed: {exc}") from None
    finally:
        dst.close()
    return revision


@dataclass(frozen=True)
class PgCommand:
    """A PostgreSQL client command for the configured database, and the password it needs (never shown)."""

    argv: list[str]
    password: str | None

    def shown(self) -> str:
        """The command line to print: the password as a PGPASSWORD placeholder, never its value."""
        prefix = "PGPASSWORD='<password>' " if self.password else ""
        return prefix + " ".join(shlex.quote(arg) for arg in self.argv)


def _pg_target(url: str) -> tuple[URL, list[str]]:
    parsed = make_url(url)
    if parsed.drivername != POSTGRES_DRIVER:
        raise BackupError(f"not a PostgreSQL URL: {parsed.drivername}")
    args = [f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}"]
    if parsed.username:
        args.append(f"--username={parsed.username}")
    return parsed, args


def pg_dump_command(url: str, target: Path) -> PgCommand:
    """`pg_dump` in its custom format (compressed, restorable table by table with pg_restore)."""
    parsed, args = _pg_target(url)
    argv = ["pg_dump", "--format=custom", f"--file={target}", *args, f"--dbname={parsed.database}"]
    return PgCommand(argv, parsed.password)


def pg_restore_command(url: str, backup: Path) -> PgCommand:
    """`pg_restore` replacing the tables of the configured database with those in `backup`."""
    parsed, args = _pg_target(url)
    argv = ["pg_restore", "--clean", "--if-exists", "--no-owner", *args, f"--dbname={parsed.database}"]
    return PgCommand([*argv, str(backup)], parsed.password)
