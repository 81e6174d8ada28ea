"""Lazily generated history before the start moment: lengths, continuity, shape of every timeframe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.sessions import is_open_many
from mt5bridge.simulator.symbols import CATALOGUE, get_spec
from mt5bridge.terminal import constants as c
from mt5bridge.terminal.structs import RATES_DTYPE
from tests.simulator_market.conftest import MONDAY, SATURDAY

Factory = Callable[..., PriceEngine]
INTRADAY = [
    c.TIMEFRAME_M1, c.TIMEFRAME_M2, c.TIMEFRAME_M3, c.TIMEFRAME_M4, c.TIMEFRAME_M5, c.TIMEFRAME_M6,
    c.TIMEFRAME_M10, c.TIMEFRAME_M12, c.TIMEFRAME_M15, c.TIMEFRAME_M20, c.TIMEFRAME_M30, c.TIMEFRAME_H1,
    c.TIMEFRAME_H2, c.TIMEFRAME_H3, c.TIMEFRAME_H4, c.TIMEFRAME_H6, c.TIMEFRAME_H8, c.TIMEFRAME_H12,
    c.TIMEFRAME_D1,
]  # fmt: skip
SECONDS = dict(zip(INTRADAY, [60 * m for m in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)]
                   + [3600 * h for h in (1, 2, 3, 4, 6, 8, 12, 24)], strict=True))  # fmt: skip


def _utc(t: int) -> datetime:
    return datetime.fromtimestamp(int(t), UTC)


def test_lazy_history_lengths(make_engine: Factory) -> None:
    engine = make_engine()
    h1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 100_000)
    d1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_D1, 0, 1000)
    assert len(h1) >= 1000
    assert len(d1) == 1000
    assert h1.dtype == RATES_DTYPE and d1.dtype == RATES_DTYPE
    assert len(engine.rates_from_pos("EURUSD", c.TIMEFRAME_W1, 0, 10_000)) >= 200
    assert len(engine.rates_from_pos("EURUSD", c.TIMEFRAME_MN1, 0, 10_000)) >= 48
    m1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 10**7)
    assert m1["time"][0] <= MONDAY - 60 * 86_400


def test_history_ends_at_the_live_start_price(make_engine: Factory) -> None:
    engine = make_engine()
    for name in ("EURUSD", "XAUUSD", "BTCUSD"):
        _, bid, _ = engine.tick(name)
        m1 = engine.rates_from(name, c.TIMEFRAME_M1, MONDAY - 60, 1)
        assert m1["close"][0] == bid
        current = engine.rates_from_pos(name, c.TIMEFRAME_M1, 0, 1)
        assert current["time"][0] == MONDAY and current["open"][0] == bid


def test_backfill_joins_the_m1_history(make_engine: Factory) -> None:
    engine = make_engine()
    m1 = engine.rates_from_pos("XAUUSD", c.TIMEFRAME_M1, 0, 10**7)
    d1 = engine.rates_from_pos("XAUUSD", c.TIMEFRAME_D1, 0, 10**4)
    first_day = m1["time"][0] - m1["time"][0] % 86_400
    i = int(np.searchsorted(d1["time"], first_day))
    assert d1["close"][i - 1] == m1["open"][0]
    assert d1["time"][i] == first_day and d1["open"][i] == m1["open"][0]


def test_no_bars_while_closed(make_engine: Factory) -> None:
    engine = make_engine()
    for name in ("EURUSD", "XAUUSD", "HK50"):
        m1 = engine.rates_from_pos(name, c.TIMEFRAME_M1, 0, 10**7)
        assert is_open_many(get_spec(name).session, m1["time"]).all()
        d1 = engine.rates_from_pos(name, c.TIMEFRAME_D1, 0, 1000)
        assert all(_utc(t).weekday() < 5 for t in d1["time"])
    crypto = engine.rates_from_pos("BTCUSD", c.TIMEFRAME_D1, 0, 14)
    assert {_utc(t).weekday() for t in crypto["time"]} == set(range(7))


@pytest.mark.parametrize("timeframe", INTRADAY)
def test_bar_times_align_and_ascend(make_engine: Factory, timeframe: int) -> None:
    rates = make_engine(("EURUSD",)).rates_from_pos("EURUSD", timeframe, 0, 5000)
    assert len(rates) > 0
    assert (rates["time"] % SECONDS[timeframe] == 0).all()
    assert (np.diff(rates["time"]) > 0).all()
    assert (rates["high"] >= np.maximum(rates["open"], rates["close"])).all()
    assert (rates["low"] <= np.minimum(rates["open"], rates["close"])).all()
    assert (rates["low"] > 0).all() and (rates["tick_volume"] > 0).all()
    assert (rates["real_volume"] == 0).all()


def test_weekly_bars_open_sunday_and_monthly_on_the_first(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD",))
    w1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_W1, 0, 300)
    mn1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_MN1, 0, 60)
    assert all(_utc(t).weekday() == 6 and t % 86_400 == 0 for t in w1["time"])
    assert all(_utc(t).day == 1 and t % 86_400 == 0 for t in mn1["time"])
    d1 = engine.rates_from_pos("EURUSD", c.TIMEFRAME_D1, 0, 10_000)
    last_week = d1[d1["time"] >= w1["time"][-1]]
    assert w1["open"][-1] == last_week["open"][0] and w1["close"][-1] == last_week["close"][-1]
    assert (
        w1["high"][-1] == last_week["high"].max() and w1["tick_volume"][-1] == last_week["tick_volume"].sum()
    )


def _check_aggregate(fine: np.ndarray, coarse: np.ndarray, seconds: int) -> None:
    keys = fine["time"] - fine["time"] % seconds
    assert np.array_equal(np.unique(keys), coarse["time"])
    for bar in coarse:
        part = fine[keys == bar["time"]]
        assert bar["open"] == part["open"][0] and bar["close"] == part["close"][-1]
        assert bar["high"] == part["high"].max() and bar["low"] == part["low"].min()
        assert bar["tick_volume"] == part["tick_volume"].sum() and bar["spread"] == part["spread"].min()


def test_h1_aggregates_m1_and_d1_aggregates_h1(make_engine: Factory) -> None:
    engine = make_engine(("XAUUSD",))
    day0 = MONDAY - MONDAY % 86_400 - 10 * 86_400
    m1 = engine.rates_range("XAUUSD", c.TIMEFRAME_M1, day0, MONDAY)
    h1 = engine.rates_range("XAUUSD", c.TIMEFRAME_H1, day0, MONDAY - 3600)
    d1 = engine.rates_range("XAUUSD", c.TIMEFRAME_D1, day0, MONDAY - 86_400)
    assert len(d1) == 6  # ten calendar days, four of them weekend days
    _check_aggregate(m1[m1["time"] < MONDAY - MONDAY % 3600], h1, 3600)
    _check_aggregate(h1[h1["time"] < MONDAY - MONDAY % 86_400], d1, 86_400)


def test_history_volatility_is_realistic(make_engine: Factory) -> None:
    engine = make_engine(("EURUSD", "BTCUSD"))
    for name in ("EURUSD", "BTCUSD"):
        d1 = engine.rates_from_pos(name, c.TIMEFRAME_D1, 0, 1000)
        realised = np.diff(np.log(d1["close"])).std()
        assert 0.6 < realised / get_spec(name).daily_vol < 1.6
        assert d1["low"].min() > get_spec(name).base_price / 4


def test_market_closed_at_start_quotes_friday_close() -> None:
    engine = PriceEngine([get_spec("EURUSD"), get_spec("BTCUSD")], seed=3, start=SATURDAY)
    time_msc, bid, ask = engine.tick("EURUSD")
    friday_last_minute = SATURDAY - 12 * 3600 - 86_400 + 23 * 3600 + 54 * 60
    assert time_msc == friday_last_minute * 1000 + 59_000
    last_bar = engine.rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 1)
    assert last_bar["time"][0] == friday_last_minute and last_bar["close"][0] == bid
    assert engine.price_at("EURUSD", SATURDAY * 1000) == (bid, ask)
    assert engine.tick("BTCUSD")[0] == SATURDAY * 1000


def test_history_does_not_depend_on_request_order() -> None:
    specs = [get_spec(n) for n in ("EURUSD", "XAUUSD")]
    a = PriceEngine(specs, seed=11, start=MONDAY)
    b = PriceEngine(specs[::-1], seed=11, start=MONDAY)
    a.rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 10)
    first = a.rates_from_pos("XAUUSD", c.TIMEFRAME_M5, 0, 3000)
    second = b.rates_from_pos("XAUUSD", c.TIMEFRAME_M5, 0, 3000)
    assert np.array_equal(first, second)
    assert a.tick("EURUSD") == b.tick("EURUSD")
    other = PriceEngine(specs, seed=12, start=MONDAY)
    assert not np.array_equal(first, other.rates_from_pos("XAUUSD", c.TIMEFRAME_M5, 0, 3000))


@pytest.mark.parametrize("name", [s.name for s in CATALOGUE])
def test_every_symbol_has_1000_h1_and_d1_bars(name: str) -> None:
    engine = PriceEngine(CATALOGUE, seed=2, start=MONDAY)
    assert len(engine.rates_from_pos(name, c.TIMEFRAME_H1, 0, 1000)) == 1000
    assert len(engine.rates_from_pos(name, c.TIMEFRAME_D1, 0, 1000)) == 1000


@pytest.mark.parametrize("tf", [c.TIMEFRAME_M1, c.TIMEFRAME_M15, c.TIMEFRAME_H1, c.TIMEFRAME_H4])
def test_the_last_bars_by_position_equal_the_same_bars_by_range(make_engine: Factory, tf: int) -> None:
    """`rates_from_pos` joins the closed days once and reuses them (barstore `_days_before`); the range
    read walks the days itself: both must give the same bars, before and after the clock moves and for
    counts under and over what was joined before."""
    engine = make_engine(always_open=True)
    for step in (0, 3600 * 5, 86400):  # same day, later that day, the next day
        engine.advance_to((engine.now + step) * 1000)
        every = engine.rates_range("EURUSD", tf, 0, engine.now)
        for count in (1, 30, 1000, 1200, 6000):
            by_pos = engine.rates_from_pos("EURUSD", tf, 0, count)
            assert len(by_pos) == min(count, len(every))
            np.testing.assert_array_equal(by_pos, every[-len(by_pos) :])
            assert by_pos["time"][-1] <= engine.now and np.all(np.diff(by_pos["time"]) > 0)
