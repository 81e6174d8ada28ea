"""Issue 17: services sharing one database (PostgreSQL in production) keep their own rows apart (revision
0005). Idempotency keys, report runs and deliveries and runtime settings are keyed by the service's
account (`Database.open(account=)`, '' without one); snapshots carry it for retention; retention touches
only its own account's rows (and audit lines that name none). Users and report subscriptions are shared.
Every test runs on SQLite (writer and SQLAlchemy paths) and on PostgreSQL."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect

from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, OpenRequest
from storage import Database
from storage.engine import Connector, create_engine
from storage.migrate import alembic_config, current_revision, head_revision
from storage.models import ClaimState
from storage.requests import RequestStore
from storage.retention import apply_retention
from storage.tables import request_ids
from tests.storage.builders import T0, entry, snapshot, two_bridges
from tests.storage.conftest import Target

ACTOR = Actor(platform="test", user_id="alice", role=Role.TRADER, raw_input="test")
DUE = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


async def _open(target: Target, account: str | None) -> Database:
    return await Database.open(target.url, schema=target.schema, account=account)


@pytest.fixture
async def two(target: Target) -> AsyncIterator[tuple[Database, Database]]:
    """Bridges `ic-live` and `demo` on one database."""
    live = await _open(target, "ic-live")
    demo = await _open(target, "demo")
    try:
        yield live, demo
    finally:
        await live.close()
        await demo.close()


# --- idempotency keys ---------------------------------------------------------------------------------
async def test_the_trading_cores_of_two_accounts_each_execute_the_same_request_id(target: Target) -> None:
    """Two bridges (a simulator each) on one database, the same request id on both: a position on EACH (no
    replay of the other account's answer, no conflict); a repeat on one replays its own answer only."""
    async with two_bridges(target.url, target.schema) as cores:
        request = OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.1)
        live, live_sim, live_db = cores["ic-live"].service, cores["ic-live"].sim, cores["ic-live"].db
        demo, demo_sim, demo_db = cores["demo"].service, cores["demo"].sim, cores["demo"].db

        first = await live.execute(request, ACTOR, request_id="shared-1")
        other = await demo.execute(request, ACTOR, request_id="shared-1")
        assert first.ok and other.ok
        assert not first.replayed and not other.replayed
        assert len(live_sim.positions_get() or ()) == 1
        assert len(demo_sim.positions_get() or ()) == 1

        again = await live.execute(request, ACTOR, request_id="shared-1")
        assert again.replayed and again.tickets == first.tickets
        assert len(live_sim.positions_get() or ()) == 1 and len(demo_sim.positions_get() or ()) == 1
        # another user on the other account with the same id is no conflict either: it is a new order there
        bob = ACTOR.model_copy(update={"user_id": "bob"})
        third = await demo.execute(request, bob, request_id="bob-1")
        assert third.ok and not third.replayed
        live_lines = await live_db.audit.for_request("shared-1", account="ic-live")
        demo_lines = await demo_db.audit.for_request("shared-1", account="demo")
    assert [e.outcome for e in live_lines] == ["ok"]
    assert [e.outcome for e in demo_lines] == ["ok"]


