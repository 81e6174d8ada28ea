"""Trade-management rules in storage (issue 19, revision 0006): create, read, save under a version, remove
(never delete); two writers on one rule; the rules of each account apart on one database. What is refused
and every rule kind's spec are in test_rules_store_specs.py, the schema and durability in
test_rules_store_durability.py. Every test runs on SQLite (the group-committing writer) and on
PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from mt5bridge.common.vocab import RuleKind
from storage import Database, RuleNotFoundError, RuleRecord, RuleStateError, StaleRuleError
from storage.models import ACTIVE_RULE_STATES
from tests.storage.conftest import Target
from tests.storage.rules_support import (
    BY,
    GOLD_BE,
    SPECS,
    count_rules,
    live_db,  # noqa: F401 - the fixture, reused
    open_db,
)


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
    one, two = await open_db(target), await open_db(target)
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
    assert await count_rules(live) == 1

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
    live, demo = await open_db(target, "ic-live"), await open_db(target, "demo")
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
