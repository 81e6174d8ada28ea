"""Issue 17: with one shared database (PostgreSQL in production), the audit lines of every bridge and of the
front are told apart by account. Each service opens the database with its own name (`Database.open(
account=)`); every line it writes without an account is stored under that name, on every write path (the
log itself, the request store's lines written with a result, retention's lines), through the SQLite writer
and through SQLAlchemy alike; a line that names its account keeps it (the front's lines for a bridge)."""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from pydantic import JsonValue, ValidationError
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import InvalidOrder
from mt5bridge.trading.models import Actor, OpenRequest
from storage import Database
from storage.audit import AuditLog
from storage.backup import backup_sqlite
from storage.engine import Connector, create_engine
from storage.migrate import alembic_config, current_revision, head_revision
from storage.requests import RequestStore
from storage.retention import apply_retention
from tests.storage.builders import T0, entry, two_bridges
from tests.storage.conftest import Target, sqlite_url

ACCOUNTS = ("ic-live", "demo", None)
RESULT: dict[str, JsonValue] = {"retcode": 10009, "order": 5001, "comment": "é"}


async def _open(target: Target, account: str | None) -> Database:
    return await Database.open(target.url, schema=target.schema, account=account)


@pytest.fixture
async def services(target: Target) -> AsyncIterator[dict[str | None, Database]]:
    """Three services on one database: bridges `ic-live` and `demo`, and one that has no name."""
    opened: dict[str | None, Database] = {}
    try:
        for account in ACCOUNTS:
            opened[account] = await _open(target, account)
        yield opened
    finally:
        for db in opened.values():
            await db.close()


async def _write_every_way(db: Database, tag: str) -> None:
    """One line through each write path: the log, a completed claim, a refusal, an abandoned claim."""
    await db.audit.append(entry(action=f"{tag}-append", request_id=f"{tag}-a"))
    await db.requests.begin(f"{tag}-c", "fp", "rest:a")
    await db.requests.complete(f"{tag}-c", {"ok": True}, audit=entry(action=f"{tag}-complete"))
    await db.requests.record(
        f"{tag}-r", "fp", "rest:a", {"refused": True}, audit=entry(action=f"{tag}-record")
    )
    await db.requests.begin(f"{tag}-x", "fp", "rest:a")
    await db.requests.abandon(f"{tag}-x", audit=entry(action=f"{tag}-abandon"))


WAYS = ("append", "complete", "record", "abandon")


async def test_lines_of_services_sharing_a_database_are_told_apart(
    services: dict[str | None, Database],
) -> None:
    tags = {"ic-live": "live", "demo": "demo", None: "anon"}
    for account, db in services.items():
        assert db.account == account
        await _write_every_way(db, tags[account])

    reader = services["demo"]  # any of them reads every line, each with its account
    everything = await reader.audit.recent()
    assert len(everything) == 3 * len(WAYS)
    by_account: dict[str | None, set[str]] = {}
    for line in everything:
        by_account.setdefault(line.account, set()).add(line.action)
    assert by_account == {account: {f"{tags[account]}-{way}" for way in WAYS} for account in ACCOUNTS}

    live = await services[None].audit.recent(account="ic-live")
    assert {e.action for e in live} == {f"live-{way}" for way in WAYS}
    assert {e.account for e in live} == {"ic-live"}
    assert [e.action for e in await reader.audit.recent(account="demo", limit=1)] == ["demo-abandon"]
    assert await reader.audit.recent(account="nobody") == []
    assert [e.account for e in await reader.audit.for_request("live-a")] == ["ic-live"]
    assert await reader.audit.for_request("live-a", account="demo") == []
    assert [e.action for e in await reader.audit.recent(account="demo", actor="1001", platform="telegram")][
        -1
    ] == "demo-append"


async def test_an_entry_that_names_its_account_keeps_it(services: dict[str | None, Database]) -> None:
    """The front writes lines for the bridge it routed a trade to: the entry's own account wins, on every
    path, and on a service with or without a name."""
    for own, db in services.items():
        tag = f"{own}-routed"
        await db.audit.append(entry(action=tag, account="ic-live"))
        await db.requests.begin(f"{tag}-c", "fp", "rest:a")
        await db.requests.complete(f"{tag}-c", {"ok": True}, audit=entry(action=tag, account="ic-live"))
        await db.requests.record(
            f"{tag}-r", "fp", "rest:a", {"no": 1}, audit=entry(action=tag, account="ic-live")
        )
        await db.requests.begin(f"{tag}-x", "fp", "rest:a")
        await db.requests.abandon(f"{tag}-x", audit=entry(action=tag, account="ic-live"))
    lines = await services["demo"].audit.recent()
    assert len(lines) == 4 * len(ACCOUNTS)
    assert {e.account for e in lines} == {"ic-live"}
    assert await services["demo"].audit.recent(account="demo") == []


