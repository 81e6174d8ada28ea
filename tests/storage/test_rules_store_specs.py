"""Trade-management rules in storage (issue 19, revision 0006): every rule kind's spec, with the extremes
the models allow, through JSON and back; the trading core's `Rule` through storage and back; what is
refused before anything is written. Every test runs on SQLite (the group-committing writer) and on
PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from mt5bridge.common.rulespec import ProfitLock, RuleSpec
from mt5bridge.common.vocab import RuleKind
from mt5bridge.trading.rules.models import Rule, RuleState
from storage import Database, RuleNotFoundError, RuleRecord, RuleStateError
from storage.models import RULE_STATES
from tests.storage.rules_support import (
    BY,
    GOLD_BE,
    SPECS,
    count_rules,
    live_db,  # noqa: F401 - the fixture, reused
)


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
    assert await count_rules(live) == 0


async def test_a_rule_cannot_be_created_removed(live: Database) -> None:
    with pytest.raises(RuleStateError):
        await live.rules.create(GOLD_BE, BY, state="removed")
    with pytest.raises(ValidationError):
        await live.rules.create(GOLD_BE, BY, state="running")
    assert await count_rules(live) == 0


async def test_save_refuses_an_unknown_rule_a_removal_and_another_spec(live: Database) -> None:
    rule = await live.rules.create(GOLD_BE, BY)
    with pytest.raises(RuleNotFoundError):
        await live.rules.save(rule.model_copy(update={"id": rule.id + 1000}))
    with pytest.raises(RuleStateError, match="remove"):
        await live.rules.save(rule.model_copy(update={"state": "removed"}))
    with pytest.raises(RuleStateError, match="spec is fixed"):
        await live.rules.save(rule.model_copy(update={"spec": SPECS["trailing_points"]}))
    assert await live.rules.get(rule.id) == rule
