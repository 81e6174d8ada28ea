"""Live ticks and the bars built from them: advance_to, set_price, tick queries, determinism."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.symbols import get_spec
from mt5bridge.terminal import constants as c
from mt5bridge.terminal.structs import TICKS_DTYPE
from tests.simulator_market.conftest import MONDAY, SATURDAY, SMALL_SET

Factory = Callable[..., PriceEngine]
HOUR_MS = 3_600_000


def _bars_match_ticks(engine: PriceEngine, name: str, since: int) -> int:
    """Every live M1 bar equals the aggregate of its ticks; returns how many bars were checked."""
    digits = get_spec(name).digits
    m1 = engine.rates_range(name, c.TIMEFRAME_M1, since, engine.now)
    for bar in m1:
        ticks = engine.ticks_range(name, int(bar["time"]) * 1000, int(bar["time"]) * 1000 + 59_999, -1)
        assert len(ticks) == bar["tick_volume"]
        assert bar["open"] == ticks["bid"][0] and bar["close"] == ticks["bid"][-1]
        assert bar["high"] == ticks["bid"].max() and bar["low"] == ticks["bid"].min()
        assert bar["spread"] == np.rint((ticks["ask"] - ticks["bid"]) * 10**digits).min()
    return len(m1)


def test_advance_returns_only_new_ticks_of_open_symbols(make_engine: Factory) -> None:
    engine = make_engine()
    before = engine.now_msc
    new = engine.advance_to(before + HOUR_MS)
    assert engine.now_msc == before + HOUR_MS
    assert set(new) == set(SMALL_SET)
    assert new["HK50"]["time_msc"][0] >= (MONDAY + 15 * 60) * 1000  # HKEX afternoon opens 11:15 server
    for name, ticks in new.items():
        assert ticks.dtype == TICKS_DTYPE
        assert ticks["time_msc"][0] > before and ticks["time_msc"][-1] <= engine.now_msc
        assert (np.diff(ticks["time_msc"]) > 0).all()
        assert (ticks["time"] == ticks["time_msc"] // 1000).all()
        assert (ticks["ask"] > ticks["bid"]).all() and (ticks["flags"] & 6 != 0).all()
        assert engine.tick(name) == (int(ticks["time_msc"][-1]), ticks["bid"][-1], ticks["ask"][-1])
        assert 1000 < len(ticks) < 3000  # Poisson arrivals averaging one per 2 s
    assert engine.advance_to(engine.now_msc) == {}


def test_weekend_produces_crypto_ticks_only() -> None:
    engine = PriceEngine([get_spec(n) for n in SMALL_SET], seed=1, start=SATURDAY)
    stale = engine.tick("EURUSD")
    new = engine.advance_to(engine.now_msc + 6 * HOUR_MS)
    assert set(new) == {"BTCUSD"}
    assert engine.tick("EURUSD") == stale


def test_always_open_ticks_everything_at_the_weekend() -> None:
    engine = PriceEngine([get_spec(n) for n in SMALL_SET], seed=1, start=SATURDAY, always_open=True)
    assert set(engine.advance_to(engine.now_msc + HOUR_MS)) == set(SMALL_SET)


def test_clock_cannot_go_back(make_engine: Factory) -> None:
    engine = make_engine()
    with pytest.raises(ValueError, match="back"):
        engine.advance_to(engine.now_msc - 1)


def test_live_bars_hold_every_tick(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD", "US500"))
    for _ in range(3):
        engine.advance_to(engine.now_msc + 20 * 60_000 + 123)  # steps not aligned to minutes
    assert _bars_match_ticks(engine, "EURUSD", MONDAY) >= 60
    assert _bars_match_ticks(engine, "US500", MONDAY) >= 60
    ticks = engine.ticks_range("US500", MONDAY * 1000, engine.now_msc, c.COPY_TICKS_ALL)
    assert np.allclose(np.round(ticks["bid"] / 0.25), ticks["bid"] / 0.25)  # on the 0.25 tick grid


def test_rates_from_pos_ends_with_the_current_bar(make_engine: Factory) -> None:
    engine = make_engine()
    engine.advance_to(engine.now_msc + 90 * 60_000 + 30_500)  # 30 s into a minute: it has ticks
    _, bid, _ = engine.tick("EURUSD")
    for timeframe, seconds in ((c.TIMEFRAME_M1, 60), (c.TIMEFRAME_M15, 900), (c.TIMEFRAME_H4, 14_400)):
        bars = engine.rates_from_pos("EURUSD", timeframe, 0, 10)
        assert len(bars) == 10 and (np.diff(bars["time"]) > 0).all()
        assert bars["time"][-1] <= engine.now < bars["time"][-1] + seconds
        assert bars["close"][-1] == bid
        shifted = engine.rates_from_pos("EURUSD", timeframe, 3, 4)
        assert np.array_equal(shifted, bars[3:7])
    assert len(engine.rates_from_pos("EURUSD", c.TIMEFRAME_D1, 10**6, 5)) == 0
    assert len(engine.rates_from_pos("EURUSD", c.TIMEFRAME_D1, 0, 0)) == 0


def test_rates_range_and_from_bounds_are_inclusive(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    engine.advance_to(engine.now_msc + 2 * HOUR_MS)
    all_m5 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_M5, 0, 100)
    lo, hi = int(all_m5["time"][10]), int(all_m5["time"][40])
    ranged = engine.rates_range("EURUSD", c.TIMEFRAME_M5, lo, hi)
    assert ranged["time"][0] == lo and ranged["time"][-1] == hi and len(ranged) == 31
    assert len(engine.rates_range("EURUSD", c.TIMEFRAME_M5, lo + 1, hi - 1)) == 29
    upto = engine.rates_from("EURUSD", c.TIMEFRAME_M5, hi, 7)
    assert np.array_equal(upto, all_m5[34:41])
    assert np.array_equal(engine.rates_from("EURUSD", c.TIMEFRAME_M5, hi + 299, 7), upto)
    assert len(engine.rates_from("EURUSD", c.TIMEFRAME_M5, 0, 5)) == 0


def test_set_price_updates_current_bars_and_the_walk(make_engine: Factory) -> None:
    engine = make_engine()
    engine.advance_to(engine.now_msc + 10 * 60_000)
    day_high = engine.rates_from_pos("XAUUSD", c.TIMEFRAME_D1, 0, 1)["high"][0]  # above M1 and H1 too
    target = round(day_high + 25.0, 2)
    tick = engine.set_price("XAUUSD", target, None, engine.now_msc)
    assert tick.dtype == TICKS_DTYPE and len(tick) == 1
    assert tick["bid"][0] == target and tick["ask"][0] == round(target + 0.12, 2)
    assert engine.tick("XAUUSD") == (engine.now_msc, target, round(target + 0.12, 2))
    for timeframe in (c.TIMEFRAME_M1, c.TIMEFRAME_H1, c.TIMEFRAME_D1):
        bar = engine.rates_from_pos("XAUUSD", timeframe, 0, 1)[0]
        assert bar["high"] == target and bar["close"] == target
    _, _, ask_high, _, _ = engine.day_stats("XAUUSD")
    assert ask_high == round(target + 0.12, 2)
    first = engine.advance_to(engine.now_msc + 60_000)["XAUUSD"][0]
    assert abs(first["bid"] - target) < 5.0  # continues from the set price, not from the old walk
    custom = engine.set_price("EURUSD", 1.2, 1.20011, engine.now_msc)
    assert (custom["bid"][0], custom["ask"][0]) == (1.2, 1.20011)


def test_set_price_refuses_doubtful_input(make_engine: Factory) -> None:
    engine = make_engine()
    engine.advance_to(engine.now_msc + 60_000)
    last = engine.tick("EURUSD")[0]
    with pytest.raises(ValueError, match="tick time"):
        engine.set_price("EURUSD", 1.1, None, last - 1)
    with pytest.raises(ValueError, match="tick time"):
        engine.set_price("EURUSD", 1.1, None, engine.now_msc + 1)
    with pytest.raises(ValueError, match="tick size"):
        engine.set_price("US500", 6800.1, None, engine.now_msc)
    with pytest.raises(ValueError, match="ask below bid"):
        engine.set_price("EURUSD", 1.1, 1.09, engine.now_msc)
    with pytest.raises(ValueError, match="positive"):
        engine.set_price("EURUSD", 0.0, None, engine.now_msc)
    with pytest.raises(KeyError):
        engine.set_price("NOPE", 1.0, None, engine.now_msc)


def test_errors_for_unknown_symbol_timeframe_and_flags(make_engine: Factory) -> None:
    engine = make_engine()
    with pytest.raises(KeyError):
        engine.tick("EURUSD.m")
    with pytest.raises(KeyError):
        engine.rates_from_pos("XXX", c.TIMEFRAME_H1, 0, 1)
    with pytest.raises(ValueError, match="timeframe"):
        engine.rates_from_pos("EURUSD", 7, 0, 1)
    with pytest.raises(ValueError, match="flags"):
        engine.ticks_from("EURUSD", MONDAY * 1000, 10, 5)
    with pytest.raises(ValueError, match=">= 0"):
        engine.rates_from_pos("EURUSD", c.TIMEFRAME_H1, -1, 1)
    assert len(engine.ticks_from("EURUSD", MONDAY * 1000, 10, c.COPY_TICKS_TRADE)) == 0


def test_ticks_before_start_are_synthesized_from_m1(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    engine.advance_to(engine.now_msc + 5 * 60_000)
    since = (MONDAY - 3 * 60) * 1000
    ticks = engine.ticks_from("EURUSD", since, 40, c.COPY_TICKS_ALL)
    assert len(ticks) == 40 and ticks.dtype == TICKS_DTYPE
    assert (np.diff(ticks["time_msc"]) > 0).all() and ticks["time_msc"][0] >= since
    history = ticks[ticks["time_msc"] < MONDAY * 1000]
    assert 3 <= len(history) <= 12  # up to four per M1 bar
    bars = engine.rates_range("EURUSD", c.TIMEFRAME_M1, MONDAY - 180, MONDAY - 60)
    assert history["bid"].max() == bars["high"].max() and history["bid"].min() == bars["low"].min()
    assert ticks["time_msc"][len(history)] == MONDAY * 1000  # the live series starts at `start`
    ranged = engine.ticks_range("EURUSD", since, int(ticks["time_msc"][-1]), c.COPY_TICKS_INFO)
    assert np.array_equal(ranged, ticks)


def test_price_at_returns_the_latest_tick_at_or_before(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    new = engine.advance_to(engine.now_msc + 10 * 60_000)["EURUSD"]
    mid = int(new["time_msc"][100])
    assert engine.price_at("EURUSD", mid) == (new["bid"][100], new["ask"][100])
    between = int(new["time_msc"][101]) - 1
    assert engine.price_at("EURUSD", between) == (new["bid"][100], new["ask"][100])
    bar = engine.rates_from("EURUSD", c.TIMEFRAME_M1, MONDAY - 3600, 1)[0]
    assert engine.price_at("EURUSD", int(bar["time"]) * 1000 + 59_500)[0] == bar["close"]
    with pytest.raises(ValueError, match="no price"):
        engine.price_at("EURUSD", 0)


def test_day_stats_cover_todays_bars(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    engine.advance_to(engine.now_msc + 2 * HOUR_MS)
    bidhigh, bidlow, askhigh, asklow, day_open = engine.day_stats("EURUSD")
    today = engine.rates_range("EURUSD", c.TIMEFRAME_M1, MONDAY - MONDAY % 86_400, engine.now)
    assert (bidhigh, bidlow, day_open) == (today["high"].max(), today["low"].min(), today["open"][0])
    assert askhigh > bidhigh and bidlow < asklow < bidhigh


def test_spread_widens_at_rollover(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    midnight = MONDAY - MONDAY % 86_400 + 86_400
    engine.advance_to((midnight + 3600) * 1000)
    ticks = engine.ticks_range("EURUSD", (midnight - 3600) * 1000, (midnight + 3600) * 1000, -1)
    seconds = ticks["time"] % 86_400
    spread = np.rint((ticks["ask"] - ticks["bid"]) * 1e5)
    near = (seconds >= 86_400 - 300) | (seconds < 600)
    assert spread[near].mean() > 2.5 * spread[~near].mean()


def test_same_seed_same_calls_same_arrays() -> None:
    def run() -> list[np.ndarray]:
        engine = PriceEngine([get_spec(n) for n in SMALL_SET], seed=5, start=MONDAY)
        out = list(engine.advance_to(engine.now_msc + HOUR_MS).values())
        engine.set_price("EURUSD", 1.25, None, engine.now_msc)
        out += list(engine.advance_to(engine.now_msc + HOUR_MS).values())
        out.append(engine.rates_from_pos("XAUUSD", c.TIMEFRAME_M5, 0, 5000))
        out.append(engine.ticks_from("BTCUSD", (MONDAY - 600) * 1000, 5000, -1))
        return out

    first, second = run(), run()
    assert len(first) == len(second)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_live_volatility_is_realistic(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD", "BTCUSD"))
    for _ in engine.advance_iter(engine.now_msc + 4 * 86_400_000):
        pass
    for name in ("EURUSD", "BTCUSD"):
        m1 = engine.rates_range(name, c.TIMEFRAME_M1, MONDAY, engine.now)
        per_minute = np.diff(np.log(m1["close"])).std()
        daily = per_minute * np.sqrt(1440)
        assert 0.6 < daily / get_spec(name).daily_vol < 1.6, (name, daily)


def test_small_steps_keep_the_volatility_of_big_steps() -> None:
    def realised(step_ms: int) -> float:
        engine = PriceEngine([get_spec("EURUSD")], seed=9, start=MONDAY, tick_interval=20.0)
        target = engine.now_msc + 86_400_000
        while engine.now_msc < target:
            engine.advance_to(min(target, engine.now_msc + step_ms))
        ticks = engine.ticks_range("EURUSD", MONDAY * 1000, target, -1)
        return float(np.sqrt((np.diff(np.log(ticks["bid"])) ** 2).sum()))  # over one trading day

    coarse, fine = realised(86_400_000), realised(5_000)  # steps four times shorter than the tick interval
    assert 0.85 < fine / coarse < 1.15
    assert 0.6 < coarse / get_spec("EURUSD").daily_vol < 1.6