@pytest.mark.parametrize("direct", [False, True], ids=["stores", "sqlalchemy"])
async def test_a_request_id_is_unique_per_account(two: tuple[Database, Database], direct: bool) -> None:
    """The same id under another account is NEW even with another fingerprint and actor; each account's
    lookup, completion, abandon, open claims and purge see its own row only (on SQLite through the
    group-committing writer, and through SQLAlchemy like PostgreSQL)."""
    live_db, demo_db = two
    live = RequestStore(live_db.connector) if direct else live_db.requests
    demo = RequestStore(demo_db.connector) if direct else demo_db.requests
    assert (await live.begin("r1", "fp-a", "rest:a", plan={"p": 1})).state is ClaimState.NEW
    assert (await demo.begin("r1", "fp-b", "rest:b", plan={"p": 2})).state is ClaimState.NEW
    mine = await demo.lookup("r1", "fp-a", "rest:a")  # demo's own claim, taken with another fingerprint
    assert mine is not None and mine.state is ClaimState.CONFLICT
    assert await live.lookup("r2", "fp", "rest:a") is None

    await live.complete("r1", {"ticket": 1}, audit=entry(action="live"))
    done = await live.begin("r1", "fp-a", "rest:a")
    assert (done.state, done.result) == (ClaimState.DONE, {"ticket": 1})
    assert (await demo.begin("r1", "fp-b", "rest:b")).state is ClaimState.IN_PROGRESS  # demo's own claim

    later = datetime.now(UTC) + timedelta(minutes=1)
    assert [c.plan for c in await demo.open_claims(created_before=later)] == [{"p": 2}]
    assert await live.open_claims(created_before=later) == []
    assert await demo.purge(later) == 0  # live's completed id is not demo's to forget
    await demo.abandon("r1")
    assert (await live.begin("r1", "fp-a", "rest:a")).state is ClaimState.DONE
    assert await live.purge(later) == 1
    assert await live.lookup("r1", "fp-a", "rest:a") is None

    await demo.record("r3", "fp", "rest:a", {"refused": True}, audit=entry(action="demo-refusal"))
    assert (await live.record("r3", "fp", "rest:a", {"no": 1}, audit=entry())).state is ClaimState.NEW
    refusal = await demo.lookup("r3", "fp", "rest:a")
    assert refusal is not None and refusal.result == {"refused": True}


# --- report runs, deliveries, settings; shared users and subscriptions ----------------------------------
async def test_report_runs_and_deliveries_are_per_account(two: tuple[Database, Database]) -> None:
    live, demo = two
    run = await live.reports.begin("daily", "2026-12-04", DUE, late=False)
    assert await demo.reports.get("daily", "2026-12-04") is None
    assert await demo.reports.latest() is None
    await live.reports.record("daily", "2026-12-04", "telegram", "42", None)
    assert await demo.reports.settled("daily", "2026-12-04") == set()
    assert await demo.reports.deliveries("daily", "2026-12-04") == []

    late = await demo.reports.begin("daily", "2026-12-04", DUE, late=True)  # demo's own run of that day
    assert late.late and not run.late
    await demo.reports.record("daily", "2026-12-04", "telegram", "42", "blocked")
    assert await live.reports.settled("daily", "2026-12-04") == {("telegram", "42")}
    [failed] = await demo.reports.deliveries("daily", "2026-12-04")
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert (await live.reports.get("daily", "2026-12-04")) == run
    latest = await live.reports.latest()
    assert latest is not None and latest.late is False


async def test_settings_are_per_account_and_users_and_subscriptions_shared(
    two: tuple[Database, Database],
) -> None:
    live, demo = two
    await live.settings.set("reports.first_start", "2026-12-01T00:00:00+00:00")
    assert await demo.settings.get("reports.first_start") is None
    await demo.settings.set("reports.first_start", "2026-12-05T00:00:00+00:00")
    assert await live.settings.get("reports.first_start") == "2026-12-01T00:00:00+00:00"
    assert await demo.settings.delete("reports.first_start")
    assert await live.settings.get("reports.first_start") == "2026-12-01T00:00:00+00:00"

    await live.reports.subscribe("telegram", "42", "monthly", False)
    assert await demo.reports.choices("monthly") == {("telegram", "42", "monthly"): False}


# --- retention -----------------------------------------------------------------------------------------
async def _old_rows(db: Database, tag: str) -> None:
    await db.snapshots.record(snapshot(0))  # at T0
    await db.audit.append(entry(action=f"{tag}-old"))
    await db.requests.record(f"{tag}-done", "fp", "rest:a", {"ok": 1}, audit=entry(action=f"{tag}-rec"))
    async with db.connector.write() as conn:  # settled long ago
        await conn.execute(
            sa.update(request_ids)
            .where(request_ids.c.account == db.connector.scope)
            .values(created_at=T0, completed_at=T0)
        )


