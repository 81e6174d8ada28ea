"""Migrations: up from empty, idempotent reopen, schema = tables.py, append-only triggers, URL checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from storage import Database, StorageConfigError
from storage.migrate import current_revision, head_revision
from storage.tables import metadata
from tests.storage.builders import entry
from tests.storage.conftest import Target, sqlite_url

TABLES = {
    "audit_log", "request_ids", "account_snapshots", "users", "settings", "alembic_version",
    "report_subscriptions", "report_runs", "report_deliveries", "rules",
}  # fmt: skip


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_up_from_empty_creates_every_table_at_head(db: Database) -> None:
    await db.ping()
    assert head_revision() == "0006"
    assert await current_revision(db.connector) == "0006"
    async with db.connector.read() as conn:
        names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert names == TABLES


async def test_migrated_schema_matches_the_tables_module(db: Database) -> None:
    async with db.connector.read() as conn:
        assert await conn.run_sync(_diff) == []


async def test_second_open_is_a_no_op_that_keeps_data(target: Target) -> None:
    first = await target.open()
    await first.audit.append(entry(action="buy"))
    await first.close()
    second = await target.open()
    try:
        assert await current_revision(second.connector) == "0006"
        assert [e.action for e in await second.audit.recent()] == ["buy"]
    finally:
        await second.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"],
)
async def test_triggers_refuse_changing_the_audit_log(db: Database, statement: str) -> None:
    await db.audit.append(entry(action="buy"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.connector.write() as conn:
            await conn.exec_driver_sql(statement)
    assert [e.action for e in await db.audit.recent()] == ["buy"]


async def test_truncate_is_refused_on_postgres(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    await db.audit.append(entry())
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.connector.write() as conn:
            await conn.exec_driver_sql("TRUNCATE audit_log")
    assert len(await db.audit.recent()) == 1


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "a.db"))
    try:
        async with db.connector.read() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        assert (mode, keys) == ("wal", 1)
        assert busy is not None
        assert busy >= 5000
    finally:
        await db.close()


async def test_relative_sqlite_path_is_relative_to_cwd_and_folder_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = await Database.open("sqlite+aiosqlite:///data/nested/mt5bot.db")
    await db.close()
    assert (tmp_path / "data" / "nested" / "mt5bot.db").is_file()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite://",
        "sqlite:///x.db",
        "postgresql://u:p@127.0.0.1/db",
        "mysql+aiomysql://u:p@127.0.0.1/db",
        "not a url",
    ],
)
async def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(StorageConfigError):
        await Database.open(url)


async def test_schema_is_refused_on_sqlite(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError):
        await Database.open(sqlite_url(tmp_path / "a.db"), schema="x")


async def test_upgrade_from_0001_keeps_open_claims_without_a_plan(target: Target) -> None:
    from alembic import command

    from storage.engine import Connector, create_engine
    from storage.migrate import alembic_config

    connector = Connector(create_engine(target.url, schema=target.schema))
    async with connector.write() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
        await conn.exec_driver_sql(
            "INSERT INTO request_ids (request_id, fingerprint, actor, state, created_at) "
            "VALUES ('old', 'fp', 'rest:a', 'in_progress', '2026-11-30 10:00:00+00:00')"
        )
    await connector.engine.dispose()
    db = await target.open()
    try:
        assert await current_revision(db.connector) == "0006"
        [claim] = await db.requests.open_claims(created_before=datetime.now(UTC))
        assert (claim.request_id, claim.actor, claim.plan) == ("old", "rest:a", None)
    finally:
        await db.close()
