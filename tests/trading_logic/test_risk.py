"""Every risk rule, with the numbers in its message, and which actions each rule lets through."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from mt5bridge.trading.risk import ActionKind, RiskRefusal, RiskRule, RiskState, check, check_all
from mt5bridge.trading.settings import RiskSettings

OPEN, CLOSE, MODIFY, CANCEL = ActionKind.OPEN, ActionKind.CLOSE, ActionKind.MODIFY, ActionKind.CANCEL


def state(**changes: Any) -> RiskState:
    """A healthy state; `settings=dict(...)` overrides risk settings."""
    settings = RiskSettings(**changes.pop("settings", {}))
    base = RiskState(
        settings=settings, paused=False, read_only=False, open_positions=3, pending_orders=1,
        daily_pnl=-50.0, market_open=True,
    )  # fmt: skip
    return replace(base, **changes)


def run(action: ActionKind, st: RiskState, volume: float = 1.0, **kw: Any) -> RiskRefusal | None:
    return check(action, st, symbol="XAUUSD.m", canonical="XAUUSD", volume=volume, **kw)


def test_healthy_state_allows_everything() -> None:
    assert all(run(kind, state()) is None for kind in ActionKind)


@pytest.mark.parametrize("st", [state(read_only=True), state(settings={"read_only_mode": True})])
def test_read_only_refuses_every_trading_action(st: RiskState) -> None:
    for kind in ActionKind:
        refusal = run(kind, st)
        assert refusal is not None and refusal.rule is RiskRule.READ_ONLY
        assert refusal.message.startswith("read_only:")


def test_paused_refuses_only_opens() -> None:
    refusal = run(OPEN, state(paused=True))
    assert refusal is not None and refusal.rule is RiskRule.PAUSED and "paused" in refusal.message
    assert all(run(kind, state(paused=True)) is None for kind in (CLOSE, MODIFY, CANCEL))


def test_max_order_volume() -> None:
    st = state(settings={"max_order_volume": 10.0})
    refusal = run(OPEN, st, volume=12.0)
    assert refusal == RiskRefusal(
        RiskRule.MAX_ORDER_VOLUME, "max_order_volume: 12 lots requested, the limit is 10", 10.0, 12.0
    )
    assert run(OPEN, st, volume=10.0) is None
    assert run(OPEN, st, volume=0.1 + 0.2 + 9.7) is None  # float noise at the limit is not a breach
    assert run(CLOSE, st, volume=12.0) is None
    nan = run(OPEN, st, volume=math.nan)
    assert nan is not None and nan.rule is RiskRule.MAX_ORDER_VOLUME


def test_max_total_positions_counts_pending_orders_and_the_new_ones() -> None:
    st = state(open_positions=8, pending_orders=1, settings={"max_total_positions": 10})
    assert run(OPEN, st) is None  # 8 + 1 + 1 = 10
    refusal = run(OPEN, st, opening_positions=2)
    assert refusal is not None and refusal.rule is RiskRule.MAX_TOTAL_POSITIONS
    assert (refusal.limit, refusal.value) == (10.0, 11.0)
    assert "8 open positions + 1 pending orders + 2 new would make 11, the limit is 10" in refusal.message
    full = replace(st, open_positions=9)
    assert run(OPEN, full) is not None
    assert all(run(kind, full) is None for kind in (CLOSE, MODIFY, CANCEL))
    assert run(OPEN, full, opening_positions=0) is None  # netting add to an existing position


def test_max_daily_loss_refuses_opens_once_hit() -> None:
    limit = {"max_daily_loss": 500.0}
    assert run(OPEN, state(daily_pnl=-499.99, settings=limit)) is None
    refusal = run(OPEN, state(daily_pnl=-500.0, settings=limit))
    assert refusal is not None and refusal.rule is RiskRule.MAX_DAILY_LOSS
    assert "today's P&L is -500.00, the limit is -500.00" in refusal.message
    assert (refusal.limit, refusal.value) == (500.0, -500.0)
    deep = state(daily_pnl=-900.0, settings=limit)
    assert all(run(kind, deep) is None for kind in (CLOSE, MODIFY, CANCEL))
    assert run(OPEN, state(daily_pnl=-1e9)) is None  # 0 = no limit
    unknown = run(OPEN, state(daily_pnl=math.nan, settings=limit))
    assert unknown is not None and unknown.rule is RiskRule.MAX_DAILY_LOSS


@pytest.mark.parametrize("listed", [("XAUUSD",), ("xauusd.m",), ("EURUSD", "XAUUSD.m")])
def test_allowed_symbols_accepts_canonical_or_broker_names(listed: tuple[str, ...]) -> None:
    assert run(OPEN, state(settings={"allowed_symbols": listed})) is None


def test_allowed_symbols_refuses_opens_elsewhere_but_not_closes() -> None:
    st = state(settings={"allowed_symbols": ("EURUSD", "GBPUSD")})
    refusal = run(OPEN, st)
    assert refusal is not None and refusal.rule is RiskRule.ALLOWED_SYMBOLS
    assert refusal.message == "allowed_symbols: XAUUSD (XAUUSD.m) is not in EURUSD, GBPUSD"
    assert all(run(kind, st) is None for kind in (CLOSE, MODIFY, CANCEL))


def test_market_closed_refuses_opens_and_modifies() -> None:
    st = state(market_open=False)
    for kind in (OPEN, MODIFY):
        refusal = run(kind, st)
        assert refusal is not None and refusal.rule is RiskRule.MARKET_CLOSED
        assert "XAUUSD.m is outside its trading session" in refusal.message
    assert run(CLOSE, st) is None and run(CANCEL, st) is None


def test_first_rule_wins_and_check_all_lists_every_breach() -> None:
    st = state(
        paused=True, market_open=False, open_positions=50, daily_pnl=-1000.0,
        settings={"max_daily_loss": 100.0, "allowed_symbols": ("EURUSD",), "max_order_volume": 1.0},
    )  # fmt: skip
    first = run(OPEN, st, volume=5.0)
    assert first is not None and first.rule is RiskRule.PAUSED
    rules = [r.rule for r in check_all(OPEN, st, symbol="XAUUSD.m", canonical="XAUUSD", volume=5.0)]
    assert rules == [
        RiskRule.PAUSED, RiskRule.ALLOWED_SYMBOLS, RiskRule.MARKET_CLOSED, RiskRule.MAX_ORDER_VOLUME,
        RiskRule.MAX_TOTAL_POSITIONS, RiskRule.MAX_DAILY_LOSS,
    ]  # fmt: skip
    read_only = replace(st, read_only=True)
    first_ro = run(OPEN, read_only)
    assert first_ro is not None and first_ro.rule is RiskRule.READ_ONLY
