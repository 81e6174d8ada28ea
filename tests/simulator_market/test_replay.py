"""A clock that starts before `start` replays the M1 history: quotes, bars and ticks agree and stop at now."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.symbols import CATALOGUE
from mt5bridge.terminal import constants as c
from tests.simulator_market.conftest import MONDAY

Factory = Callable[..., PriceEngine]
DAY_MS = 86_400_000


def test_replayed_quotes_are_the_history_ticks_and_nothing_after_now(make_engine: Factory) -> None:
    reference = make_engine(("EURUSD", "XAUUSD"))
    engine = make_engine(("EURUSD", "XAUUSD"))
    engine.replay_from((MONDAY - 3 * 86_400) * 1000)  # Friday 11:00
    assert engine.replaying
    engine.advance_to(engine.now_msc + 3_600_000 + 30_500)  # 30.5 s into a minute
    now = engine.now_msc
    for name in ("EURUSD", "XAUUSD"):
        seen = engine.ticks_range(name, now - 600_000, now + 600_000, c.COPY_TICKS_ALL)
        assert len(seen) and seen["time_msc"][-1] <= now
        whole = reference.ticks_range(name, now - 600_000, now + 600_000, c.COPY_TICKS_ALL)
        assert np.array_equal(seen, whole[whole["time_msc"] <= now])  # the same path, cut at the clock
        last = seen[-1]
        assert engine.tick(name) == (int(last["time_msc"]), float(last["bid"]), float(last["ask"]))
        assert engine.price_at(name, now + 10**9) == (float(last["bid"]), float(last["ask"]))
        bar = engine.rates_from_pos(name, c.TIMEFRAME_M1, 0, 1)[0]
        assert bar["time"] == now // 60_000 * 60  # the current bar, no later one
        inside = seen[seen["time_msc"] >= int(bar["time"]) * 1000]
        assert bar["high"] == inside["bid"].max() and bar["low"] == inside["bid"].min()
        assert bar["close"] == last["bid"]
        assert engine.rates_range(name, c.TIMEFRAME_H1, 0, 2**40)["time"][-1] <= engine.now
        assert engine.rates_from_pos(name, c.TIMEFRAME_D1, 0, 1)["close"][0] == last["bid"]


def test_replay_hands_over_to_live_ticks_at_start(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    _, start_bid, _ = engine.tick("EURUSD")
    engine.replay_from((MONDAY - 3600) * 1000)
    new = engine.advance_to((MONDAY + 600) * 1000)["EURUSD"]
    assert (np.diff(new["time_msc"]) > 0).all()
    replayed = new[new["time_msc"] <= MONDAY * 1000]
    assert len(replayed) >= 60 and replayed["bid"][-1] == start_bid
    assert len(new) - len(replayed) > 100  # live ticks, one per 2 s on average, after start
    m1 = engine.rates_range("EURUSD", c.TIMEFRAME_M1, MONDAY - 3600, engine.now)
    assert (np.diff(m1["time"]) == 60).all()
    assert m1["close"][m1["time"] == MONDAY - 60][0] == start_bid
    assert m1["open"][m1["time"] == MONDAY][0] == start_bid


def test_replay_needs_a_fresh_engine_and_gives_no_live_prices(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    with pytest.raises(ValueError, match="history_days"):
        engine.replay_from((MONDAY - 61 * 86_400) * 1000)
    engine.replay_from((MONDAY - 3600) * 1000)
    with pytest.raises(ValueError, match="replays"):
        engine.set_price("EURUSD", 1.1, None, engine.now_msc)
    live = make_engine(("EURUSD",))
    live.advance_to(live.now_msc + 1000)
    with pytest.raises(ValueError, match="fresh"):
        live.replay_from((MONDAY - 3600) * 1000)


def test_replayed_ticks_are_built_only_for_symbols_read(make_engine: Factory) -> None:
    engine = make_engine()
    engine.replay_from((MONDAY - 3 * 86_400) * 1000)  # Friday 11:00
    new = engine.advance_to(engine.now_msc + 3_600_000)
    assert engine.cache.nbytes == 0  # nothing generated yet: the mapping is lazy
    gold = new["XAUUSD"]
    assert len(gold) >= 60 and (gold["time_msc"] > engine.now_msc - 3_600_000).all()
    assert engine.cache.nbytes <= 110_000  # one day of gold's M1 bars
    assert set(new) == set(engine.names)


def test_history_memory_stays_within_the_cache_budget() -> None:
    engine = PriceEngine(CATALOGUE, seed=1, start=MONDAY, cache_bytes=4 << 20)
    first = engine.rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 10**7)
    for spec in CATALOGUE:
        assert len(engine.rates_from_pos(spec.name, c.TIMEFRAME_M1, 0, 10**7)) > 10_000
        assert len(engine.rates_from_pos(spec.name, c.TIMEFRAME_H1, 0, 1000)) == 1000
        assert engine.cache.nbytes <= 4 << 20
    # evicted days come back the same
    assert np.array_equal(engine.rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 10**7), first)