async def test_the_sqlalchemy_path_stamps_the_same_account(target: Target) -> None:
    """PostgreSQL always writes through SQLAlchemy; on SQLite the repositories built on the bare connector
    take that path too, and stamp the connector's account like the group-committing writer does."""
    db = await _open(target, "ic-live")
    try:
        audit, requests = AuditLog(db.connector), RequestStore(db.connector)
        await audit.append(entry(action="orm-append"))
        await audit.append(entry(action="orm-routed", account="demo"))
        await requests.begin("orm-c", "fp", "rest:a")
        await requests.complete("orm-c", {"ok": True}, audit=entry(action="orm-complete"))
        await requests.record("orm-r", "fp", "rest:a", {"no": 1}, audit=entry(action="orm-record"))
        await requests.begin("orm-x", "fp", "rest:a")
        await requests.abandon("orm-x", audit=entry(action="orm-abandon"))
        got = {e.action: e.account for e in await db.audit.recent()}
    finally:
        await db.close()
    assert got == {
        "orm-append": "ic-live", "orm-routed": "demo", "orm-complete": "ic-live",
        "orm-record": "ic-live", "orm-abandon": "ic-live",
    }  # fmt: skip


async def _write_both(requests: RequestStore, audit: AuditLog, rid: str) -> None:
    await requests.begin(rid, "fp", "rest:a")
    await requests.complete(rid, RESULT, audit=entry(request_id=rid, result=RESULT))
    await requests.record(rid + "-refused", "fp", "rest:a", {"no": 1}, audit=entry(request_id=rid + "-r"))
    await audit.append(entry(request_id=rid + "-a"))
    await audit.append(entry(request_id=rid + "-routed", account="demo"))


def _audit_rows(path: Path, rid: str) -> list[tuple[object, ...]]:
    """Every column but the id and the request id, as SQLite holds it."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM audit_log WHERE request_id LIKE ? ORDER BY id", (rid + "%",))
        return [tuple(row[k] for k in row.keys() if k not in {"id", "request_id"}) for row in rows]


async def test_sqlite_writer_and_sqlalchemy_write_the_same_account_bytes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = await Database.open(sqlite_url(path), account="ic-live")
    try:
        assert db.writer is not None
        await _write_both(db.requests, db.audit, "fast")
        await _write_both(RequestStore(db.connector), AuditLog(db.connector), "orm")
    finally:
        await db.close()
    fast = _audit_rows(path, "fast")
    assert fast == _audit_rows(path, "orm")
    with sqlite3.connect(path) as conn:
        accounts = [row[0] for row in conn.execute("SELECT account FROM audit_log ORDER BY id")]
    assert accounts == ["ic-live", "ic-live", "ic-live", "demo"] * 2


async def test_retention_lines_carry_the_account_and_archives_keep_the_column(
    target: Target, tmp_path: Path
) -> None:
    now = T0 + timedelta(days=60)
    db = await _open(target, "demo")
    try:
        await db.audit.append(entry(action="old-own", at=T0))
        await db.audit.append(entry(action="old-routed", at=T0, account="ic-live"))
        await db.audit.append(entry(action="recent", at=now))
        # demo as a front routing to ic-live: the lines it wrote for that bridge are its to archive
        report = await apply_retention(db.connector, tmp_path / "archive", 30, now=now, routed=["ic-live"])
        lines = await db.audit.recent()
    finally:
        await db.close()
    [audit] = [t for t in report.tables if t.table == "audit_log"]
    assert audit.archive is not None
    with gzip.open(audit.archive, "rt", encoding="utf-8") as f:
        archived = [json.loads(line) for line in f]
    assert [(r["action"], r["account"]) for r in archived] == [("old-own", "demo"), ("old-routed", "ic-live")]
    retention = [e for e in lines if e.action == "retention"]
    assert retention
    assert {e.account for e in retention} == {"demo"}


async def test_the_trading_core_audits_under_its_database_account(target: Target) -> None:
    """Two bridges (a simulator each) on one database: each core's audit lines carry its own account."""
    actor = Actor(platform="test", user_id="alice", role=Role.TRADER, raw_input="test")
    async with two_bridges(target.url, target.schema) as cores:
        live, db = cores["ic-live"].service, cores["ic-live"].db
        demo = cores["demo"].service
        opened = await live.execute(OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.1), actor,
                                    request_id="live-1")  # fmt: skip
        assert opened.ok
        await demo.execute(OpenRequest(symbol="XAUUSD", side=PositionSide.SELL, volume=0.01), actor,
                           request_id="demo-1")  # fmt: skip
        with pytest.raises(InvalidOrder):  # a refusal is audited too, under the same account
            await demo.execute(OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.015), actor,
                               request_id="demo-2")  # fmt: skip
        [live_line] = await db.audit.recent(account="ic-live")
        demo_lines = await db.audit.recent(account="demo")
    assert (live_line.request_id, live_line.outcome, live_line.account) == ("live-1", "ok", "ic-live")
    assert [(e.request_id, e.outcome) for e in demo_lines] == [("demo-2", "refused"), ("demo-1", "ok")]


