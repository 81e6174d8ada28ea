"""The demo's month of trading agrees with the bars and ticks it leaves behind, and costs little memory."""

from __future__ import annotations

import calendar
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.persist import load_state, save_state
from tests.simulator.conftest import WEDNESDAY

END = calendar.timegm(WEDNESDAY.timetuple())


@pytest.fixture(scope="module")
def demo() -> Simulator:
    return Simulator.demo(days=10, seed=5, end=END)


def test_every_deal_is_at_a_quoted_price_inside_its_bar(demo: Simulator) -> None:
    _check_deals(demo)


def _check_deals(demo: Simulator, until_msc: int = 2**62) -> None:
    deals = [
        d
        for d in demo.history_deals_get(0, 2**40)
        if d.type in (demo.DEAL_TYPE_BUY, demo.DEAL_TYPE_SELL) and d.time_msc <= until_msc
    ]
    assert len(deals) > 50
    reasons = {d.reason for d in deals}
    assert {demo.DEAL_REASON_EXPERT, demo.DEAL_REASON_CLIENT} <= reasons
    for d in deals:
        at = d.time_msc
        ticks = demo.copy_ticks_range(d.symbol, at // 1000 - 180, at // 1000 + 1, demo.COPY_TICKS_ALL)
        quoted = ticks[ticks["time_msc"] <= at][-1]
        assert d.price == (quoted["ask"] if d.type == demo.DEAL_TYPE_BUY else quoted["bid"]), d
        if d.reason in (demo.DEAL_REASON_SL, demo.DEAL_REASON_TP):
            assert quoted["time_msc"] == at  # triggered by that very tick
        bar = demo.copy_rates_from(d.symbol, demo.TIMEFRAME_M1, int(quoted["time"]), 1)[0]
        assert bar["low"] <= quoted["bid"] <= bar["high"]


def test_stops_and_targets_trigger_on_the_first_tick_through_them(demo: Simulator) -> None:
    closes = [
        d for d in demo.history_deals_get(0, 2**40) if d.reason in (demo.DEAL_REASON_SL, demo.DEAL_REASON_TP)
    ]
    assert closes, "the manual trades' SL/TP should have triggered within ten days"
    for d in closes:
        level = float(d.comment.strip("[]").split()[1])
        opened = demo.history_deals_get(position=d.position_id)[0]
        closing_buy = d.type == demo.DEAL_TYPE_SELL  # a sell deal closes a buy position, at the bid
        ticks = demo.copy_ticks_range(d.symbol, opened.time_msc // 1000, d.time_msc // 1000 + 1, -1)
        ticks = ticks[(ticks["time_msc"] > opened.time_msc) & (ticks["time_msc"] <= d.time_msc)]
        side = ticks["bid"] if closing_buy else ticks["ask"]
        crossed = (side <= level) if (closing_buy == (d.reason == demo.DEAL_REASON_SL)) else (side >= level)
        assert crossed[-1] and not crossed[:-1].any(), d


def test_a_month_of_demo_takes_little_memory() -> None:
    tracemalloc.start()
    try:
        sim = Simulator.demo(days=30, seed=0, end=END)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sim.history_deals_get(0, 2**40)) > 100
    # Ticks for 22 symbols over 30 days, as the demo used to generate them, peaked above 400 MB.
    assert peak < 60 * 2**20, f"{peak / 2**20:.0f} MB"


def test_a_restart_keeps_the_demo_history(tmp_path: Path) -> None:
    sim = Simulator.demo(days=4, seed=6, end=END)
    sim.advance(2 * 3600)  # live after the demo, then saved and resumed
    path = tmp_path / "state.json"
    save_state(sim, path)
    again = load_state(path)
    again.initialize()
    for symbol in ("XAUUSD", "EURUSD", "USDJPY"):
        before = sim.copy_rates_range(symbol, sim.TIMEFRAME_M1, END - 10 * 86_400, END - 60)
        after = again.copy_rates_range(symbol, again.TIMEFRAME_M1, END - 10 * 86_400, END - 60)
        assert len(before) > 5000 and np.array_equal(before, after)  # not a new path to the saved price
        bars = again.copy_rates_range(symbol, again.TIMEFRAME_M1, END - 3600, again.now)
        assert (np.diff(bars["time"]) > 0).all()
        assert bars["close"][-1] == again.symbol_info_tick(symbol).bid == sim.symbol_info_tick(symbol).bid
    # The demo's deals still sit on the resumed bars (the two live hours after it are a new path).
    _check_deals(again, until_msc=END * 1000)
