"""Retention: old rows archived (compressed JSON Lines, durable) before they are deleted; open claims kept;
an audit line per table; dry runs change nothing; a crash between archive and delete loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from mt5bot.cli import main
from storage import Database
from storage.retention import apply_retention, archive_directory, cutoff_for
from storage.settings import DatabaseSettings
from storage.tables import request_ids
from tests.storage.builders import T0, entry, snapshot
from tests.storage.conftest import sqlite_url

NOW = datetime.now(UTC)


def _archived(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


async def _request(db: Database, request_id: str, state: str, at: datetime) -> None:
    async with db.connector.write() as conn:
        await conn.execute(
            sa.insert(request_ids).values(
                account=db.connector.scope,
                request_id=request_id,
                fingerprint="fp",
                actor="rest:a",
                state=state,
                result={"ok": 1},
                created_at=at,
                completed_at=at if state == "done" else None,
            )
        )


async def _fill(db: Database) -> None:
    """Old rows (March 2026, T0) and recent ones in every table under retention."""
    for minute in range(3):
        await db.snapshots.record(snapshot(minute))
    await db.snapshots.record(snapshot(0, at=NOW - timedelta(hours=1)))
    await db.audit.append(entry(action="old-1"))
    await db.audit.append(entry(action="old-2", at=T0 + timedelta(days=1)))
    await db.audit.append(entry(action="recent", at=NOW))
    await _request(db, "old-done", "done", T0)
    await _request(db, "old-open", "in_progress", T0)
    await _request(db, "recent-done", "done", NOW - timedelta(days=1))


async def _actions(db: Database) -> list[str]:
    return [e.action for e in reversed(await db.audit.recent())]


async def _request_ids(db: Database) -> set[str]:
    async with db.connector.read() as conn:
        return set((await conn.execute(sa.select(request_ids.c.request_id))).scalars())


async def test_old_rows_are_archived_then_removed_and_open_claims_kept(db: Database, tmp_path: Path) -> None:
    await _fill(db)
    report = await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW)
    by_table = {t.table: t for t in report.tables}
    assert {name: (t.rows, t.deleted) for name, t in by_table.items()} == {
        "account_snapshots": (3, 3), "audit_log": (2, 2), "request_ids": (1, 1),
    }  # fmt: skip

    snaps = by_table["account_snapshots"].archive
    assert snaps is not None
    assert snaps.name == "account_snapshots-20260302-20260302.jsonl.gz"
    rows = _archived(snaps)
    assert [r["equity"] for r in rows] == [10000.0, 10001.0, 10002.0]
    assert datetime.fromisoformat(rows[0]["at"]) == T0
    audit = by_table["audit_log"].archive
    assert audit is not None
    assert audit.name == "audit_log-20260302-20260303.jsonl.gz"
    archived_audit = _archived(audit)
    assert [r["action"] for r in archived_audit] == ["old-1", "old-2"]
    assert archived_audit[0]["command"] == entry().command  # JSON columns stay JSON
    requests_file = by_table["request_ids"].archive
    assert requests_file is not None
    assert [r["request_id"] for r in _archived(requests_file)] == ["old-done"]

    assert await _request_ids(db) == {"old-open", "recent-done"}  # the open claim stays, however old
    assert len(await db.snapshots.between(T0 - timedelta(days=1), NOW + timedelta(days=1))) == 1
    actions = await _actions(db)
    assert actions == ["recent", "retention", "retention", "retention"]
    lines = [e for e in await db.audit.recent() if e.action == "retention"]
    assert {(e.platform, e.user_id) for e in lines} == {("system", "retention")}
    assert any(e.raw_input == f"retention: archived 2 rows of audit_log to {audit}" for e in lines)
    assert {str((e.result or {})["archive"]) for e in lines} == {str(snaps), str(audit), str(requests_file)}
    assert not list((tmp_path / "archive").glob(".*"))  # no partial file left


async def test_the_audit_log_stays_append_only_after_retention(db: Database, tmp_path: Path) -> None:
    await _fill(db)
    await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW)
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET action = 'forged'"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.connector.write() as conn:
                await conn.exec_driver_sql(statement)
    assert "recent" in await _actions(db)


async def test_dry_run_counts_and_changes_nothing(db: Database, tmp_path: Path) -> None:
    await _fill(db)
    before = (await _actions(db), await _request_ids(db))
    report = await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW, dry_run=True)
    assert [(t.table, t.rows, t.archive) for t in report.tables] == [
        ("account_snapshots", 3, None), ("audit_log", 2, None), ("request_ids", 1, None),
    ]  # fmt: skip
    assert (await _actions(db), await _request_ids(db)) == before
    assert not (tmp_path / "archive").exists()


async def test_a_second_run_finds_nothing_and_never_overwrites(db: Database, tmp_path: Path) -> None:
    await _fill(db)
    await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW)
    files = sorted((tmp_path / "archive").iterdir())
    again = await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW)
    assert [t.rows for t in again.tables] == [0, 0, 0]
    assert sorted((tmp_path / "archive").iterdir()) == files
    assert (await _actions(db)).count("retention") == 3
    await db.snapshots.record(snapshot(5))  # another old row for a day already archived
    third = await apply_retention(db.connector, tmp_path / "archive", 30, now=NOW)
    assert third.tables[0].archive is not None
    assert third.tables[0].archive.name == "account_snapshots-20260302-20260302-2.jsonl.gz"


_CRASH = """
import asyncio, os, signal
from pathlib import Path
from storage import Database
from storage.retention import apply_retention

