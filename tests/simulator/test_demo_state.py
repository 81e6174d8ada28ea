"""The demo account has real history, and its state survives a restart of the service."""

from __future__ import annotations

import calendar
from datetime import datetime
from pathlib import Path

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.persist import load_state, open_simulator, save_state
from tests.simulator.conftest import WEDNESDAY, deal

END = calendar.timegm(WEDNESDAY.timetuple())


@pytest.fixture(scope="module")
def demo() -> Simulator:
    return Simulator.demo(days=6, seed=3, end=END)


def test_demo_has_deposit_manual_trades_and_grid_eas(demo: Simulator) -> None:
    deals = demo.history_deals_get(0, 2**40)
    assert deals[0].type == demo.DEAL_TYPE_BALANCE and deals[0].profit == 10000.0
    magics = {d.magic for d in deals if d.type in (demo.DEAL_TYPE_BUY, demo.DEAL_TYPE_SELL)}
    assert {20250101, 20250102, 20250103} <= magics
    assert any(d.magic == 0 and d.reason == demo.DEAL_REASON_CLIENT for d in deals)
    # A hedging grid holds buy and sell legs on the same symbol at once.
    gold = [p for p in demo.positions_get(symbol="XAUUSD") if p.magic == 20250101]
    assert {p.type for p in gold} == {demo.POSITION_TYPE_BUY, demo.POSITION_TYPE_SELL}
    total = sum(d.profit + d.commission + d.swap + d.fee for d in deals)
    assert demo.account_info().balance == pytest.approx(total, abs=0.01)
    assert demo.now == END


def test_state_file_round_trip(tmp_path: Path) -> None:
    sim = Simulator(seed=2, start=WEDNESDAY, suffix=".m")
    sim.initialize()
    ticket = deal(sim, "XAUUSD.m", "buy", 0.1, sl=1000.0).order
    sim.advance(600.75)
    sim.set_price("EURUSD.m", 1.10000, 1.10002)  # a tick inside the last partial second
    path = tmp_path / "state.json"
    save_state(sim, path)
    again = load_state(path)
    again.initialize()
    assert again.now_msc // 1000 == sim.now_msc // 1000
    assert again.symbol_info_tick("EURUSD.m").bid == 1.10000
    assert again.positions_get() == sim.positions_get()
    assert again.history_deals_get(0, 2**40) == sim.history_deals_get(0, 2**40)
    assert again.account_info() == sim.account_info()
    # Tickets keep counting from where they were: no reuse after a restart.
    assert deal(again, "EURUSD.m", "buy", 0.1).order > ticket


def test_open_simulator_resumes_the_saved_account(tmp_path: Path) -> None:
    path = tmp_path / "simulator-state.json"
    first = open_simulator(path, seed=0, demo_days=0, realtime=False, start=datetime(2026, 11, 25, 10, 0))
    first.initialize()
    deal(first, "EURUSD", "sell", 0.2)
    save_state(first, path)
    resumed = open_simulator(path, seed=0, demo_days=0, realtime=True)
    resumed.initialize()
    assert [p.volume for p in resumed.positions_get()] == [0.2]
    assert resumed.now >= first.now  # caught up to the present in real-time mode


def test_restart_leaves_no_gap_in_prices(tmp_path: Path) -> None:
    sim = Simulator(seed=4, start=WEDNESDAY, market_hours="always")
    sim.initialize()
    sim.set_price("XAUUSD", 3000.00, 3000.12)  # far from where the seed would start gold
    sim.advance(120)
    before = sim.symbol_info_tick("XAUUSD").bid
    path = tmp_path / "state.json"
    save_state(sim, path)
    again = load_state(path)
    again.initialize()
    assert again.symbol_info_tick("XAUUSD").bid == before
    again.advance(300)
    bars = again.copy_rates_from_pos("XAUUSD", again.TIMEFRAME_M1, 0, 30)
    jumps = abs(bars["open"][1:] - bars["close"][:-1])
    assert jumps.max() < 5.0  # no bar-to-bar gap at the restart (the old bug: hundreds of dollars)
