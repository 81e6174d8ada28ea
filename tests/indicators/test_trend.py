"""Bollinger Bands, ATR and Ichimoku against values worked out by hand from the MQL5 sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mt5bridge.trading.indicators import (
    ATRParams,
    BandsParams,
    IchimokuParams,
    IndicatorName,
    IndicatorParams,
    IndicatorRequest,
    compute,
)
from tests.indicators.builders import make_rates


def run(
    name: IndicatorName, params: IndicatorParams, rates: np.ndarray, count: int | None = None
) -> dict[str, list[float | None]]:
    request = IndicatorRequest(name=name, params=params)
    return compute(rates, request, count or len(rates)).values


def test_bands_use_population_standard_deviation() -> None:
    # window 2,3,5: mean 10/3, squared deviations 16/9+1/9+25/9 = 42/9, /3 (not /2) -> std sqrt(14)/3
    rates = make_rates([1.0, 2.0, 3.0, 5.0])
    got = run(IndicatorName.BANDS, BandsParams(period=3, deviation=2.0), rates)
    std = math.sqrt(14) / 3
    assert got["middle"] == pytest.approx([None, None, None, 10 / 3])
    assert got["upper"] == pytest.approx([None, None, None, 10 / 3 + 2 * std])
    assert got["lower"] == pytest.approx([None, None, None, 10 / 3 - 2 * std])


def test_bands_shift_moves_all_three_lines() -> None:
    rates = make_rates([1.0, 2.0, 3.0, 5.0, 4.0])
    got = run(IndicatorName.BANDS, BandsParams(period=3, shift=1), rates)
    assert got["middle"] == pytest.approx([None, None, None, None, 10 / 3])
    assert got["upper"][4] == pytest.approx(10 / 3 + 2 * math.sqrt(14) / 3)


# bar: high, low, close -> true range from bar 1
ATR_HIGH = [10.0, 11.0, 12.0, 11.5, 13.0]
ATR_LOW = [8.0, 9.0, 10.5, 10.0, 12.0]
ATR_CLOSE = [9.0, 10.0, 11.0, 10.0, 12.5]
# TR: bar1 max(11,9)-min(9,9)=2; bar2 max(12,10)-min(10.5,10)=2; bar3 max(11.5,11)-min(10,11)=1.5;
# bar4 (gap up) max(13,10)-min(12,10)=3


def test_atr_is_a_simple_average_of_true_range() -> None:
    rates = make_rates(ATR_CLOSE, ATR_HIGH, ATR_LOW)
    got = run(IndicatorName.ATR, ATRParams(period=3), rates)["main"]
    # SMA: (2+2+1.5)/3 then (2+1.5+3)/3; Wilder would give ((5.5/3)*2+3)/3 = 20/9 at bar 4
    assert got == pytest.approx([None, None, None, 5.5 / 3, 6.5 / 3])
    assert got[4] != pytest.approx(20 / 9)


def test_atr_period_one_is_the_true_range() -> None:
    rates = make_rates(ATR_CLOSE, ATR_HIGH, ATR_LOW)
    assert run(IndicatorName.ATR, ATRParams(period=1), rates)["main"] == [None, 2.0, 2.0, 1.5, 3.0]


ICHI_HIGH = [10.0, 11.0, 12.0, 11.0, 10.0, 13.0, 14.0, 13.0]
ICHI_LOW = [8.0, 9.0, 10.0, 9.0, 7.0, 9.0, 12.0, 11.0]
ICHI_CLOSE = [9.0, 10.0, 11.0, 10.0, 8.0, 12.0, 13.0, 12.0]


def test_ichimoku_lines_and_mt5_shifts() -> None:
    rates = make_rates(ICHI_CLOSE, ICHI_HIGH, ICHI_LOW)
    got = run(IndicatorName.ICHIMOKU, IchimokuParams(tenkan=2, kijun=3, senkou_b=4), rates)
    # midpoints of highest high and lowest low over 2, 3 and 4 bars
    assert got["tenkan"] == [None, 9.5, 10.5, 10.5, 9.0, 10.0, 11.5, 12.5]
    assert got["kijun"] == [None, None, 10.0, 10.5, 9.5, 10.0, 10.5, 11.5]
    # span A computed 10.25, 10.5, 9.25 ... at bars 2, 3, 4, drawn kijun=3 bars later
    assert got["senkou_a"] == [None, None, None, None, None, 10.25, 10.5, 9.25]
    # span B computed 10, 9.5 at bars 3, 4, drawn at bars 6, 7
    assert got["senkou_b"] == [None, None, None, None, None, None, 10.0, 9.5]
    # chikou at bar i is the close of bar i+3; none on the last 3 bars
    assert got["chikou"] == [10.0, 8.0, 12.0, 13.0, 12.0, None, None, None]


def test_ichimoku_last_count_bars() -> None:
    rates = make_rates(ICHI_CLOSE, ICHI_HIGH, ICHI_LOW)
    got = run(IndicatorName.ICHIMOKU, IchimokuParams(tenkan=2, kijun=3, senkou_b=4), rates, count=2)
    assert got["senkou_b"] == [10.0, 9.5]
    assert got["chikou"] == [None, None]