def crash(table, path):
    if table == "audit_log":
        os.kill(os.getpid(), signal.SIGKILL)

async def main():
    db = await Database.open({url!r})
    await apply_retention(db.connector, Path({archive!r}), 30, on_archived=crash)

asyncio.run(main())
"""


async def test_a_kill_between_archive_and_delete_loses_nothing(tmp_path: Path) -> None:
    url, archive = sqlite_url(tmp_path / "mt5bot.db"), tmp_path / "archive"
    db = await Database.open(url)
    await _fill(db)
    await db.close()
    script = textwrap.dedent(_CRASH).format(url=url, archive=str(archive))
    argv = [sys.executable, "-c", script]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr

    db = await Database.open(url)
    try:
        # Snapshots were finished before the kill; the audit rows are archived but all still there.
        [audit_file] = archive.glob("audit_log-*.jsonl.gz")
        assert [r["action"] for r in _archived(audit_file)] == ["old-1", "old-2"]
        assert await _actions(db) == ["old-1", "old-2", "recent", "retention"]
        # Re-running is safe: the rows go, archived a second time (a duplicate, never a gap).
        await apply_retention(db.connector, archive, 30)
        assert "old-1" not in await _actions(db)
        archived = [r["action"] for f in sorted(archive.glob("audit_log-*.jsonl.gz")) for r in _archived(f)]
        assert archived == ["old-1", "old-2", "old-1", "old-2"]
        assert await _request_ids(db) == {"old-open", "recent-done"}
    finally:
        await db.close()


@pytest.mark.parametrize("days", [0, -3])
def test_retention_days_must_be_at_least_one(days: int) -> None:
    with pytest.raises(ValidationError, match="retention_days"):
        DatabaseSettings(retention_days=days)
    with pytest.raises(ValueError, match="at least 1"):
        cutoff_for(days)


def test_retention_is_off_by_default_and_archives_beside_the_database() -> None:
    settings = DatabaseSettings(url="sqlite+aiosqlite:////srv/mt5/mt5bot.db")
    assert settings.retention_days is None
    assert archive_directory(settings) == Path("/srv/mt5/archive")
    assert archive_directory(DatabaseSettings(archive_dir="/x")) == Path("/x")


async def _filled(url: str) -> None:
    db = await Database.open(url, account="local")  # the service's default name, as `mt5bot retention` opens
    await _fill(db)
    await db.close()


def test_retention_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "mt5bot.db")
    asyncio.run(_filled(url))
    config = tmp_path / "config.yaml"
    config.write_text(f'database: {{url: "{url}"}}\n')
    assert main(["--config", str(config), "retention"]) == 2  # retention_days unset: nothing to do
    assert main(["--config", str(config), "retention", "--days", "30", "--dry-run"]) == 0
    assert "audit_log: 2 rows would be archived" in capsys.readouterr().out
    assert not (tmp_path / "archive").exists()
    config.write_text(f'database: {{url: "{url}", retention_days: 30}}\n')
    assert main(["--config", str(config), "retention"]) == 0
    assert "audit_log: 2 rows archived to" in capsys.readouterr().out
    assert len(list((tmp_path / "archive").glob("*.jsonl.gz"))) == 3


async def test_the_service_runs_retention_on_its_schedule(db: Database, tmp_path: Path) -> None:
    from mt5bot.retention_task import _daily

    await _fill(db)
    settings = DatabaseSettings(retention_days=30, archive_dir=str(tmp_path / "archive"))
    task = asyncio.create_task(_daily(db, settings, 30, first=0))
    try:
        for _ in range(500):
            if (await _actions(db)).count("retention") == 3:  # the last table is done
                break
            await asyncio.sleep(0.01)
        assert "old-1" not in await _actions(db)
        assert len(list((tmp_path / "archive").glob("*.jsonl.gz"))) == 3
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