async def test_retention_touches_only_its_own_accounts_rows(
    two: tuple[Database, Database], target: Target, tmp_path: Path
) -> None:
    live, demo = two
    await _old_rows(live, "live")
    await _old_rows(demo, "demo")
    anonymous = await _open(target, None)  # lines that name no account (as before revision 0004)
    try:
        await anonymous.audit.append(entry(action="unnamed-old"))
    finally:
        await anonymous.close()
    now = T0 + timedelta(days=60)  # the cutoff is in April 2026: the old rows only, no line written today
    dry = await apply_retention(live.connector, tmp_path / "archive", 30, now=now, dry_run=True)
    assert {t.table: t.rows for t in dry.tables} == {"account_snapshots": 1, "audit_log": 3, "request_ids": 1}

    report = await apply_retention(live.connector, tmp_path / "archive", 30, now=now)
    archived: dict[str, list[dict[str, object]]] = {}
    for table in report.tables:
        assert table.archive is not None and table.rows == table.deleted
        with gzip.open(table.archive, "rt", encoding="utf-8") as f:
            archived[table.table] = [json.loads(line) for line in f]
    assert {r["account"] for r in archived["account_snapshots"]} == {"ic-live"}
    assert {r["account"] for r in archived["request_ids"]} == {"ic-live"}
    assert sorted((r["action"], r["account"]) for r in archived["audit_log"]) == [
        ("live-old", "ic-live"), ("live-rec", "ic-live"), ("unnamed-old", None),
    ]  # fmt: skip

    # demo's rows are all still there
    assert (await demo.requests.lookup("demo-done", "fp", "rest:a")) is not None
    assert await live.requests.lookup("live-done", "fp", "rest:a") is None
    assert [s.login for s in await demo.snapshots.between(T0, now)] == [snapshot(0).login]
    actions = {e.action for e in await demo.audit.recent(limit=50)}
    assert {"demo-old", "demo-rec"} <= actions
    assert not {"live-old", "live-rec", "unnamed-old"} & actions
    again = await apply_retention(demo.connector, tmp_path / "archive", 30, now=now, dry_run=True)
    assert {t.table: t.rows for t in again.tables} == {
        "account_snapshots": 1,
        "audit_log": 2,
        "request_ids": 1,
    }


# --- the upgrade from 0004 -----------------------------------------------------------------------------
_ROWS_0004 = [
    "INSERT INTO request_ids (request_id, fingerprint, actor, state, result, created_at, completed_at, plan) "
    "VALUES ('done-1', 'fp', 'rest:a', 'done', '{\"ticket\": 7}', '2026-12-01 10:00:00+00:00', "
    "'2026-12-01 10:00:01+00:00', 'null')",
    "INSERT INTO request_ids (request_id, fingerprint, actor, state, result, created_at, completed_at, plan) "
    "VALUES ('open-1', 'fp', 'rest:a', 'in_progress', 'null', '2026-12-01 10:00:00+00:00', NULL, "
    "'{\"p\": 1}')",
    "INSERT INTO settings (key, value, updated_at) VALUES ('reports.first_start', '\"2026-11-01\"', "
    "'2026-11-01 00:00:00+00:00')",
    "INSERT INTO report_runs (kind, period, due_at, started_at, late) VALUES ('daily', '2026-11-30', "
    "'2026-11-30 15:00:00+00:00', '2026-11-30 15:00:00+00:00', false)",
    "INSERT INTO report_deliveries (kind, period, platform, chat_id, state, attempts, updated_at) VALUES "
    "('daily', '2026-11-30', 'telegram', '42', 'sent', 1, '2026-11-30 15:00:01+00:00')",
    "INSERT INTO account_snapshots (at, login, balance, equity, margin, margin_free, margin_level, profit, "
    "credit) VALUES ('2026-11-30 15:00:00+00:00', 5001, 1, 1, 0, 1, 0, 0, 0)",
]


