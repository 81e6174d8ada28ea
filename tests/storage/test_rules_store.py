"""Trade-management rules in storage (issue 19, revision 0006): create, read, save under a version, remove
(never delete); the rules of each account apart on one database; every rule kind's spec through JSON and
back; what is refused before anything is written; a saved rule survives kill -9. Every test runs on SQLite
(the group-committing writer) and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from pydantic import ValidationError
from sqlalchemy import event, inspect

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    ProfitLock,
    RuleSpec,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import ProfitUnit, Reference, RuleKind, Side, TrailMode
from mt5bridge.trading.rules.models import Rule, RuleState
from storage import Database, RuleNotFoundError, RuleRecord, RuleStateError, StaleRuleError
from storage.engine import Connector, create_engine
from storage.migrate import alembic_config, current_revision
from storage.models import ACTIVE_RULE_STATES, RULE_STATES
from storage.rules import RuleStore
from tests.storage.conftest import Target, sqlite_url

BY = "telegram:42"
GOLD_BE = RuleSpec(scope=Scope(symbol="XAUUSD"), action=BreakEven(trigger=Trigger(value=30), offset_points=5))

# One spec per kind and variant, with the extremes the models allow.
SPECS: dict[str, RuleSpec] = {
    "break_even_points": GOLD_BE,
    "break_even_risk_ticket": RuleSpec(
        scope=Scope(ticket=2**62),
        action=BreakEven(trigger=Trigger(unit=ProfitUnit.RISK, value=1.5), offset_points=-1e6),
    ),
    "trailing_points": RuleSpec(
        scope=Scope(symbol="EURUSD", side=Side.BUY), action=Trailing(distance_points=20)
    ),
    "trailing_atr": RuleSpec(
        scope=Scope(symbol="XAUUSD.m"),
        action=Trailing(
            mode=TrailMode.ATR,
            atr_k=2.5,
            atr_period=500,
            timeframe="H4",
            activation=Trigger(unit=ProfitUnit.MONEY, value=50.25),
            step_points=3,
        ),
    ),
    "trailing_candles": RuleSpec(
        scope=Scope(magic=2**63 - 1), action=Trailing(mode=TrailMode.CANDLES, candles=3, timeframe="M15")
    ),
    "staged_tp_prices": RuleSpec(
        scope=Scope(symbol="XAUUSD", side=Side.BUY),
        action=StagedTakeProfit(stages=[Stage(price=3700, share=0.5), Stage(price=3750.55, share=0.3)]),
    ),
    "staged_tp_points": RuleSpec(
        scope=Scope(symbol="USDJPY", side=Side.SELL),
        action=StagedTakeProfit(stages=[Stage(points=p, share=0.2) for p in (1e-9, 10, 100, 1e3, 1e11)]),
    ),
    "equity_guard_day_start": RuleSpec(
        action=EquityGuard(limit=Drawdown(percent=3), warn_at=Drawdown(percent=2.5))
    ),
    "equity_guard_fixed": RuleSpec(
        scope=Scope(magic=20250101),
        action=EquityGuard(reference=Reference.FIXED, amount=10_000, limit=Drawdown(money=200)),
    ),
    "equity_guard_peak": RuleSpec(
        scope=Scope(symbol="XAUUSD"),
        action=EquityGuard(reference=Reference.PEAK, limit=Drawdown(money=999_999_999_999.5), pause=False),
    ),
    "profit_lock": RuleSpec(action=ProfitLock(activate_at=100, give_back=1)),
}


async def _open(target: Target, account: str | None = "ic-live") -> Database:
    return await Database.open(target.url, schema=target.schema, account=account)


@pytest.fixture
async def live(target: Target) -> AsyncIterator[Database]:
    db = await _open(target)
    try:
        yield db
    finally:
        await db.close()


async def _count(db: Database) -> int:
    async with db.connector.read() as conn:
        return int((await conn.exec_driver_sql("SELECT COUNT(*) FROM rules")).scalar_one())


# --- create, get, active, list ------------------------------------------------------------------------
async def test_a_new_rule_is_waiting_at_version_1_and_reads_back(live: Database) -> None:
    before = datetime.now(UTC)
    rule = await live.rules.create(GOLD_BE, BY, tracked={"initial_risk": {5001: 120.0}})
    assert rule.id > 0
    assert (rule.state, rule.version, rule.created_by, rule.updated_at) == ("waiting", 1, BY, None)
    assert (rule.kind, rule.spec, rule.removed_by) == (RuleKind.BREAK_EVEN, GOLD_BE, None)
    assert rule.tracked == {"initial_risk": {"5001": 120.0}}  # JSON: ticket keys are text
    assert before <= rule.created_at <= datetime.now(UTC)
    assert rule.created_at.tzinfo == UTC
    assert await live.rules.get(rule.id) == rule
    assert await live.rules.get(rule.id + 1000) is None
    other = await live.rules.create(SPECS["profit_lock"], "rest:admin")
    assert other.id > rule.id
    assert [r.id for r in await live.rules.active()] == [rule.id, other.id]


async def test_active_is_waiting_active_and_paused_oldest_first_and_list_filters(live: Database) -> None:
    made = {state: await live.rules.create(GOLD_BE, BY) for state in ("waiting", "active", "done", "paused")}
    for state in ("active", "done", "paused"):
        await live.rules.save(made[state].model_copy(update={"state": state}))
    gone = await live.rules.create(GOLD_BE, BY, state="active")
    await live.rules.remove(gone.id, BY)
    ids = {state: rule.id for state, rule in made.items()} | {"removed": gone.id}

    active = await live.rules.active()
    assert [(r.id, r.state) for r in active] == [(ids[s], s) for s in ("waiting", "active", "paused")]
    assert [r.state for r in await live.rules.list()] == ["waiting", "active", "done", "paused", "removed"]
    assert [r.id for r in await live.rules.list(states=["removed", "done"])] == [ids["done"], ids["removed"]]
    assert await live.rules.list(states=[]) == []
    assert await live.rules.list(states=ACTIVE_RULE_STATES) == active
    with pytest.raises(ValueError, match="unknown rule states"):
        await live.rules.list(states=["running"])


# --- save: state and tracked figures under a version ----------------------------------------------------
async def test_save_writes_state_and_figures_and_moves_the_version(live: Database) -> None:
    rule = await live.rules.create(SPECS["staged_tp_prices"], BY, tracked={"base_volume": 0.3})
    tracked = {"base_volume": 0.3, "stages_done": 1, "failures": 0, "last_error": None}
    saved = await live.rules.save(rule.model_copy(update={"state": "active", "tracked": tracked}))
    assert (saved.state, saved.tracked, saved.version) == ("active", tracked, 2)
    assert saved.updated_at is not None and saved.updated_at >= saved.created_at
    assert (saved.id, saved.spec, saved.created_at, saved.created_by) == (
        rule.id, rule.spec, rule.created_at, rule.created_by,
    )  # fmt: skip
    assert await live.rules.get(rule.id) == saved
    again = await live.rules.save(saved.model_copy(update={"tracked": {**tracked, "stages_done": 2}}))
    assert again.version == 3 and again.tracked["stages_done"] == 2


async def test_a_stale_version_is_refused_and_writes_nothing(live: Database) -> None:
    rule = await live.rules.create(GOLD_BE, BY)
    first = await live.rules.save(rule.model_copy(update={"state": "active", "tracked": {"failures": 1}}))
    with pytest.raises(StaleRuleError) as stale:  # the writer that read version 1 is too late
        await live.rules.save(rule.model_copy(update={"tracked": {"failures": 9}}))
    assert (stale.value.rule_id, stale.value.expected, stale.value.current) == (rule.id, 1, 2)
    with pytest.raises(StaleRuleError):  # an explicit expected version wins over the record's own
        await live.rules.save(first, expected_version=1)
    assert await live.rules.get(rule.id) == first
    latest = await live.rules.save(rule.model_copy(update={"tracked": {"failures": 2}}), expected_version=2)
    assert (latest.version, latest.tracked) == (3, {"failures": 2})


async def test_two_writers_on_one_rule_never_lose_an_update(target: Target) -> None:
    """Two services' connections (two Database objects, as two processes would have) and, on each, several
    concurrent saves, all from version 1: exactly one is written, every other is told it is stale."""
    one, two = await _open(target), await _open(target)
    try:
        rule = await one.rules.create(GOLD_BE, BY)
        copy = await two.rules.get(rule.id)
        assert copy == rule
        saves = [
            store.save(rule.model_copy(update={"tracked": {"peak": float(n)}}))
            for n, store in enumerate([one.rules, two.rules] * 4)
        ]
        outcomes = await asyncio.gather(*saves, return_exceptions=True)
        won = [o for o in outcomes if isinstance(o, RuleRecord)]
        assert len(won) == 1, outcomes
        assert all(isinstance(o, StaleRuleError) for o in outcomes if o is not won[0])
        assert await one.rules.get(rule.id) == await two.rules.get(rule.id) == won[0]
        assert won[0].version == 2
    finally:
        await one.close()
        await two.close()


async def test_save_refuses_an_unknown_rule_a_removal_and_another_spec(live: Database) -> None:
    rule = await live.rules.create(GOLD_BE, BY)
    with pytest.raises(RuleNotFoundError):
        await live.rules.save(rule.model_copy(update={"id": rule.id + 1000}))
    with pytest.raises(RuleStateError, match="remove"):
        await live.rules.save(rule.model_copy(update={"state": "removed"}))
    with pytest.raises(RuleStateError, match="spec is fixed"):
        await live.rules.save(rule.model_copy(update={"spec": SPECS["trailing_points"]}))
    assert await live.rules.get(rule.id) == rule


# --- remove: never deleted ------------------------------------------------------------------------------
async def test_remove_keeps_the_row_and_wins_over_a_save_in_flight(live: Database) -> None:
    rule = await live.rules.create(GOLD_BE, BY)
    running = await live.rules.save(rule.model_copy(update={"state": "active"}))  # the runner's copy, v2
    removed = await live.rules.remove(rule.id, "rest:admin")
    assert (removed.state, removed.removed_by, removed.version) == ("removed", "rest:admin", 3)
    assert removed.updated_at is not None
    assert await live.rules.get(rule.id) == removed  # kept for the audit
    assert await live.rules.active() == []
    assert await live.rules.list(states=["removed"]) == [removed]
    assert await _count(live) == 1

    with pytest.raises(StaleRuleError):  # the runner saves what it read before the removal
        await live.rules.save(running.model_copy(update={"tracked": {"peak": 1.0}}))
    with pytest.raises(RuleStateError, match="removed by rest:admin"):  # and after reading it again
        await live.rules.save(removed.model_copy(update={"state": "active"}))
    assert await live.rules.remove(rule.id, "telegram:7") == removed  # the first removal stays
    with pytest.raises(RuleNotFoundError):
        await live.rules.remove(rule.id + 1000, BY)
    for by in ("", "x" * 129):
        with pytest.raises(ValueError, match=r"1\.\.128"):
            await live.rules.remove(rule.id, by)


# --- accounts -------------------------------------------------------------------------------------------
async def test_the_rules_of_two_accounts_on_one_database_stay_apart(target: Target) -> None:
    live, demo = await _open(target, "ic-live"), await _open(target, "demo")
    try:
        mine = await live.rules.create(GOLD_BE, BY)
        theirs = await demo.rules.create(SPECS["trailing_points"], BY)
        assert mine.id != theirs.id
        assert [r.id for r in await live.rules.active()] == [mine.id]
        assert [r.id for r in await demo.rules.list()] == [theirs.id]
        assert await live.rules.get(theirs.id) is None
        with pytest.raises(RuleNotFoundError):
            await live.rules.save(theirs.model_copy(update={"state": "paused"}))
        with pytest.raises(RuleNotFoundError):
            await live.rules.remove(theirs.id, BY)
        assert await demo.rules.get(theirs.id) == theirs  # untouched
        async with live.connector.read() as conn:
            rows = (await conn.execute(sa.text("SELECT id, account FROM rules ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(mine.id, "ic-live"), (theirs.id, "demo")]
    finally:
        await live.close()
        await demo.close()


async def test_a_database_opened_without_an_account_keeps_its_rules_under_the_empty_name(
    db: Database,
) -> None:
    rule = await db.rules.create(GOLD_BE, BY)
    assert await db.rules.active() == [rule]
    async with db.connector.read() as conn:
        assert (await conn.execute(sa.text("SELECT account FROM rules"))).scalar_one() == ""


# --- JSON round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SPECS))
async def test_every_kind_of_spec_reads_back_equal(live: Database, name: str) -> None:
    spec = SPECS[name]
    rule = await live.rules.create(spec, BY)
    [read] = await live.rules.active()
    assert read.spec == spec and read.kind == spec.action.kind
    async with live.connector.read() as conn:
        row = (
            await conn.execute(sa.text("SELECT kind, spec FROM rules WHERE id = :id"), {"id": rule.id})
        ).one()
    stored = row.spec if isinstance(row.spec, dict) else json.loads(row.spec)
    assert row.kind == spec.action.kind.value
    assert RuleSpec.model_validate(stored) == spec


def test_every_rule_kind_has_a_spec_here() -> None:
    assert {spec.action.kind for spec in SPECS.values()} == set(RuleKind)


def test_the_stored_states_are_the_trading_cores() -> None:
    assert RULE_STATES == tuple(state.value for state in RuleState)


async def test_the_trading_cores_rule_goes_through_storage_and_back(live: Database) -> None:
    """`Rule.model_validate(record.rule_fields())` and `RuleRecord.from_rule_fields(rule dump)`: every
    tracked figure of a `Rule` survives (ticket keys, a date, floats, None)."""
    record = await live.rules.create(SPECS["equity_guard_day_start"], BY, tracked={"base_volume": 1.25})
    rule = Rule.model_validate(record.rule_fields())
    assert (rule.id, rule.state, rule.base_volume) == (record.id, RuleState.WAITING, 1.25)
    assert rule.spec == record.spec
    running = rule.model_copy(
        update={
            "state": RuleState.ACTIVE, "stages_done": 2, "initial_risk": {5001: 120.5, 2**62: 0.1},
            "peak": 10_250.75, "warned": True, "failures": 1, "last_error": "10016 Invalid stops 止损无效",
            "day": date(2026, 3, 2),
        }
    )  # fmt: skip
    for dump in (running.model_dump(mode="json"), running.model_dump()):
        mine = RuleRecord.from_rule_fields(dump, version=record.version)
        saved = await live.rules.save(mine)
        back = Rule.model_validate(saved.rule_fields())
        assert back == running.model_copy(update={"updated_at": saved.updated_at})
        record = saved
    # the argument's version wins over one the dump may carry; the record's own fields are never figures
    dump = {**running.model_dump(mode="json"), "version": 1, "removed_by": None}
    assert RuleRecord.from_rule_fields(dump, version=7).version == 7
    assert "version" not in RuleRecord.from_rule_fields(dump, version=7).tracked


# --- refused before any write ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "created_by", "tracked"),
    [
        pytest.param(GOLD_BE, "x" * 129, None, id="created_by too long"),
        pytest.param(GOLD_BE, "", None, id="created_by empty"),
        pytest.param({"action": {"kind": "trailing", "mode": "atr"}}, BY, None, id="trail without its k"),
        pytest.param({"action": {"kind": "teleport"}}, BY, None, id="unknown kind"),
        pytest.param(
            {"action": {"kind": "staged_tp", "stages": [{"price": 1, "share": 0.7}] * 2}},
            BY,
            None,
            id="stages over 100%",
        ),
        pytest.param(
            RuleSpec.model_construct(action=ProfitLock.model_construct(activate_at=-5, give_back=3)),
            BY,
            None,
            id="a RuleSpec built without validation",
        ),
        pytest.param(GOLD_BE, BY, {"peak": float("nan")}, id="NaN figure"),
        pytest.param(GOLD_BE, BY, {"peak": float("inf")}, id="infinite figure"),
        pytest.param(GOLD_BE, BY, {"state": "active"}, id="a figure named as a column"),
        pytest.param(GOLD_BE, BY, {"when": object()}, id="not JSON"),
    ],
)
async def test_an_invalid_rule_is_refused_before_anything_is_written(
    live: Database, spec: Any, created_by: str, tracked: dict[str, Any] | None
) -> None:
    with pytest.raises((ValidationError, ValueError)):
        await live.rules.create(spec, created_by, tracked=tracked)
    assert await _count(live) == 0


async def test_a_rule_cannot_be_created_removed(live: Database) -> None:
    with pytest.raises(RuleStateError):
        await live.rules.create(GOLD_BE, BY, state="removed")
    with pytest.raises(ValidationError):
        await live.rules.create(GOLD_BE, BY, state="running")
    assert await _count(live) == 0


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
    db = await _open(target)
    await db.rules.create(GOLD_BE, BY)
    await db.close()
    connector = Connector(create_engine(target.url, schema=target.schema))
    try:
        async with connector.write() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0005"))
            assert "rules" not in await conn.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await connector.engine.dispose()
    db = await _open(target)
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
    db = await _open(target)
    try:
        rule = await db.rules.get(rule_id)
        assert rule is not None
        assert (rule.spec, rule.state, rule.version) == (spec, "active", version)
        assert rule.tracked == {"peak": 12.5}
        assert await db.rules.active() == [rule]
    finally:
        await db.close()
