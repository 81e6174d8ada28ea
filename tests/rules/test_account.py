"""Equity protection and profit lock on scripted paths: warn once, fire once, pause, next day, peaks."""

from __future__ import annotations

from datetime import timedelta

from mt5bridge.common.rulespec import Drawdown, EquityGuard, ProfitLock, Scope
from mt5bridge.common.vocab import Reference
from mt5bridge.trading.rules.decisions import CloseAll, CloseReason, EquityWarning, HoldCode, PauseTrading
from mt5bridge.trading.rules.evaluate import evaluate, start
from mt5bridge.trading.rules.models import RuleState

from .broker import BUY, DAY, SELL, Broker, Desk, rule

DAILY = EquityGuard(limit=Drawdown(percent=3), warn_at=Drawdown(percent=2))


def _kinds(rounds: list[list]) -> list[tuple[int, str]]:
    return [(i, d.kind.value) for i, r in enumerate(rounds) for d in r]


def test_day_start_guard_warns_once_fires_once_pauses_and_waits_for_the_next_day() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.tick("EURUSD", 1.10000)
    desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)  # $1 a point
    desk.broker.open("EURUSD", SELL, 0.10, 1.10010)
    desk.add(rule(DAILY))
    today = {"day": DAY, "day_start_equity": 10_000.0}
    rounds = desk.path("XAUUSD", [2999.00, 2998.00, 2997.50, 2997.00, 2996.00, 2990.00], **today)
    assert _kinds(rounds) == [(1, "warn"), (3, "pause"), (3, "close_all")]
    warn = rounds[1][0]
    assert isinstance(warn, EquityWarning)
    assert (warn.equity, warn.reference, warn.warn_at, warn.fire_at) == (9800.0, 10_000.0, 9800.0, 9700.0)
    fire = rounds[3][1]
    assert isinstance(fire, CloseAll) and fire.reason is CloseReason.EQUITY_GUARD and fire.day == DAY
    assert len(fire.tickets) == 2 and not desk.broker.positions and desk.broker.paused
    (r,) = desk.rules.values()
    assert (r.fired_on, r.warned, r.state, r.pending) == (DAY, True, RuleState.WAITING, ())

    # The next reporting day: a new reference, warned and fired again at most once.
    desk.broker.open("XAUUSD", BUY, 1.0, 2990.00)
    tomorrow = {"day": DAY + timedelta(days=1), "day_start_equity": desk.broker.equity}
    rounds = desk.path("XAUUSD", [2989.00, 2988.00, 2987.00, 2986.00, 2980.00], **tomorrow)
    # 2 % of 9,700 is 194 (at 2988.06), 3 % is 291 (at 2987.09).
    assert _kinds(rounds) == [(1, "warn"), (2, "pause"), (2, "close_all")]


def test_a_gap_past_both_levels_fires_without_warning_first() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)
    desk.add(rule(DAILY))
    rounds = desk.path("XAUUSD", [2990.00], day=DAY, day_start_equity=10_000.0)
    assert _kinds(rounds) == [(0, "pause"), (0, "close_all")]


def test_peak_guard_follows_the_peak_and_is_done_after_firing() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)
    guard = EquityGuard(reference=Reference.PEAK, limit=Drawdown(money=100), warn_at=Drawdown(money=50),
                        pause=False)  # fmt: skip
    desk.add(start(rule(guard), desk.broker.snapshot()))
    rounds = desk.path("XAUUSD", [3001.00, 3000.40, 3001.50, 3001.10, 3000.90, 3000.70, 3000.50])
    # Peak 10,100: 10,040 warns (at 10,050); a new peak of 10,150 re-arms the warning: 10,110 does not
    # warn, 10,090 does (at 10,100); 10,050 fires (at 10,050).
    assert _kinds(rounds) == [(1, "warn"), (4, "warn"), (6, "close_all")]
    (r,) = desk.rules.values()
    assert (r.peak, r.state) == (10_150.0, RuleState.DONE)
    assert not desk.broker.paused
    desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)
    assert desk.path("XAUUSD", [2900.00]) == [[]]


def test_fixed_guard_closes_only_its_scope() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    ea = desk.broker.open("XAUUSD", BUY, 1.0, 3000.00, magic=7)
    manual = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(EquityGuard(reference=Reference.FIXED, amount=10_000, limit=Drawdown(percent=1)),
                  Scope(magic=7)))  # fmt: skip
    rounds = desk.path("XAUUSD", [2999.20, 2999.10])  # 10,000 - 88 then - 99: fires at 9,900 or below
    assert _kinds(rounds) == []
    rounds = desk.path("XAUUSD", [2999.09])
    assert [(d.kind.value, getattr(d, "tickets", None)) for d in rounds[0]] == [
        ("pause", None),
        ("close_all", (ea.ticket,)),
    ]
    assert list(desk.broker.positions) == [manual.ticket]


def test_day_start_guard_without_a_reference_holds() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    out = evaluate(rule(DAILY), broker.snapshot(day_start_equity=None))
    assert out.decisions == () and [h.code for h in out.holds] == [HoldCode.NO_REFERENCE]


def test_profit_lock_arms_tracks_the_peak_and_closes_on_the_give_back() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.50, 3000.00)  # $0.50 a point
    desk.broker.open("XAUUSD", BUY, 0.50, 3000.00)
    desk.add(rule(ProfitLock(activate_at=50, give_back=0.4), Scope(symbol="XAUUSD")))
    rounds = desk.path("XAUUSD", [3000.40, 3000.20, 3000.50, 3001.20, 3000.80, 3000.73, 3000.72, 3000.00])
    assert _kinds(rounds) == [(6, "close_all")]  # 120 peak x 0.6 = 72
    (r,) = desk.rules.values()
    assert (r.peak, r.state) == (120.0, RuleState.DONE)
    assert desk.broker.balance == 10_072.0


def test_profit_lock_is_done_when_its_positions_close_meanwhile() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 1.0, 3000.00)
    desk.add(rule(ProfitLock(activate_at=50, give_back=0.5)))
    desk.path("XAUUSD", [3001.00])
    assert next(iter(desk.rules.values())).state is RuleState.ACTIVE
    del desk.broker.positions[p.ticket]
    assert desk.path("XAUUSD", [3001.00]) == [[]]
    assert next(iter(desk.rules.values())).state is RuleState.DONE


def test_fire_is_written_ahead_before_anything_is_sent() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    broker.open("XAUUSD", BUY, 1.0, 3000.00)
    broker.tick("XAUUSD", 2990.00)
    out = evaluate(rule(DAILY), broker.snapshot(day_start_equity=10_000.0))
    assert [type(d) for d in out.rule.pending] == [PauseTrading, CloseAll]
    assert out.rule.pending == out.decisions
