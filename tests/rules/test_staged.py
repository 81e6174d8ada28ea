"""Staged take-profit on scripted paths: shares of the base volume, rounding down, gaps, FIFO, one side."""

from __future__ import annotations

import pytest

from mt5bridge.common.rulespec import Scope, Stage, StagedTakeProfit
from mt5bridge.common.vocab import Side
from mt5bridge.trading.rules.decisions import CloseVolume, HoldCode, Notice, NoticeCode
from mt5bridge.trading.rules.errors import RuleStartError, StartCode
from mt5bridge.trading.rules.evaluate import evaluate, start
from mt5bridge.trading.rules.models import RuleState

from .broker import BUY, SELL, Broker, Desk, rule

HALF_THEN_30 = StagedTakeProfit(stages=[Stage(price=3010.00, share=0.5), Stage(price=3020.00, share=0.3)])


def _closes(rounds: list[list]) -> list[tuple[int, int, float]]:
    return [(i, d.stage, d.volume) for i, r in enumerate(rounds) for d in r if isinstance(d, CloseVolume)]


def _held(broker: Broker) -> float:
    return round(sum(p.volume for p in broker.positions.values()), 8)


def test_two_stages_close_their_shares_of_the_base_volume() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(start(rule(HALF_THEN_30), desk.broker.snapshot()))
    rounds = desk.path("XAUUSD", [3009.99, 3010.00, 3015.00, 3012.00, 3019.99, 3020.00, 3030.00])
    assert _closes(rounds) == [(1, 0, 0.05), (5, 1, 0.03)]
    assert _held(desk.broker) == 0.02
    (r,) = desk.rules.values()
    assert (r.stages_done, r.state, r.base_volume, r.pending) == (2, RuleState.DONE, 0.1, ())


def test_shares_round_down_and_a_share_below_the_minimum_closes_nothing() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.03, 3000.00)
    tp = StagedTakeProfit(stages=[Stage(price=3010.00, share=0.5), Stage(price=3020.00, share=0.3),
                                  Stage(price=3030.00, share=0.2)])  # fmt: skip
    desk.add(start(rule(tp), desk.broker.snapshot()))
    rounds = desk.path("XAUUSD", [3010.00, 3020.00, 3030.00])
    # 0.015 -> 0.01; 0.009 -> nothing; 0.006 -> nothing.
    assert _closes(rounds) == [(0, 0, 0.01)]
    (r,) = desk.rules.values()
    assert [(n.code, n.stage, n.volume) for n in desk.said] == [
        (NoticeCode.SHARE_ROUNDS_TO_NOTHING, 1, 0.009),
        (NoticeCode.SHARE_ROUNDS_TO_NOTHING, 2, 0.006),
    ]
    assert (r.stages_done, r.state) == (3, RuleState.DONE)
    assert _held(desk.broker) == 0.02


def test_a_gap_through_two_levels_closes_both_in_order_fifo() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    first = desk.broker.open("XAUUSD", BUY, 0.04, 3000.00)
    second = desk.broker.open("XAUUSD", BUY, 0.06, 3002.00)
    desk.add(start(rule(HALF_THEN_30, Scope(symbol="XAUUSD")), desk.broker.snapshot()))
    (done,) = desk.path("XAUUSD", [3025.00])
    closes = [d for d in done if isinstance(d, CloseVolume)]
    assert [(d.stage, d.volume, d.full) for d in closes] == [(0, 0.05, (first.ticket,)), (1, 0.03, ())]
    assert {t: p.volume for t, p in desk.broker.positions.items()} == {second.ticket: 0.02}
    assert len({d.key for d in closes}) == 2


def test_levels_in_points_count_from_the_volume_weighted_entry() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.01, 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.03, 3004.00)  # entry 3003.00
    r = start(rule(StagedTakeProfit(stages=[Stage(points=500, share=0.5)])), desk.broker.snapshot())
    assert (r.entry, r.base_volume, r.staged_symbol, r.staged_side) == (3003.00, 0.04, "XAUUSD", Side.BUY)
    desk.add(r)
    assert _closes(desk.path("XAUUSD", [3007.99, 3008.00])) == [(1, 0, 0.02)]


def test_sell_stages_trigger_on_the_ask() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", SELL, 0.10, 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)  # another side: the scope says sells
    tp = StagedTakeProfit(stages=[Stage(price=2990.00, share=0.5)])
    desk.add(start(rule(tp, Scope(side=Side.SELL)), desk.broker.snapshot()))
    # The ask is the bid + 0.20: 2990.00 is reached at a bid of 2989.80.
    assert _closes(desk.path("XAUUSD", [2989.90, 2989.80])) == [(1, 0, 0.05)]
    assert sorted(p.volume for p in desk.broker.positions.values()) == [0.05, 0.1]


def test_a_scope_on_both_sides_cannot_start() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    broker.open("XAUUSD", SELL, 0.10, 3000.00)
    broker.open("XAUUSD", BUY, 0.10, 3000.00)
    r = rule(HALF_THEN_30)
    with pytest.raises(RuleStartError) as refused:
        start(r, broker.snapshot())
    assert refused.value.start_code is StartCode.MIXED_SCOPE
    out = evaluate(r, broker.snapshot())
    assert out.decisions == () and [h.code for h in out.holds] == [HoldCode.MIXED_SCOPE]
    with pytest.raises(RuleStartError):
        start(rule(HALF_THEN_30, Scope(symbol="EURUSD")), broker.snapshot())


def test_not_started_takes_its_figures_at_the_first_round_and_is_done_when_its_positions_are_gone() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(HALF_THEN_30))
    desk.round()
    (r,) = desk.rules.values()
    assert (r.base_volume, r.entry, r.state) == (0.1, 3000.00, RuleState.WAITING)
    del desk.broker.positions[p.ticket]
    desk.round()
    assert next(iter(desk.rules.values())).state is RuleState.DONE


def test_a_stage_capped_at_what_is_left() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(start(rule(HALF_THEN_30), desk.broker.snapshot()))
    desk.broker.positions[p.ticket] = p.model_copy(update={"volume": 0.02})  # closed by hand meanwhile
    rounds = desk.path("XAUUSD", [3010.00])
    assert _closes(rounds) == [(0, 0, 0.02)]
    assert not desk.broker.positions
    assert next(iter(desk.rules.values())).state is RuleState.ACTIVE
    assert desk.said == [] and not any(isinstance(d, Notice) for r in rounds for d in r)
