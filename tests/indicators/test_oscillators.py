"""RSI, MACD, Stochastic and CCI against values worked out by hand from the MQL5 sources."""

from __future__ import annotations

import numpy as np
import pytest

from mt5bridge.trading.indicators import (
    AppliedPrice,
    CCIParams,
    IndicatorName,
    IndicatorParams,
    IndicatorRequest,
    MACDParams,
    MAMethod,
    PriceField,
    RSIParams,
    StochasticParams,
    compute,
)
from tests.indicators.builders import make_rates


def run(name: IndicatorName, params: IndicatorParams, rates: np.ndarray) -> dict[str, list[float | None]]:
    return compute(rates, IndicatorRequest(name=name, params=params), len(rates)).values


def test_rsi_first_value_is_plain_average_then_wilder() -> None:
    # diffs +1, -0.5, +1, 0; first at bar 2: pos=(1+0)/2, neg=(0+0.5)/2 -> RS 2 -> 100-100/3
    # bar 3: pos=(0.5+1)/2=0.75, neg=(0.25+0)/2=0.125 -> RS 6 -> 100-100/7; bar 4: 0.375/0.0625 -> RS 6
    rates = make_rates([1.0, 2.0, 1.5, 2.5, 2.5])
    got = run(IndicatorName.RSI, RSIParams(period=2), rates)["main"]
    assert got == pytest.approx([None, None, 200 / 3, 600 / 7, 600 / 7])


def test_rsi_flat_prices_are_50_and_rising_prices_100() -> None:
    assert run(IndicatorName.RSI, RSIParams(period=3), make_rates([2.0] * 6))["main"][3:] == [50.0] * 3
    rising = make_rates([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert run(IndicatorName.RSI, RSIParams(period=3), rising)["main"][3:] == [100.0] * 3


def test_rsi_period_one() -> None:
    got = run(IndicatorName.RSI, RSIParams(period=1), make_rates([1.0, 2.0, 1.5]))["main"]
    assert got == [None, 100.0, 0.0]


def test_macd_signal_is_an_sma_of_the_macd_line() -> None:
    # fast EMA(2), alpha 2/3: 1, 5/3, 23/9, 95/27;  slow EMA(3), alpha 1/2: 1, 1.5, 2.25, 3.125
    # main: 0, 1/6, 11/36, 85/216 (shown from bar slow-1 = 2); signal SMA(2) of main at bar 3
    rates = make_rates([1.0, 2.0, 3.0, 4.0])
    got = run(IndicatorName.MACD, MACDParams(fast_ema=2, slow_ema=3, signal_period=2), rates)
    assert got["main"] == pytest.approx([None, None, 11 / 36, 85 / 216])
    assert got["signal"] == pytest.approx([None, None, None, (11 / 36 + 85 / 216) / 2])


# high, low, close of 7 bars; k=2, d=2, slowing=2
STOCH_HIGH = [10.0, 11.0, 12.0, 11.0, 10.0, 12.0, 13.0]
STOCH_LOW = [8.0, 9.0, 10.0, 9.0, 8.0, 9.0, 11.0]
STOCH_CLOSE = [9.0, 10.0, 11.0, 9.5, 8.5, 11.0, 12.0]


def stoch_rates() -> np.ndarray:
    return make_rates(STOCH_CLOSE, STOCH_HIGH, STOCH_LOW)


def test_stochastic_slowing_is_a_ratio_of_sums() -> None:
    # HH(2): -,11,12,12,11,12,13  LL(2): -,8,9,9,8,8,9  C-LL: -,2,2,.5,.5,3,3  HH-LL: -,3,3,3,3,4,4
    # main from bar 2: 4/6, 2.5/6, 1/6, 3.5/7, 6/8 (x100) -- not the mean of the two raw %K values
    got = run(IndicatorName.STOCHASTIC, StochasticParams(k_period=2, d_period=2, slowing=2), stoch_rates())
    main = [None, None, 400 / 6, 250 / 6, 100 / 6, 50.0, 75.0]
    assert got["main"] == pytest.approx(main)
    assert got["signal"] == pytest.approx([None, None, None, 325 / 6, 175 / 6, 100 / 3, 62.5])


def test_stochastic_ema_signal_is_seeded_at_the_first_main_value() -> None:
    # EMA(2), alpha 2/3, seeded with main[2] = 200/3: bar 3 = 125/3*2/3 + 200/3/3 = 50
    params = StochasticParams(k_period=2, d_period=2, slowing=2, method=MAMethod.EMA)
    assert run(IndicatorName.STOCHASTIC, params, stoch_rates())["signal"][3] == pytest.approx(50.0)


def test_stochastic_close_close_uses_closes_for_the_extremes() -> None:
    # HH/LL of closes (k=2): bar1 10/9, bar2 11/10, bar3 11/9.5 -> main2=(1+1)/(1+1), main3=(1+0)/(1+1.5)
    params = StochasticParams(k_period=2, d_period=2, slowing=2, price_field=PriceField.CLOSECLOSE)
    assert run(IndicatorName.STOCHASTIC, params, stoch_rates())["main"][2:4] == pytest.approx([100.0, 40.0])


def test_stochastic_flat_range_is_100() -> None:
    params = StochasticParams(k_period=2, d_period=1, slowing=1)
    got = run(IndicatorName.STOCHASTIC, params, make_rates([5.0] * 6))
    assert got["main"][1:] == [100.0] * 5
    assert got["signal"][1:] == [100.0] * 5


def test_cci_uses_0015_and_mean_deviation() -> None:
    # last window 1, 2, 2.5: SMA 11/6; mean |dev| sum 10/6; D = 10/6*0.015/3; M = 2.5-11/6 = 2/3 -> 80
    # bar 2 window 3, 1, 2: M = 0 -> 0
    rates = make_rates([3.0, 1.0, 2.0, 2.5])
    got = run(IndicatorName.CCI, CCIParams(period=3), rates)["main"]
    assert got == pytest.approx([None, None, 0.0, 80.0])


def test_cci_defaults_to_typical_price() -> None:
    # bar 3: high 4, low 2.5, close 2.5 -> typical 3. Typical window 1,2,3: SMA 2, |dev| sum 2,
    # D = 2*0.015/3 = 0.01, M = 1 -> 100. Close window 1,2,2.5 gives 80 (see above).
    rates = make_rates([3.0, 1.0, 2.0, 2.5], high=[3.0, 1.0, 2.0, 4.0])
    typical = run(IndicatorName.CCI, CCIParams(period=3), rates)["main"][3]
    close = run(IndicatorName.CCI, CCIParams(period=3, applied_price=AppliedPrice.CLOSE), rates)["main"][3]
    assert typical == pytest.approx(100.0)
    assert close == pytest.approx(80.0)


def test_cci_flat_prices_are_zero() -> None:
    assert run(IndicatorName.CCI, CCIParams(period=3), make_rates([1.5] * 5))["main"][2:] == [0.0] * 3
