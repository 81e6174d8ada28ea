"""RuleRepository over the real store: Rule in, Rule out, the tracked figures of a started rule kept, every
save under the version read (a removal in between makes it stale), on SQLite and, with TEST_DATABASE_URL,
on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    RuleSpec,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import Reference, Side
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.decisions import CloseVolume
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.repository import RuleRepository, UnreadRuleError
from storage import Database, RuleNotFoundError, RuleStateError, StaleRuleError
from tests.storage.conftest import Target, target  # noqa: F401 - the fixture, reused

BY = "telegram:42"
BE = RuleSpec(scope=Scope(symbol="XAUUSD.m"), action=BreakEven(trigger=Trigger(value=30)))
TRAIL = RuleSpec(scope=Scope(symbol="EURUSD.m"), action=Trailing(distance_points=200))
STAGED = RuleSpec(
    scope=Scope(symbol="XAUUSD.m", side=Side.BUY),
    action=StagedTakeProfit(stages=[Stage(price=4200, share=0.5), Stage(points=500, share=0.3)]),
)
GUARD = RuleSpec(action=EquityGuard(reference=Reference.DAY_START, limit=Drawdown(percent=3)))


@pytest.fixture
async def db(target: Target) -> AsyncIterator[Database]:  # noqa: F811 - the fixture imported above
    """The storage tests' database (tests/storage/conftest.py): SQLite, and PostgreSQL in a schema of its own
    when TEST_DATABASE_URL is set."""
    database = await target.open(account="acc")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def repo(db: Database) -> RuleRepository:
    return RuleRepository(db.rules)


def _started(spec: RuleSpec, **tracked: object) -> Rule:
    return Rule(id=0, spec=spec, created_at=datetime.now(UTC), created_by=BY, **tracked)


async def test_create_returns_a_waiting_rule_with_its_id_and_version_1(repo: RuleRepository) -> None:
    rule = await repo.create(BE, BY)
    assert rule.id > 0 and rule.state is RuleState.WAITING and rule.spec == BE and rule.created_by == BY
    assert repo.version(rule.id) == 1
    assert await repo.get(rule.id) == rule
    assert await repo.get(rule.id + 99) is None


async def test_a_started_rule_keeps_its_tracked_figures(repo: RuleRepository) -> None:
    started = _started(STAGED, base_volume=0.3, entry=4101.5, staged_symbol="XAUUSD.m", staged_side=Side.BUY)
    rule = await repo.create(STAGED, BY, started)
    assert (rule.base_volume, rule.entry, rule.staged_symbol, rule.staged_side) == (0.3, 4101.5, "XAUUSD.m",
                                                                                      Side.BUY)  # fmt: skip
    assert rule.id > 0 and rule.state is RuleState.WAITING
    guard = await repo.create(GUARD, BY, _started(GUARD, day=date(2026, 11, 25)))
    assert (await repo.get(guard.id)) == guard and guard.day == date(2026, 11, 25)


async def test_create_refuses_a_started_rule_of_another_spec_or_removed(repo: RuleRepository) -> None:
    with pytest.raises(ValueError, match="another spec"):
        await repo.create(BE, BY, _started(TRAIL))
    with pytest.raises(ValueError, match="removed"):
        await repo.create(BE, BY, _started(BE, state=RuleState.REMOVED))
    assert await repo.list() == []


async def test_save_writes_figures_under_the_version_read_and_moves_it(repo: RuleRepository) -> None:
    rule = await repo.create(TRAIL, BY)
    moved = rule.model_copy(update={"state": RuleState.ACTIVE, "best": {123: 1.16123}, "failures": 1})
    saved = await repo.save(moved)
    assert saved == moved.model_copy(update={"updated_at": saved.updated_at})
    assert saved.best == {123: 1.16123}  # ticket keys come back as ints
    assert repo.version(rule.id) == 2
    again = await repo.save(saved.model_copy(update={"failures": 0}))
    assert again.failures == 0 and repo.version(rule.id) == 3


async def test_pending_closes_go_through_storage_and_back(repo: RuleRepository) -> None:
    rule = await repo.create(STAGED, BY)
    close = CloseVolume(rule_id=rule.id, key=f"rule-{rule.id}-stage-0-0", stage=0, symbol="XAUUSD.m",
                        side=PositionSide.BUY, volume=0.15, full=(7,))  # fmt: skip
    saved = await repo.save(rule.model_copy(update={"pending": (close,)}))
    assert saved.pending == (close,)
    assert (await repo.get(rule.id)) == saved


async def test_a_removal_in_between_makes_the_save_stale(repo: RuleRepository, db: Database) -> None:
    rule = await repo.create(BE, BY)
    other = RuleRepository(db.rules)  # another writer: the admin's removal
    removed = await other.remove(rule.id, "rest:admin")
    assert removed.state is RuleState.REMOVED
    with pytest.raises(StaleRuleError):
        await repo.save(rule.model_copy(update={"state": RuleState.ACTIVE}))
    fresh = await repo.get(rule.id)
    assert fresh is not None and fresh.state is RuleState.REMOVED
    with pytest.raises(RuleStateError):
        await repo.save(fresh)


async def test_save_of_a_rule_never_read_is_refused(repo: RuleRepository, db: Database) -> None:
    rule = await RuleRepository(db.rules).create(BE, BY)
    with pytest.raises(UnreadRuleError):
        await repo.save(rule)
    await repo.get(rule.id)
    assert (await repo.save(rule)).id == rule.id


async def test_active_list_and_remove(repo: RuleRepository) -> None:
    a, b, c = [await repo.create(spec, BY) for spec in (BE, TRAIL, GUARD)]
    await repo.save(b.model_copy(update={"state": RuleState.DONE}))
    assert (await repo.remove(c.id, "rest:admin")).state is RuleState.REMOVED
    assert [r.id for r in await repo.active()] == [a.id]
    assert [r.id for r in await repo.list(["done", RuleState.REMOVED])] == [b.id, c.id]
    assert [r.id for r in await repo.list()] == [a.id, b.id, c.id]
    with pytest.raises(ValueError, match="sleeping"):
        await repo.list(["sleeping"])
    with pytest.raises(RuleNotFoundError):
        await repo.remove(c.id + 99, BY)
    again = await repo.remove(c.id, "someone:else")
    assert again.state is RuleState.REMOVED
