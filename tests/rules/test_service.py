"""RuleService over the real simulator, the async client and SQLite: every preview figure equals a hand
computation from the simulator's quotes and symbol specs; create, list, remove and resume with their audit
lines; a confirmed preview that changed is refused; roles, the read-only switch and idempotency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mt5bridge.common.roles import Role
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
from mt5bridge.common.vocab import ProfitUnit, Reference, Side
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import Forbidden, IdempotencyConflict, RiskRefused, UnknownSymbol
from mt5bridge.trading.models import Actor, ModifyRequest, OpenRequest
from mt5bridge.trading.rules.errors import RuleStartError
from mt5bridge.trading.rules.models import RuleState
from mt5bridge.trading.rules.preview import RulePreview, SlStatus, WarningCode
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.service import (
    CREATE,
    REMOVE,
    RESUME,
    RuleNotFound,
    RuleNotPaused,
    RulePreviewChanged,
    RuleService,
    TicketNotOpen,
)
from mt5bridge.trading.rules.snapshot import SnapshotSource
from storage.errors import StaleRuleError
from storage.models import AccountSnapshot, Outcome
from tests.trading.conftest import ACTOR, Core, make_core

BUY, SELL = PositionSide.BUY, PositionSide.SELL
GOLD = "XAUUSD.m"
ADMIN = Actor(platform="test", user_id="root", role=Role.ADMIN)
VIEWER = Actor(platform="test", user_id="eve", role=Role.VIEWER)
MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)  # the simulator's day (server time = UTC here)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    made.sim.set_price(GOLD, 4100.00, 4100.20)
    made.sim.set_price("EURUSD.m", 1.16000, 1.16002)
    yield made
    await made.db.close()
    await made.client.close()


@pytest.fixture
def rules(core: Core) -> RuleService:
    return RuleService(core.service, core.db, SnapshotSource(core.client, snapshots=core.db.snapshots))


async def _open(core: Core, side: PositionSide, volume: float, symbol: str = "XAUUSD", **kw: Any) -> int:
    result = await core.service.execute(OpenRequest(symbol=symbol, side=side, volume=volume, **kw), ACTOR)
    assert result.ok, result
    return result.outcomes[0].order


def _spec(action: Any, **scope: Any) -> RuleSpec:
    return RuleSpec(scope=Scope(**scope), action=action)


# --- preview: the numbers ------------------------------------------------------------------------------
async def test_break_even_waits_with_the_distance_left_then_sets_the_level(
    core: Core, rules: RuleService
) -> None:
    ticket = await _open(core, BUY, 0.3)  # at the ask, 4100.20
    spec = _spec(BreakEven(trigger=Trigger(value=300), offset_points=55), symbol="XAUUSD")
    preview = await rules.preview(spec)
    assert preview.spec.scope.symbol == GOLD  # the broker's name, as positions carry it
    (p,) = preview.positions
    assert (p.ticket, p.symbol, p.side, p.volume, p.price_open, p.sl) == (
        ticket,
        GOLD,
        BUY,
        0.3,
        4100.20,
        None,
    )
    # bid 4100.00: (4100.00 - 4100.20) / 0.01 = -20 points; 300 more than that is 320 to go
    assert p.profit_points == pytest.approx(-20)
    assert (p.status, p.remaining, p.trigger_price) == (SlStatus.WAITING, pytest.approx(320), 4103.20)
    assert p.level == 4100.75  # entry + 55 points
    assert not preview.acts_now and preview.state is RuleState.WAITING

    core.sim.set_price(GOLD, 4103.30, 4103.50)  # 310 points in profit
    (p,) = (await rules.preview(spec)).positions
    assert (p.status, p.sl_now) == (SlStatus.SETS_NOW, 4100.75)


async def test_a_sell_break_even_and_one_already_protected(core: Core, rules: RuleService) -> None:
    sell = await _open(core, SELL, 0.1)  # at the bid, 4100.00
    protected = await _open(core, SELL, 0.1)
    core.sim.set_price(GOLD, 4096.80, 4097.00)  # sells are valued at the ask: 300 points
    moved = await core.service.execute(ModifyRequest(ticket=protected, sl=4099.00), ACTOR)  # beyond the level
    assert moved.ok, moved
    preview = await rules.preview(
        _spec(BreakEven(trigger=Trigger(value=300), offset_points=10), symbol="XAUUSD")
    )
    by = {p.ticket: p for p in preview.positions}
    assert (by[sell].status, by[sell].sl_now, by[sell].level) == (SlStatus.SETS_NOW, 4099.90, 4099.90)
    assert by[protected].status is SlStatus.PROTECTED
    assert preview.acts_now


async def test_a_trail_sets_its_distance_behind_the_price_now(core: Core, rules: RuleService) -> None:
    await _open(core, BUY, 0.1, sl=4090.00)
    (p,) = (await rules.preview(_spec(Trailing(distance_points=500), symbol="XAUUSD"))).positions
    assert (p.status, p.sl_now, p.level) == (SlStatus.SETS_NOW, 4095.00, 4095.00)  # bid 4100.00 - 5.00
    waiting = Trailing(distance_points=500, activation=Trigger(value=200))
    (p,) = (await rules.preview(_spec(waiting, symbol="XAUUSD"))).positions
    # activated at 4100.20 + 2.00 = 4102.20 (the bid), where the trail would sit at 4097.20
    assert (p.status, p.remaining, p.trigger_price, p.level) == (SlStatus.WAITING, pytest.approx(220), 4102.20,
                                                                 4097.20)  # fmt: skip


async def test_a_risk_trigger_without_an_sl_never_fires_and_says_so(core: Core, rules: RuleService) -> None:
    bare = await _open(core, BUY, 0.1)
    risky = await _open(core, BUY, 0.1, sl=4095.00)  # 520 points of risk from 4100.20
    preview = await rules.preview(
        _spec(BreakEven(trigger=Trigger(unit=ProfitUnit.RISK, value=1)), symbol="XAUUSD")
    )
    by = {p.ticket: p for p in preview.positions}
    assert by[bare].status is SlStatus.NO_RISK
    assert [(w.code, w.ticket) for w in preview.warnings] == [(WarningCode.NO_RISK, bare)]
    # one risk (520 points) past the entry: 4105.40; now -20 / 520 of it
    assert by[risky].status is SlStatus.WAITING and by[risky].trigger_price == 4105.40
    assert by[risky].remaining == pytest.approx(1 + 20 / 520)


async def test_staged_tp_lots_per_stage_after_rounding(core: Core, rules: RuleService) -> None:
    await _open(core, BUY, 0.2)
    await _open(core, BUY, 0.15)  # 0.35 lots, entry 4100.20
    stages = [Stage(price=4150, share=0.5), Stage(points=1000, share=0.3), Stage(points=2000, share=0.02),
              Stage(points=6000, share=0.18)]  # fmt: skip
    preview = await rules.preview(_spec(StagedTakeProfit(stages=stages), symbol="XAUUSD", side=Side.BUY))
    staged = preview.staged
    assert staged is not None
    assert (staged.symbol, staged.side, staged.base_volume, staged.entry) == (GOLD, Side.BUY, 0.35, 4100.20)
    # 0.175 -> 0.17; 0.105 -> 0.10; 0.007 -> nothing (volume_min 0.01); 0.063 -> 0.06 (0.08 left)
    assert [(s.level, s.lots, s.rounds_to_nothing) for s in staged.stages] == [
        (4150.0, 0.17, False), (4110.20, 0.10, False), (4120.20, 0.0, True), (4160.20, 0.06, False),
    ]  # fmt: skip
    assert [(w.code, w.stage) for w in preview.warnings] == [(WarningCode.SHARE_ROUNDS_TO_NOTHING, 2)]
    assert not any(s.reached_now for s in staged.stages)
    core.sim.set_price(GOLD, 4112.00, 4112.20)  # past stage 1's level, not stage 0's: stages run in order
    again = await rules.preview(_spec(StagedTakeProfit(stages=stages), symbol="XAUUSD", side=Side.BUY))
    assert again.staged is not None and not any(s.reached_now for s in again.staged.stages)
    core.sim.set_price(GOLD, 4150.00, 4150.20)
    again = await rules.preview(_spec(StagedTakeProfit(stages=stages), symbol="XAUUSD", side=Side.BUY))
    assert again.staged is not None and [s.reached_now for s in again.staged.stages] == [
        True,
        True,
        True,
        False,
    ]
    assert again.acts_now


async def test_a_staged_tp_without_one_symbol_and_side_cannot_start(core: Core, rules: RuleService) -> None:
    action = StagedTakeProfit(stages=[Stage(points=100, share=0.5)])
    with pytest.raises(RuleStartError) as empty:
        await rules.preview(_spec(action, symbol="XAUUSD"))
    assert empty.value.code == "rule_empty_scope"
    await _open(core, BUY, 0.1)
    await _open(core, SELL, 0.1)
    with pytest.raises(RuleStartError) as mixed:
        await rules.preview(_spec(action, symbol="XAUUSD"))
    assert mixed.value.code == "rule_mixed_scope"


async def test_an_equity_guard_shows_its_reference_and_levels(core: Core, rules: RuleService) -> None:
    login = (await core.client.account()).login
    await core.db.snapshots.record(AccountSnapshot(
        at=MIDNIGHT - timedelta(seconds=20), login=login, balance=10_200, equity=10_250, margin=0, margin_free=0,
        margin_level=0, profit=0,
    ))  # fmt: skip
    guard = EquityGuard(limit=Drawdown(percent=3), warn_at=Drawdown(percent=2))
    preview = await rules.preview(_spec(guard))
    g = preview.guard
    assert g is not None
    assert (g.reference_equity, g.basis, g.equity) == (10_250, "snapshot", 10_000)
    assert (g.warn_at, g.fire_at) == (10_045.0, 9_942.5)  # 10,250 less 2 % and 3 %
    assert (g.warns_now, g.fires_now) == (True, False)
    assert [w.code for w in preview.warnings] == [WarningCode.WARNS_NOW]
    fixed = await rules.preview(
        _spec(EquityGuard(reference=Reference.FIXED, amount=10_100, limit=Drawdown(money=100)))
    )
    assert fixed.guard is not None and (fixed.guard.fire_at, fixed.guard.fires_now) == (10_000, True)
    assert WarningCode.FIRES_NOW in [w.code for w in fixed.warnings]


async def test_a_day_start_without_a_snapshot_is_said_to_be_estimated(core: Core, rules: RuleService) -> None:
    preview = await rules.preview(_spec(EquityGuard(limit=Drawdown(money=500))))
    assert preview.guard is not None and preview.guard.basis == "first_seen"
    assert WarningCode.DAY_START_ESTIMATED in [w.code for w in preview.warnings]


async def test_a_profit_lock_shows_its_arming_level(core: Core, rules: RuleService) -> None:
    await _open(core, BUY, 1.0)
    core.sim.set_price(GOLD, 4101.20, 4101.40)
    preview = await rules.preview(_spec(ProfitLock(activate_at=300, give_back=0.4), symbol="XAUUSD"))
    (p,) = await core.client.positions()
    assert preview.lock is not None
    assert preview.lock.floating == round(p.profit + p.swap, 2)
    assert preview.lock.floating == pytest.approx(100, abs=5)  # 100 points of a 1-lot gold position ($1 each)
    assert (preview.lock.armed_now, preview.lock.close_at) == (False, 180)  # 300 x (1 - 0.4)


async def test_unknown_symbols_and_closed_tickets_are_refused(core: Core, rules: RuleService) -> None:
    with pytest.raises(UnknownSymbol):
        await rules.preview(_spec(BreakEven(), symbol="NOSUCH"))
    with pytest.raises(TicketNotOpen):
        await rules.preview(_spec(BreakEven(), ticket=987654))
    empty = await rules.preview(_spec(Trailing(distance_points=50), symbol="EURUSD"))
    assert [w.code for w in empty.warnings] == [WarningCode.NO_POSITIONS]


# --- create, list, remove, resume ----------------------------------------------------------------------
async def test_create_stores_the_started_rule_and_audits_it(core: Core, rules: RuleService) -> None:
    ticket = await _open(core, BUY, 0.3)
    spec = _spec(StagedTakeProfit(stages=[Stage(points=500, share=0.5)]), symbol="XAUUSD")
    preview = await rules.preview(spec, ACTOR)
    rule = await rules.create(spec, ACTOR, preview)
    assert rule.id > 0 and rule.spec.scope.symbol == GOLD and rule.created_by == "test:alice"
    assert (rule.staged_symbol, rule.staged_side, rule.base_volume, rule.entry) == (
        GOLD,
        Side.BUY,
        0.3,
        4100.20,
    )
    assert [r.id for r in await rules.list()] == [rule.id]
    assert [r.id for r in await rules.list(["waiting"])] == [rule.id]
    assert await rules.list([RuleState.DONE]) == []
    (line,) = [e for e in await core.db.audit.recent(limit=10) if e.action == CREATE]
    assert (line.outcome, line.user_id, line.tickets) == (Outcome.OK, "alice", [ticket])
    assert line.command is not None and line.command["rule_id"] == rule.id
    assert line.result == {"rule_id": rule.id, "state": "waiting"}
    assert line.preview is not None
    assert RulePreview.model_validate(line.preview) == preview  # the preview taken at creation


async def test_remove_and_resume(core: Core, rules: RuleService) -> None:
    rule = await rules.create(_spec(Trailing(distance_points=100)), ACTOR)
    with pytest.raises(RuleNotPaused):
        await rules.resume(rule.id, ADMIN)
    runner = RuleRepository(core.db.rules)  # the runner pauses it after failures
    read = await runner.get(rule.id)
    assert read is not None
    paused = await runner.save(read.model_copy(update={"state": RuleState.PAUSED, "failures": 3, "attempts": 5,
                                                       "last_error": "INVALID_STOPS", "paused_reason": "x"}))  # fmt: skip
    with pytest.raises(Forbidden):
        await rules.resume(rule.id, ACTOR)  # a trader
    resumed = await rules.resume(rule.id, ADMIN)
    assert (resumed.state, resumed.failures, resumed.attempts, resumed.last_error) == (
        RuleState.WAITING,
        0,
        5,
        None,
    )
    with pytest.raises(StaleRuleError):  # the runner's copy is stale now: never undoes the resume
        await runner.save(paused.model_copy(update={"failures": 4}))

    removed = await rules.remove(rule.id, ACTOR)
    assert removed.state is RuleState.REMOVED
    assert (await rules.remove(rule.id, ACTOR)).state is RuleState.REMOVED  # again: unchanged
    assert await rules.list(["waiting", "active", "paused"]) == []
    with pytest.raises(RuleNotFound):
        await rules.remove(rule.id + 99, ACTOR)
    with pytest.raises(RuleNotFound):
        await rules.resume(rule.id + 99, ADMIN)
    actions = [(e.action, e.outcome) for e in reversed(await core.db.audit.recent(limit=20))]
    assert actions == [
        (CREATE, Outcome.OK), (RESUME, Outcome.REFUSED), (RESUME, Outcome.DENIED), (RESUME, Outcome.OK),
        (REMOVE, Outcome.OK), (REMOVE, Outcome.OK), (REMOVE, Outcome.REFUSED), (RESUME, Outcome.REFUSED),
    ]  # fmt: skip


async def test_listeners_hear_each_change_and_no_refusal(core: Core, rules: RuleService) -> None:
    heard: list[str] = []
    stop = rules.listen(lambda: heard.append("changed"))
    rule = await rules.create(_spec(Trailing(distance_points=100)), ACTOR)
    assert heard == ["changed"]
    with pytest.raises(RuleNotPaused):
        await rules.resume(rule.id, ADMIN)  # refused: nothing changed, nothing heard
    with pytest.raises(Forbidden):
        await rules.create(_spec(Trailing(distance_points=100)), VIEWER)
    assert heard == ["changed"]
    await rules.remove(rule.id, ACTOR)
    assert heard == ["changed", "changed"]
    stop()
    await rules.create(_spec(Trailing(distance_points=50)), ACTOR)
    assert heard == ["changed", "changed"]


async def test_a_changed_preview_is_refused_and_nothing_created(core: Core, rules: RuleService) -> None:
    await _open(core, BUY, 0.1)
    spec = _spec(BreakEven(trigger=Trigger(value=100)), symbol="XAUUSD")
    confirmed = await rules.preview(spec, ACTOR)
    core.sim.set_price(GOLD, 4100.50, 4100.70)  # SL figures move with the price: not a material change
    await _open(core, BUY, 0.2)  # another position in scope: material
    with pytest.raises(RulePreviewChanged) as changed:
        await rules.create(spec, ACTOR, confirmed)
    assert changed.value.reason == "positions_changed" and changed.value.code == "preview_changed"
    assert len(changed.value.fresh.positions) == 2
    assert await rules.list() == []
    other = _spec(BreakEven(trigger=Trigger(value=200)), symbol="XAUUSD")
    with pytest.raises(RulePreviewChanged) as wrong:
        await rules.create(other, ACTOR, changed.value.fresh)
    assert wrong.value.reason == "spec_changed"
    assert (await rules.create(spec, ACTOR, changed.value.fresh)).id > 0


async def test_a_guard_that_would_fire_now_is_a_material_change(core: Core, rules: RuleService) -> None:
    await _open(core, BUY, 1.0)
    spec = _spec(EquityGuard(reference=Reference.FIXED, amount=10_000, limit=Drawdown(money=100)))
    confirmed = await rules.preview(spec, ACTOR)
    assert confirmed.guard is not None and not confirmed.guard.fires_now
    core.sim.set_price(GOLD, 4098.00, 4098.20)  # 220 points down on a lot: equity below 9,900
    with pytest.raises(RulePreviewChanged) as changed:
        await rules.create(spec, ACTOR, confirmed)
    assert changed.value.reason == "acts_now"


async def test_roles_read_only_and_idempotency(core: Core, rules: RuleService) -> None:
    spec = _spec(Trailing(distance_points=100))
    assert (await rules.preview(spec, VIEWER)).kind == "trailing"  # previews change nothing
    with pytest.raises(Forbidden):
        await rules.create(spec, VIEWER)
    with pytest.raises(Forbidden):
        await rules.remove(1, VIEWER)
    assert await rules.list() == []
    denied = [e for e in await core.db.audit.recent(limit=5) if e.outcome is Outcome.DENIED]
    assert [e.action for e in denied] == [REMOVE, CREATE]

    core.service.set_read_only(True)
    with pytest.raises(RiskRefused) as refused:
        await rules.create(spec, ACTOR)
    assert refused.value.code == "risk_read_only"
    guard = await rules.create(_spec(EquityGuard(limit=Drawdown(percent=5))), ACTOR)  # may always protect
    assert guard.day is not None  # started: the reporting day it watches
    core.service.set_read_only(False)

    first = await rules.create(spec, ACTOR, request_id="k-1")
    again = await rules.create(spec, ACTOR, request_id="k-1")
    assert again.id == first.id
    assert len(await rules.list()) == 2
    with pytest.raises(IdempotencyConflict):
        await rules.create(_spec(Trailing(distance_points=200)), ACTOR, request_id="k-1")
    with pytest.raises(IdempotencyConflict):
        await rules.create(spec, ADMIN, request_id="k-1")  # another caller
