"""The bounded tick buffer, and ticks older than it synthesized from bars."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.ticks import TickBuffer, make_ticks
from mt5bridge.terminal import constants as c
from tests.simulator_market.conftest import MONDAY

Factory = Callable[..., PriceEngine]


def _ticks(start: int, count: int) -> np.ndarray:
    times = np.arange(start, start + count, dtype=np.int64)
    return make_ticks(times, times / 10.0, times / 10.0 + 1, 6)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 50), sizes=st.lists(st.integers(0, 120), max_size=12))
def test_buffer_keeps_the_newest_ticks_in_order(capacity: int, sizes: list[int]) -> None:
    buffer = TickBuffer(capacity)
    pushed = 0
    for size in sizes:
        buffer.append(_ticks(pushed, size))
        pushed += size
        held = buffer.ticks
        expected = np.arange(max(0, pushed - capacity), pushed)
        assert np.array_equal(held["time_msc"], expected)
        assert np.array_equal(held["bid"], expected / 10.0)
        assert buffer.oldest_msc == (int(expected[0]) if pushed else None)


def test_evicted_ticks_are_synthesized_from_bars(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",), tick_buffer=500)
    live = engine.advance_to(engine.now_msc + 3_600_000)["EURUSD"]
    ticks = engine.ticks_range("EURUSD", MONDAY * 1000, engine.now_msc, c.COPY_TICKS_ALL)
    assert (np.diff(ticks["time_msc"]) > 0).all()
    assert np.array_equal(ticks[-500:], live[-500:])  # the retained ticks are the real ones
    oldest = int(live["time_msc"][-500])
    synthesized = ticks[ticks["time_msc"] < oldest]
    bars = engine.rates_range("EURUSD", c.TIMEFRAME_M1, MONDAY, oldest // 1000)
    assert len(bars) <= len(synthesized) <= 4 * len(bars)
    assert synthesized["bid"].max() <= bars["high"].max() and synthesized["bid"].min() >= bars["low"].min()
    first = bars[0]
    quotes = {first["open"], first["high"], first["low"], first["close"]}
    assert engine.price_at("EURUSD", MONDAY * 1000 + 59_000)[0] in quotes


def test_buffer_memory_is_bounded_and_compact() -> None:
    buffer = TickBuffer(10_000, digits=1)
    for start in range(0, 100_000, 700):
        buffer.append(_ticks(start, 700))
    assert len(buffer) == 10_000 and buffer.oldest_msc == 100_100 - 10_000
    # 21 bytes a tick (MT5's layout takes 60), in columns at most a quarter longer than the capacity
    assert buffer.nbytes <= 21 * 12_500
    assert np.array_equal(buffer.slice(-3)["bid"], np.arange(100_097, 100_100) / 10.0)
