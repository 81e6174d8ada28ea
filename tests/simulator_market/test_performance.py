"""Speed sanity: a month of ticks for every symbol, and a fast start-up."""

from __future__ import annotations

import time

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.symbols import CATALOGUE
from mt5bridge.terminal import constants as c
from tests.simulator_market.conftest import MONDAY


def test_startup_is_fast_and_lazy() -> None:
    began = time.perf_counter()
    engine = PriceEngine(CATALOGUE, seed=1, start=MONDAY)
    assert time.perf_counter() - began < 5.0  # lazy: no history built at start-up
    began = time.perf_counter()
    engine.rates_from_pos("GER40", c.TIMEFRAME_H1, 0, 1000)
    assert time.perf_counter() - began < 5.0


def test_thirty_days_all_symbols() -> None:
    engine = PriceEngine(CATALOGUE, seed=1, start=MONDAY)
    began = time.perf_counter()
    total = 0
    for chunk in engine.advance_iter(engine.now_msc + 30 * 86_400_000):
        total += sum(len(t) for t in chunk.values())
    elapsed = time.perf_counter() - began
    print(f"30 days x {len(CATALOGUE)} symbols: {total} ticks in {elapsed:.2f} s")
    assert total > 10_000_000
    assert elapsed < 15.0  # about 2.6 s on the 2-core dev box; generous for slower CI
    assert len(engine.rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 100_000)) > 1400
