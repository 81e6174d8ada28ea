"""Break-even on scripted paths: the exact tick it triggers at, units, offsets, scopes, done."""

from __future__ import annotations

import pytest

from mt5bridge.common.rulespec import BreakEven, Scope, Trigger
from mt5bridge.common.vocab import ProfitUnit, Side
from mt5bridge.trading.rules.decisions import HoldCode, Notice, NoticeCode, SetStopLoss, SlReason
from mt5bridge.trading.rules.evaluate import evaluate
from mt5bridge.trading.rules.inputs import SymbolFacts
from mt5bridge.trading.rules.models import RuleState

from .broker import BUY, SELL, Broker, Desk, rule


def _first_sl(rounds: list[list]) -> tuple[int, SetStopLoss]:
    for i, done in enumerate(rounds):
        for d in done:
            if isinstance(d, SetStopLoss):
                return i, d
    raise AssertionError("no SL was sent")


def test_triggers_at_the_exact_tick_not_one_before() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=2990.00)
    desk.add(rule(BreakEven(trigger=Trigger(value=30), offset_points=5)))
    rounds = desk.path("XAUUSD", [3000.10, 3000.29, 3000.30, 3000.31, 3000.50])
    i, sl = _first_sl(rounds)
    assert i == 2  # 3000.29 is 29 points: not yet
    assert (sl.ticket, sl.sl, sl.previous, sl.reason) == (p.ticket, 3000.05, 2990.00, SlReason.BREAK_EVEN)
    assert sum(isinstance(d, SetStopLoss) for r in rounds for d in r) == 1  # done for it: never again
    assert desk.broker.positions[p.ticket].sl == 3000.05


def test_five_digit_float_noise_does_not_delay_the_trigger() -> None:
    # (1.10300 - 1.10000) / 0.00001 is 299.99999999999997 in floats.
    desk = Desk(Broker())
    desk.broker.tick("EURUSD", 1.10000)
    desk.broker.open("EURUSD", BUY, 0.10, 1.10000)
    desk.add(rule(BreakEven(trigger=Trigger(value=300))))
    i, sl = _first_sl(desk.path("EURUSD", [1.10299, 1.10300]))
    assert (i, sl.sl, sl.previous) == (1, 1.1, None)


def test_sell_mirrors_buy() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", SELL, 0.10, 3000.20, sl=3010.00)
    desk.add(rule(BreakEven(trigger=Trigger(value=50), offset_points=10)))
    # A sell's profit is counted at the ask (bid + 0.20): 50 points is an ask of 2999.70.
    i, sl = _first_sl(desk.path("XAUUSD", [2999.60, 2999.51, 2999.50, 2999.00]))
    assert (i, sl.ticket, sl.sl) == (2, p.ticket, 3000.10)


def test_money_and_risk_triggers() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    money = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, magic=1)  # 0.1 lot: $0.10 a point
    risky = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=2995.00, magic=2)  # 500 points of risk
    desk.add(rule(BreakEven(trigger=Trigger(unit=ProfitUnit.MONEY, value=20)), Scope(magic=1)))
    desk.add(rule(BreakEven(trigger=Trigger(unit=ProfitUnit.RISK, value=1.5)), Scope(magic=2)))
    rounds = desk.path("XAUUSD", [3001.99, 3002.00, 3007.49, 3007.50])
    sent = [(i, d.ticket) for i, r in enumerate(rounds) for d in r if isinstance(d, SetStopLoss)]
    assert sent == [(1, money.ticket), (3, risky.ticket)]  # $20 at 200 points; 1.5 R at 750 points


def test_no_sl_means_no_risk_said_once() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(BreakEven(trigger=Trigger(unit=ProfitUnit.RISK, value=1))))
    rounds = desk.path("XAUUSD", [3001.00, 3050.00, 3100.00])
    assert not any(isinstance(d, SetStopLoss) for r in rounds for d in r)
    assert desk.said == [Notice(rule_id=next(iter(desk.rules)), code=NoticeCode.NO_RISK, ticket=p.ticket,
                                symbol="XAUUSD")]  # fmt: skip


def test_zero_trigger_waits_until_the_level_is_a_valid_stop() -> None:
    facts = {"XAUUSD": SymbolFacts(point=0.01, tick_size=0.01, digits=2, stops_level=50, volume_min=0.01,
                                   volume_step=0.01)}  # fmt: skip
    desk = Desk(Broker(symbols=facts))
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(BreakEven()))
    rounds = desk.path("XAUUSD", [3000.30, 3000.49, 3000.50])
    assert [d.sl for r in rounds for d in r if isinstance(d, SetStopLoss)] == [3000.00]
    assert len(rounds[2]) == 1 and not rounds[0] and not rounds[1]  # not clamped below the entry meanwhile
    assert desk.refusals == []


def test_stops_level_holds_a_break_even_instead_of_clamping_it() -> None:
    facts = {"XAUUSD": SymbolFacts(point=0.01, tick_size=0.01, digits=2, stops_level=50, volume_min=0.01,
                                   volume_step=0.01)}  # fmt: skip
    desk = Desk(Broker(symbols=facts))
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(BreakEven(trigger=Trigger(value=20))))
    assert desk.path("XAUUSD", [3000.20]) == [[]]
    assert [h.code for h in desk.holds] == [HoldCode.STOPS_LEVEL]


def test_one_ticket_is_done_once_protected_or_gone() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    at_level = broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=3000.50)  # already beyond the level
    r = rule(BreakEven(trigger=Trigger(value=10)), Scope(ticket=at_level.ticket))
    out = evaluate(r, broker.snapshot())
    assert out.decisions == () and out.rule.state is RuleState.DONE
    gone = rule(BreakEven(), Scope(ticket=999))
    assert evaluate(gone, broker.snapshot()).rule.state is RuleState.DONE


def test_standing_scope_picks_up_new_positions() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    first = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(BreakEven(trigger=Trigger(value=100)), Scope(symbol="XAUUSD", side=Side.BUY)))
    desk.path("XAUUSD", [3001.00])
    later = desk.broker.open("XAUUSD", BUY, 0.10, 3001.00)
    desk.broker.open("XAUUSD", SELL, 0.10, 3001.00)  # another side: not in scope
    desk.broker.open("EURUSD", BUY, 0.10, 1.1)  # another symbol: not in scope
    rounds = desk.path("XAUUSD", [3002.00])
    assert [(d.ticket, d.sl) for d in rounds[0]] == [(later.ticket, 3001.00)]
    assert desk.broker.positions[first.ticket].sl == 3000.00
    assert next(iter(desk.rules.values())).state is RuleState.ACTIVE


@pytest.mark.parametrize(
    ("tick_size", "open_price", "level"), [(0.25, 100.10, 100.25), (0.25, 100.00, 100.00)]
)
def test_level_rounds_towards_profit(tick_size: float, open_price: float, level: float) -> None:
    facts = {
        "XAUUSD": SymbolFacts(point=0.01, tick_size=tick_size, digits=2, volume_min=0.01, volume_step=0.01)
    }
    broker = Broker(symbols=facts)
    broker.tick("XAUUSD", 101.00)
    broker.open("XAUUSD", BUY, 0.10, open_price)
    out = evaluate(rule(BreakEven()), broker.snapshot())
    assert [d.sl for d in out.decisions if isinstance(d, SetStopLoss)] == [level]
