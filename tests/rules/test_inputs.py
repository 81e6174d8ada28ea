"""The plain inputs refuse what cannot be priced or counted; a Rule's tracked state survives JSON."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mt5bridge.common.rulespec import Drawdown, EquityGuard, Stage, StagedTakeProfit, Trailing
from mt5bridge.common.vocab import Side
from mt5bridge.trading.rules.decisions import CloseAll, CloseReason, CloseVolume, PauseTrading
from mt5bridge.trading.rules.evaluate import evaluate
from mt5bridge.trading.rules.inputs import (
    AccountFacts,
    AtrKey,
    BarExtremes,
    OpenPosition,
    Quote,
    Snapshot,
    SymbolFacts,
)
from mt5bridge.trading.rules.models import Rule

from .broker import BUY, DAY, GOLD, Broker, rule

BAD = [1e308, -1.0, 0.0, math.nan, math.inf, -math.inf]
_POSITION: dict[str, Any] = {
    "ticket": 1,
    "symbol": "XAUUSD",
    "side": BUY,
    "volume": 0.1,
    "price_open": 3000.0,
}
_FACTS: dict[str, Any] = {
    "point": 0.01,
    "tick_size": 0.01,
    "digits": 2,
    "volume_min": 0.01,
    "volume_step": 0.01,
}


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("name", ["volume", "price_open"])
def test_position_refuses_unpriceable_figures(name: str, value: float) -> None:
    with pytest.raises(ValidationError):
        OpenPosition(**{**_POSITION, name: value})


@pytest.mark.parametrize("value", [1e308, -1.0, math.nan, math.inf])
def test_position_refuses_bad_stops_and_money(value: float) -> None:
    with pytest.raises(ValidationError):
        OpenPosition(**_POSITION, sl=value)
    if value != -1.0:  # a loss is negative money
        with pytest.raises(ValidationError):
            OpenPosition(**_POSITION, profit=value)


def test_position_reads_mt5s_zero_as_no_stop() -> None:
    p = OpenPosition(**_POSITION, sl=0.0, tp=0, profit=-12.5)
    assert (p.sl, p.tp, p.net) == (None, None, -12.5)


@pytest.mark.parametrize("value", BAD)
def test_quote_refuses_bad_prices(value: float) -> None:
    with pytest.raises(ValidationError):
        Quote(bid=value, ask=1.0)


@pytest.mark.parametrize("value", [0.0, -0.01, math.nan, math.inf, 1e308])
@pytest.mark.parametrize("name", ["point", "tick_size"])
def test_zero_point_or_tick_is_refused_with_a_clear_error(name: str, value: float) -> None:
    with pytest.raises(ValidationError, match=f"{name}\n.*must be a positive price increment"):
        SymbolFacts(**{**_FACTS, name: value})


@pytest.mark.parametrize("name", ["volume_min", "volume_step"])
def test_zero_volume_grid_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        SymbolFacts(**{**_FACTS, name: 0})


@pytest.mark.parametrize("value", [1e308, math.nan, -math.inf])
def test_account_and_market_figures_refuse_non_numbers(value: float) -> None:
    with pytest.raises(ValidationError):
        AccountFacts(equity=value, balance=1.0)
    account = AccountFacts(equity=-50.0, balance=0.0)  # a negative equity is a number: allowed
    with pytest.raises(ValidationError):
        Snapshot(account=account, day=DAY, atr={AtrKey("XAUUSD", "H1", 14): value})
    with pytest.raises(ValidationError):
        BarExtremes(low=value, high=1.0)


def test_rule_tracked_state_round_trips_through_json() -> None:
    r = rule(StagedTakeProfit(stages=[Stage(price=3010, share=0.5)])).model_copy(
        update={
            "best": {123: 3012.5},
            "initial_risk": {123: 500.0},
            "fired_on": date(2026, 3, 2),
            "staged_side": Side.SELL,
            "staged_symbol": "XAUUSD",
            "entry": 3000.25,
            "attempts": 2,
            "pending": (
                PauseTrading(rule_id=1, key="p"),
                CloseVolume(rule_id=1, key="k", stage=0, symbol="XAUUSD", side=BUY, volume=0.05, full=(1, 2)),
                CloseAll(
                    rule_id=1, key="c", reason=CloseReason.EQUITY_GUARD, tickets=(3,), day=date(2026, 3, 2)
                ),
            ),
        }
    )
    assert Rule.model_validate_json(r.model_dump_json()) == r
    assert Rule.model_validate(r.model_dump(mode="json")) == r


def test_requests_for_the_trading_core() -> None:
    close = CloseVolume(rule_id=1, key="k", stage=0, symbol="XAUUSD", side=BUY, magic=7, volume=0.05)
    assert close.request().model_dump(exclude_none=True) == {
        "symbol": "XAUUSD", "side": "buy", "magic": 7, "selector": "all", "volume": 0.05,
    }  # fmt: skip
    one = CloseAll(rule_id=1, key="c", reason=CloseReason.PROFIT_LOCK, ticket=5)
    assert one.request().model_dump(exclude_none=True) == {"ticket": 5}


@settings(max_examples=80, deadline=None)
@given(
    bid=st.floats(min_value=0.01, max_value=1e9),
    spread=st.floats(min_value=0, max_value=100),
    open_price=st.floats(min_value=0.01, max_value=1e9),
    sl=st.none() | st.floats(min_value=0.01, max_value=1e9),
    tick=st.sampled_from([1e-5, 0.01, 0.25, 1.0, 5.0]),
    stops=st.integers(min_value=0, max_value=10_000),
)
def test_evaluation_never_raises_on_valid_inputs(bid: float, spread: float, open_price: float, sl: float | None,
                                                 tick: float, stops: int) -> None:  # fmt: skip
    facts = SymbolFacts(point=tick, tick_size=tick, digits=5, stops_level=stops, freeze_level=stops // 2,
                        volume_min=0.01, volume_step=0.01)  # fmt: skip
    p = OpenPosition(**{**_POSITION, "price_open": open_price, "sl": sl})
    snap = Snapshot(positions=(p,), quotes={"XAUUSD": Quote(bid=bid, ask=bid + spread)}, symbols={"XAUUSD": facts},
                    account=AccountFacts(equity=1e6, balance=1e6), day=DAY, day_start_equity=2e6)  # fmt: skip
    for action in (Trailing(distance_points=10), StagedTakeProfit(stages=[Stage(points=1, share=1)]),
                   EquityGuard(limit=Drawdown(percent=10))):  # fmt: skip
        out = evaluate(rule(action), snap)
        for d in out.decisions:
            if hasattr(d, "sl"):
                assert d.sl > 0 and math.isfinite(d.sl)


def test_gold_facts_used_by_the_scripts_are_valid() -> None:
    assert Broker().symbols["XAUUSD"] == GOLD


def test_snapshot_indexes_follow_a_copy_with_other_positions() -> None:
    broker = Broker()
    broker.tick("XAUUSD", 3000.00)
    first = broker.open("XAUUSD", BUY, 0.10, 3000.00)
    snap = broker.snapshot()
    assert snap.is_open(first.ticket)
    second = broker.open("XAUUSD", BUY, 0.10, 3000.00)
    copied = snap.model_copy(update={"positions": (second,)})
    assert copied.is_open(second.ticket) and not copied.is_open(first.ticket)
    assert [p.ticket for p in copied.on_symbol("XAUUSD")] == [second.ticket]