async def test_a_database_at_0003_is_upgraded_with_its_lines_unnamed_and_downgrades(target: Target) -> None:
    connector = Connector(create_engine(target.url, schema=target.schema))
    async with connector.write() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0003"))
        await conn.exec_driver_sql(
            "INSERT INTO audit_log (at, platform, user_id, action, outcome, tickets) "
            "VALUES ('2026-11-30 10:00:00+00:00', 'telegram', '42', 'before', 'ok', '[]')"
        )
    await connector.engine.dispose()

    db = await _open(target, "ic-live")
    try:
        assert await current_revision(db.connector) == head_revision() == "0006"
        await db.audit.append(entry(action="after"))
        assert [(e.action, e.account) for e in await db.audit.recent()] == [
            ("after", "ic-live"), ("before", None),
        ]  # fmt: skip
        assert [e.action for e in await db.audit.recent(account="ic-live")] == ["after"]
    finally:
        await db.close()

    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.write() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0003"))
        async with connector.read() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("audit_log")}
            )
            indexes = await conn.run_sync(
                lambda c: {ix["name"] for ix in inspect(c).get_indexes("audit_log")}
            )
            actions = [
                row[0] for row in await conn.exec_driver_sql("SELECT action FROM audit_log ORDER BY id")
            ]
        assert "account" not in columns
        assert "ix_audit_log_account_at" not in indexes
        assert actions == ["before", "after"]
        with pytest.raises(DBAPIError, match="append-only"):  # the triggers survived the downgrade
            async with connector.write() as conn:
                await conn.exec_driver_sql("DELETE FROM audit_log")
        assert await current_revision(connector) == "0003"
    finally:
        await connector.engine.dispose()

    again = await _open(target, "demo")  # and up again
    try:
        assert [(e.action, e.account) for e in await again.audit.recent()] == [
            ("after", None),
            ("before", None),
        ]
        with pytest.raises(DBAPIError, match="append-only"):
            async with again.connector.write() as conn:
                await conn.exec_driver_sql("UPDATE audit_log SET account = 'forged'")
    finally:
        await again.close()


async def test_a_sqlite_backup_keeps_the_accounts(tmp_path: Path) -> None:
    path = tmp_path / "mt5bot.db"
    db = await Database.open(sqlite_url(path), account="ic-live")
    try:
        await db.audit.append(entry(action="own"))
        await db.audit.append(entry(action="routed", account="demo"))
    finally:
        await db.close()
    result = backup_sqlite(path, tmp_path / "b" / "copy.db")
    assert result.revision == head_revision()
    copy = await Database.open(sqlite_url(result.path))
    try:
        assert [(e.action, e.account) for e in await copy.audit.recent()] == [
            ("routed", "demo"),
            ("own", "ic-live"),
        ]
    finally:
        await copy.close()


@pytest.mark.parametrize("name", ["", "x" * 33])
async def test_an_account_name_must_fit_the_column(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="account"):
        await Database.open(sqlite_url(tmp_path / "a.db"), account=name)
    with pytest.raises(ValidationError):
        entry(account=name)


def test_the_account_is_optional_on_an_entry() -> None:
    assert entry().account is None
    assert entry(account="ic-live").account == "ic-live"
    assert entry(at=datetime(2026, 1, 1, tzinfo=UTC)).model_dump()["account"] is None
