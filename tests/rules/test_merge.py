"""Several rules on one position: the tightest SL wins, closes go first, an equity guard wins the round."""

from __future__ import annotations

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseReason,
    CloseVolume,
    Notice,
    NoticeCode,
    PauseTrading,
    SetStopLoss,
    SlReason,
)
from mt5bridge.trading.rules.evaluate import start
from mt5bridge.trading.rules.merge import merge
from mt5bridge.trading.rules.models import RuleState

from .broker import BUY, SELL, Broker, Desk, rule


def _sl(rule_id: int, ticket: int, sl: float, side=BUY) -> SetStopLoss:  # type: ignore[no-untyped-def]
    return SetStopLoss(rule_id=rule_id, ticket=ticket, symbol="XAUUSD", side=side, sl=sl, previous=None,
                       reason=SlReason.TRAILING)  # fmt: skip


def test_tightest_sl_wins_per_side_and_one_modify_per_ticket() -> None:
    merged = merge([_sl(1, 10, 3000.0), _sl(2, 10, 3001.0), _sl(3, 10, 3000.5),
                    _sl(1, 11, 3005.0, SELL), _sl(2, 11, 3004.0, SELL), _sl(3, 11, 3004.0, SELL)])  # fmt: skip
    assert [(d.rule_id, d.ticket, d.sl) for d in merged if isinstance(d, SetStopLoss)] == [
        (2, 10, 3001.0),
        (2, 11, 3004.0),  # the first of equals
    ]


def test_break_even_and_trail_on_one_position() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    be, trail = rule(BreakEven(trigger=Trigger(value=50))), rule(Trailing(distance_points=300))
    desk.add(be, trail)
    (first,) = desk.path("XAUUSD", [3001.00])  # BE 3000.00 beats the trail's 2998.00
    assert [(d.rule_id, d.sl) for d in first] == [(be.id, 3000.00)]
    (second,) = desk.path("XAUUSD", [3004.00])  # now the trail's 3001.00 is tighter
    assert [(d.rule_id, d.sl) for d in second] == [(trail.id, 3001.00)]
    assert desk.broker.positions[p.ticket].sl == 3001.00
    assert desk.rules[be.id].state is RuleState.ACTIVE


def test_staged_close_goes_before_the_trail_and_a_ticket_closed_whole_gets_no_sl() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    first = desk.broker.open("XAUUSD", BUY, 0.04, 3000.00)
    second = desk.broker.open("XAUUSD", BUY, 0.06, 3000.00)
    tp = StagedTakeProfit(stages=[Stage(price=3010.00, share=0.5)])
    desk.add(start(rule(tp), desk.broker.snapshot()), rule(Trailing(distance_points=200)))
    (done,) = desk.path("XAUUSD", [3010.00])
    assert [type(d) for d in done] == [CloseVolume, SetStopLoss]
    assert done[1].ticket == second.ticket  # the first was closed whole by the stage
    assert list(desk.broker.positions) == [second.ticket]
    assert desk.broker.positions[second.ticket].volume == 0.05
    assert desk.broker.positions[second.ticket].sl == 3008.00
    assert first.ticket not in desk.broker.positions and desk.refusals == []


def test_equity_guard_wins_the_round_and_the_rest_is_decided_again() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)
    staged = start(rule(StagedTakeProfit(stages=[Stage(price=2997.00, share=0.5)])), desk.broker.snapshot())
    # (A silly stage below the entry, to have a close decided on the same round as the guard.)
    guard = rule(EquityGuard(limit=Drawdown(money=100)))
    desk.add(staged, rule(Trailing(distance_points=50)), guard)
    (done,) = desk.path("XAUUSD", [2998.00], day_start_equity=10_000.0)
    assert [type(d) for d in done] == [PauseTrading, CloseAll]
    assert not desk.broker.positions
    assert desk.rules[staged.id].pending  # its close waits, decided, for the next round
    desk.round(day_start_equity=10_000.0)  # it is refused (nothing to close): decided afresh
    assert desk.refusals == ["volume_exceeds"]
    desk.round(day_start_equity=10_000.0)
    assert desk.rules[staged.id].state is RuleState.DONE  # its positions are gone


def test_each_rules_closes_keep_their_order() -> None:
    c0 = CloseVolume(rule_id=1, key="k0", stage=0, symbol="XAUUSD", side=BUY, volume=0.05)
    n1 = Notice(rule_id=1, code=NoticeCode.SHARE_ROUNDS_TO_NOTHING, stage=1, volume=0.004)
    c2 = CloseVolume(rule_id=1, key="k2", stage=2, symbol="XAUUSD", side=BUY, volume=0.02)
    risk = Notice(rule_id=3, code=NoticeCode.NO_RISK, ticket=5)
    lock = CloseAll(rule_id=2, key="k", reason=CloseReason.PROFIT_LOCK, tickets=(9,))
    merged = merge([_sl(4, 9, 3000.0), risk, c0, n1, c2, lock])
    assert merged == [c0, n1, c2, lock, risk]  # the SL on #9 is dropped: the lock closes it
