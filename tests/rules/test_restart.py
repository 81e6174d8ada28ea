"""Restart safety: a rule reloaded from its JSON mid-path repeats nothing, and a lost answer is not doubled."""

from __future__ import annotations

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.trading.rules.decisions import CloseVolume
from mt5bridge.trading.rules.evaluate import evaluate, start
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.settle import MAX_FAILURES, fail

from .broker import BUY, DAY, Broker, Desk, rule

PATH = [3001.00, 3004.00, 3010.00, 3008.50, 3012.00, 3016.00, 3020.00, 3025.00, 3021.00, 3026.00]


def _desk() -> Desk:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.06, 3000.00, sl=2990.00)
    desk.broker.open("XAUUSD", BUY, 0.04, 3000.50, sl=2990.00)
    tp = StagedTakeProfit(stages=[Stage(price=3010.00, share=0.4), Stage(points=1500, share=0.3),
                                  Stage(price=3025.00, share=0.2)])  # fmt: skip
    desk.add(
        rule(BreakEven(trigger=Trigger(value=300), offset_points=20), rid=1),
        rule(Trailing(distance_points=400, activation=Trigger(value=800), step_points=50), rid=2),
        start(rule(tp, Scope(symbol="XAUUSD"), rid=3), desk.broker.snapshot()),
    )
    return desk


def _reloaded(desk: Desk) -> Desk:
    """A new process: the same terminal, the rules read back from their stored JSON."""
    fresh = Desk(desk.broker)
    fresh.add(*(Rule.model_validate_json(r.model_dump_json()) for r in desk.rules.values()))
    return fresh


def test_restart_mid_path_repeats_nothing() -> None:
    straight = _desk()
    straight.path("XAUUSD", PATH)
    for cut in range(1, len(PATH)):
        desk = _desk()
        desk.path("XAUUSD", PATH[:cut])
        desk = _reloaded(desk)
        desk.path("XAUUSD", PATH[cut:])
        assert desk.broker.sent == straight.broker.sent, f"restart after tick {cut}"
        assert desk.rules == straight.rules
    kinds = [type(d).__name__ for d in straight.broker.sent]
    assert kinds.count("CloseVolume") == 3 and kinds.count("SetStopLoss") >= 3
    assert straight.refusals == []


def test_a_lost_answer_is_replayed_not_doubled() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    broker.open("XAUUSD", BUY, 0.10, 3000.00)
    r = start(rule(StagedTakeProfit(stages=[Stage(price=3010.00, share=0.5)])), broker.snapshot())
    broker.tick("XAUUSD", 3010.00)
    out = evaluate(r, broker.snapshot())
    stored = out.rule.model_dump_json()  # written ahead, before anything is sent
    (close,) = out.decisions
    assert isinstance(close, CloseVolume) and out.rule.pending == (close,)
    broker.carry_out(close)  # the broker closes 0.05 ... and the bridge dies before hearing of it

    broker.tick("XAUUSD", 3000.00)  # the price has fallen back meanwhile
    desk = Desk(broker)
    desk.add(Rule.model_validate_json(stored))
    (done,) = desk.path("XAUUSD", [3000.00])
    assert done == [close]  # the same request id and volume: answered from the store
    assert [d for d in broker.sent if isinstance(d, CloseVolume)] == [close]
    assert round(sum(p.volume for p in broker.positions.values()), 8) == 0.05
    (after,) = desk.rules.values()
    assert (after.stages_done, after.pending, after.state) == (1, (), RuleState.DONE)


def test_a_day_guard_whose_answer_was_lost_fires_no_second_time() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    broker.open("XAUUSD", BUY, 1.0, 3000.00)
    broker.tick("XAUUSD", 2996.00)
    guard = rule(EquityGuard(limit=Drawdown(percent=3)))
    out = evaluate(guard, broker.snapshot(day_start_equity=10_000.0))
    stored = out.rule.model_dump_json()
    for d in out.decisions:
        broker.carry_out(d)
    desk = Desk(broker)
    desk.add(Rule.model_validate_json(stored))
    desk.round(day_start_equity=10_000.0)
    (after,) = desk.rules.values()
    assert (after.fired_on, after.pending) == (DAY, ())
    assert [d.kind.value for d in broker.sent] == ["pause", "close_all"]


def test_an_sl_already_at_its_target_is_not_sent_again() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3005.00)
    broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=3000.20)
    out = evaluate(rule(BreakEven(trigger=Trigger(value=300), offset_points=20)), broker.snapshot())
    assert out.decisions == ()


def test_failures_take_new_request_ids_and_pause_the_rule() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3010.00)
    broker.open("XAUUSD", BUY, 0.10, 3000.00)
    r = start(rule(StagedTakeProfit(stages=[Stage(price=3010.00, share=0.5)])), broker.snapshot())
    keys = []
    for _ in range(MAX_FAILURES):
        out = evaluate(r, broker.snapshot())
        keys.append(out.decisions[0].key)  # type: ignore[union-attr]
        r = fail(out.rule, "MARKET_CLOSED")
    assert len(set(keys)) == MAX_FAILURES
    assert (r.state, r.paused_reason, r.pending) == (RuleState.PAUSED, "MARKET_CLOSED", ())
    assert evaluate(r, broker.snapshot()).decisions == ()
    g = rule(EquityGuard(limit=Drawdown(percent=3)))
    for _ in range(MAX_FAILURES + 2):
        g = fail(g, "TRADE_DISABLED")
    assert g.state is RuleState.WAITING  # an equity guard keeps trying