async def _at_0004_with_rows(target: Target) -> None:
    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.write() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0004"))
            for statement in _ROWS_0004:
                await conn.exec_driver_sql(statement)
    finally:
        await connector.engine.dispose()


async def _downgrade(target: Target, revision: str) -> None:
    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.write() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))
    finally:
        await connector.engine.dispose()


def _columns(conn: sa.Connection) -> dict[str, set[str]]:
    tables = ("request_ids", "settings", "report_runs", "report_deliveries", "account_snapshots")
    return {t: {c["name"] for c in inspect(conn).get_columns(t)} for t in tables}


async def _is_single_service_data(db: Database) -> None:
    """The rows written at 0004 are the opening service's: replayed, recovered, reported, remembered."""
    done = await db.requests.begin("done-1", "fp", "rest:a")
    assert (done.state, done.result) == (ClaimState.DONE, {"ticket": 7})
    later = datetime.now(UTC)
    assert [(c.request_id, c.plan) for c in await db.requests.open_claims(created_before=later)] == [
        ("open-1", {"p": 1})
    ]
    assert await db.settings.get("reports.first_start") == "2026-11-01"
    run = await db.reports.get("daily", "2026-11-30")
    assert run is not None and await db.reports.latest() == run
    assert await db.reports.settled("daily", "2026-11-30") == {("telegram", "42")}


async def test_a_database_at_0004_with_rows_upgrades_to_the_opening_service_and_downgrades(
    target: Target, tmp_path: Path
) -> None:
    await _at_0004_with_rows(target)
    local = await _open(target, "local")  # a single-service deployment, the default name
    try:
        assert await current_revision(local.connector) == head_revision() == "0006"
        await _is_single_service_data(local)
        report = await apply_retention(local.connector, tmp_path / "a", 1, now=T0 + timedelta(days=400))
        rows = {t.table: t.rows for t in report.tables}  # its retention takes them too
        assert (rows["account_snapshots"], rows["request_ids"]) == (1, 1)
    finally:
        await local.close()
    other = await _open(target, "demo")  # a second service on the upgraded database sees none of it
    try:
        assert await other.requests.lookup("done-1", "fp", "rest:a") is None
        assert await other.requests.open_claims(created_before=datetime.now(UTC)) == []
        assert await other.reports.get("daily", "2026-11-30") is None
        assert await other.settings.get("reports.first_start") is None
        # and may now use the same keys: a downgrade can no longer tell them apart, so it is refused
        await other.settings.set("reports.first_start", "2026-12-06")
    finally:
        await other.close()
    with pytest.raises(RuntimeError, match="settings holds"):
        await _downgrade(target, "0004")
    again = await _open(target, "demo")
    try:
        assert await again.settings.delete("reports.first_start")
    finally:
        await again.close()

    await _downgrade(target, "0004")
    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.read() as conn:
            columns = await conn.run_sync(_columns)
            assert {t for t, names in columns.items() if "account" in names} == set()
            key = await conn.run_sync(lambda c: inspect(c).get_pk_constraint("request_ids"))
            ids = sorted(r[0] for r in await conn.exec_driver_sql("SELECT request_id FROM request_ids"))
        assert key["constrained_columns"] == ["request_id"]
        assert ids == ["open-1"]  # done-1 went with retention above; the open claim stays
        assert await current_revision(connector) == "0004"
    finally:
        await connector.engine.dispose()


async def test_an_upgrade_without_a_name_gives_old_rows_to_the_unnamed_service(target: Target) -> None:
    """The `alembic` command line without `-x account=` (or a database opened without a name): ''."""
    await _at_0004_with_rows(target)
    unnamed = await _open(target, None)
    try:
        await _is_single_service_data(unnamed)
    finally:
        await unnamed.close()
    named = await _open(target, "local")
    try:
        assert await named.settings.get("reports.first_start") is None
    finally:
        await named.close()
