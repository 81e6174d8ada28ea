"""Trade-management rules in storage (issue 19, revision 0006): the group-committing writer writes the rows
SQLAlchemy writes; the active rules' index and ids never reused; a downgrade below 0006 and back; a saved
rule survives kill -9. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import event, inspect

from storage import Database
from storage.engine import Connector, create_engine
from storage.migrate import alembic_config, current_revision
from storage.rules import RuleStore
from tests.storage.conftest import Target, sqlite_url
from tests.storage.rules_support import (
    BY,
    GOLD_BE,
    SPECS,
    live_db,  # noqa: F401 - the fixture, reused
    open_db,
)


# --- the two SQLite paths, the schema -------------------------------------------------------------------
def _raw(path: Path) -> list[tuple[object, ...]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT * FROM rules ORDER BY id").fetchall()
        names = [d[0] for d in conn.execute("SELECT * FROM rules").description]
    skip = {names.index(n) for n in ("id", "created_at", "updated_at")}
    return [tuple(v for i, v in enumerate(row) if i not in skip) for row in rows]


async def _story(store: RuleStore) -> None:
    rule = await store.create(SPECS["staged_tp_points"], BY, tracked={"base_volume": 0.3, "d": "é"})
    saved = await store.save(
        rule.model_copy(update={"state": "active", "tracked": {"initial_risk": {"1": 2.5}}})
    )
    await store.remove(saved.id, "rest:admin")
    await store.create(SPECS["profit_lock"], BY)


async def test_the_writer_writes_the_rows_sqlalchemy_writes(tmp_path: Path) -> None:
    fast, orm = tmp_path / "fast.db", tmp_path / "orm.db"
    for path, writer in ((fast, True), (orm, False)):
        db = await Database.open(sqlite_url(path), account="ic-live")
        try:
            assert db.writer is not None
            await _story(db.rules if writer else RuleStore(db.connector))
        finally:
            await db.close()
    assert len(_raw(fast)) == 2
    assert _raw(fast) == _raw(orm)


async def test_the_active_rules_have_their_index_and_ids_are_never_reused(live: Database) -> None:
    await live.rules.create(GOLD_BE, BY)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        seen.append((statement, parameters))

    event.listen(live.connector.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await live.rules.active()
    finally:
        event.remove(live.connector.engine.sync_engine, "before_cursor_execute", capture)
    [(query, params)] = [(s, p) for s, p in seen if "FROM rules" in s]
    async with live.connector.read() as conn:
        if live.dialect == "sqlite":
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", params)).all()
            assert any("ix_rules_active" in str(step) for step in plan), plan
            ddl = (
                await conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'rules'")
            ).scalar_one()
            assert "AUTOINCREMENT" in ddl
        else:
            index = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_rules_active'"
            definition = (await conn.exec_driver_sql(index)).scalar_one()
            assert "WHERE" in definition and "'paused'" in definition


async def test_a_downgrade_below_0006_drops_the_rules_and_an_upgrade_brings_the_table_back(
    target: Target,
) -> None:
    db = await open_db(target)
    await db.rules.create(GOLD_BE, BY)
    await db.close()
    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.write() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0005"))
            assert "rules" not in await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await connector.engine.dispose()
    db = await open_db(target)
    try:
        assert await current_revision(db.connector) == "0006"
        assert await db.rules.list() == []
        assert (await db.rules.create(GOLD_BE, BY)).version == 1
    finally:
        await db.close()


# --- durability -----------------------------------------------------------------------------------------
_KILLED = """
import asyncio, os, signal
from mt5bridge.common.rulespec import RuleSpec
from storage import Database

async def main():
    db = await Database.open({url!r}, schema={schema!r}, account="ic-live")
    rule = await db.rules.create(RuleSpec.model_validate_json({spec!r}), "telegram:42")
    saved = await db.rules.save(rule.model_copy(update={{"state": "active", "tracked": {{"peak": 12.5}}}}))
    print(saved.id, saved.version, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no flush: whatever save() answered must be on disk

asyncio.run(main())
"""


async def test_a_saved_rule_survives_kill_9(target: Target) -> None:
    spec = SPECS["trailing_atr"]
    script = textwrap.dedent(_KILLED).format(
        url=target.url, schema=target.schema, spec=spec.model_dump_json()
    )
    argv = [sys.executable, "-c", script]
    done = await asyncio.to_thread(
        subprocess.run, argv, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    rule_id, version = map(int, done.stdout.split())
    db = await open_db(target)
    try:
        rule = await db.rules.get(rule_id)
        assert rule is not None
        assert (rule.spec, rule.state, rule.version) == (spec, "active", version)
        assert rule.tracked == {"peak": 12.5}
        assert await db.rules.active() == [rule]
    finally:
        await db.close()
