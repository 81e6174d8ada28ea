"""Online SQLite backups (consistent while a writer commits), restores, and the PostgreSQL commands."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from mt5bot.cli import main
from storage import Database
from storage.backup import (
    BackupError,
    backup_sqlite,
    default_target,
    pg_dump_command,
    pg_restore_command,
    restore_sqlite,
    verify_copy,
)
from storage.migrate import head_revision
from tests.storage.builders import entry, snapshot
from tests.storage.conftest import PG_ENV, sqlite_url

_INSERT = (
    "INSERT INTO account_snapshots (at, login, balance, equity, margin, margin_free, margin_level, profit, "
    "credit) VALUES ('2026-03-02 08:00:00.000000', ?, 1, 1, 0, 1, 0, 0, 0)"
)


def _count(path: Path, table: str = "account_snapshots") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        conn.close()


class _Committer(threading.Thread):
    """Commits one snapshot row after another on its own WAL connection, as the service's writer does."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(_INSERT, (self.committed,))
            self.conn.execute("COMMIT")
            self.committed += 1
        self.conn.close()


async def _seeded(path: Path, rows: int) -> None:
    db = await Database.open(sqlite_url(path))
    await db.audit.append(entry(action="seed"))
    await db.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(_INSERT, [(i,) for i in range(rows)])
    conn.execute("COMMIT")
    conn.close()


async def test_online_backup_is_consistent_while_a_writer_commits(tmp_path: Path) -> None:
    path = tmp_path / "data" / "mt5bot.db"
    await _seeded(path, 50_000)
    db = await Database.open(sqlite_url(path))  # the service's own connections stay open throughout
    writer = _Committer(path)
    writer.start()
    try:
        while writer.committed < 20:
            await db.ping()
        committed_before = writer.committed
        result = backup_sqlite(path, tmp_path / "b" / "copy.db")
    finally:
        writer.stop.set()
        writer.join()
        await db.close()
    assert result.revision == head_revision()
    assert verify_copy(result.path) == head_revision()
    copied = _count(result.path)
    assert copied >= 50_000 + committed_before  # everything committed before the backup began
    assert copied <= 50_000 + writer.committed
    assert _count(result.path, "audit_log") == 1
    assert not list((tmp_path / "b").glob("*.partial"))
    assert not (tmp_path / "b" / "copy.db-wal").exists()  # one self-contained file


async def test_backup_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "mt5bot.db"
    await _seeded(path, 3)
    target = tmp_path / "copy.db"
    target.write_text("precious")
    with pytest.raises(BackupError, match="exists"):
        backup_sqlite(path, target)
    assert target.read_text() == "precious"
    backup_sqlite(path, target, force=True)
    assert _count(target) == 3
    with pytest.raises(BackupError, match="the database itself"):
        backup_sqlite(path, path, force=True)


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "nope.db", tmp_path / "copy.db")


def test_default_target_is_beside_the_database() -> None:
    path = default_target("sqlite+aiosqlite:////srv/mt5/mt5bot.db")
    assert path.parent == Path("/srv/mt5/backups")
    assert path.name.startswith("mt5bot-")
    assert path.suffix == ".db"


async def test_restore_brings_the_data_back_and_keeps_the_replaced_database(tmp_path: Path) -> None:
    path = tmp_path / "mt5bot.db"
    db = await Database.open(sqlite_url(path))
    await db.audit.append(entry(action="before-backup"))
    await db.snapshots.record(snapshot(1))
    await db.close()
    copy = backup_sqlite(path, tmp_path / "copy.db").path
    db = await Database.open(sqlite_url(path))
    await db.audit.append(entry(action="after-backup"))
    with pytest.raises(BackupError, match="in use"):  # the database is open: refused, nothing touched
        restore_sqlite(copy, path, keep=tmp_path / "kept.db")
    await db.close()
    assert not (tmp_path / "kept.db").exists()

    assert restore_sqlite(copy, path, keep=tmp_path / "kept.db") == head_revision()
    db = await Database.open(sqlite_url(path))
    try:
        assert [e.action for e in await db.audit.recent()] == ["before-backup"]
        assert len(await db.snapshots.between(snapshot(0).at, snapshot(9).at)) == 1
        await db.audit.append(entry(action="after-restore"))  # writable, triggers still there
    finally:
        await db.close()
    kept = sqlite3.connect(tmp_path / "kept.db")
    assert [r[0] for r in kept.execute("SELECT action FROM audit_log ORDER BY id")] == [
        "before-backup", "after-backup",
    ]  # fmt: skip
    kept.close()


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(BackupError, match="not a usable SQLite database"):
        restore_sqlite(bad, tmp_path / "mt5bot.db", keep=None)


def test_pg_commands_never_show_the_password() -> None:
    url = "postgresql+asyncpg://trader:s3cr3t-pw@db.example:6543/mt5"
    dump = pg_dump_command(url, Path("out.dump"))
    assert dump.argv == [
        "pg_dump", "--format=custom", "--file=out.dump", "--host=db.example", "--port=6543",
        "--username=trader", "--dbname=mt5",
    ]  # fmt: skip
    assert dump.password == "s3cr3t-pw"
    assert "s3cr3t-pw" not in dump.shown()
    assert dump.shown().startswith("PGPASSWORD='<password>' pg_dump ")
    restore = pg_restore_command(url, Path("out.dump"))
    assert "s3cr3t-pw" not in restore.shown()
    assert restore.argv[0] == "pg_restore"
    assert restore.argv[-1] == "out.dump"


def test_backup_command_on_postgres_prints_pg_dump_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text('database: {url: "postgresql+asyncpg://u:very-secret@127.0.0.1:5432/mt5"}\n')
    assert main(["--config", str(config), "backup", "--to", str(tmp_path / "x.dump")]) == 0
    out = capsys.readouterr().out
    assert "pg_dump --format=custom" in out
    assert "very-secret" not in out


@pytest.mark.skipif(not os.environ.get(PG_ENV) or not shutil.which("pg_dump"), reason="no PostgreSQL/pg_dump")
def test_backup_run_on_postgres_writes_a_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f'database: {{url: "{os.environ[PG_ENV]}"}}\n')
    target = tmp_path / "pg.dump"
    assert main(["--config", str(config), "backup", "--run", "--to", str(target)]) == 0
    assert target.stat().st_size > 0
    assert "PGPASSWORD='<password>'" in capsys.readouterr().out


async def test_restore_onto_a_machine_without_a_database(tmp_path: Path) -> None:
    source = tmp_path / "old host" / "mt5bot.db"  # a space: the read-only URI is encoded
    db = await Database.open(sqlite_url(source))
    await db.audit.append(entry(action="moved"))
    await db.close()
    copy = backup_sqlite(source, tmp_path / "copy #1.db").path
    fresh = tmp_path / "new" / "data" / "mt5bot.db"
    restore_sqlite(copy, fresh, keep=tmp_path / "kept.db")
    assert not (tmp_path / "kept.db").exists()  # nothing was there to keep
    db = await Database.open(sqlite_url(fresh))
    try:
        assert [e.action for e in await db.audit.recent()] == ["moved"]
    finally:
        await db.close()
