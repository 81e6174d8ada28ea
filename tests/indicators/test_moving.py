"""Moving averages against values worked out by hand from MT5's formulas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mt5bridge.trading.indicators import (
    AppliedPrice,
    IndicatorName,
    IndicatorRequest,
    MAMethod,
    MAParams,
    compute,
)
from tests.indicators.builders import make_rates

CLOSES = [1.0, 2.0, 3.0, 4.0, 5.0]


def ma_values(rates: np.ndarray, **params: Any) -> list[float | None]:
    request = IndicatorRequest(name=IndicatorName.MA, params=MAParams(**params))
    return compute(rates, request, len(rates)).values["main"]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (MAMethod.SMA, [None, None, 2.0, 3.0, 4.0]),
        # alpha = 2/(3+1) = 0.5, seeded with the first price: 1, 1.5, 2.25, 3.125, 4.0625
        (MAMethod.EMA, [None, None, 2.25, 3.125, 4.0625]),
        # SMA(1,2,3)=2, then (2*2+4)/3 = 8/3, then (8/3*2+5)/3 = 31/9
        (MAMethod.SMMA, [None, None, 2.0, 8 / 3, 31 / 9]),
        # weights 1,2,3 over 6: (1+4+9)/6, (2+6+12)/6, (3+8+15)/6
        (MAMethod.LWMA, [None, None, 14 / 6, 20 / 6, 26 / 6]),
    ],
)
def test_each_method_period_3(method: MAMethod, expected: list[float | None]) -> None:
    assert ma_values(make_rates(CLOSES), period=3, method=method) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("method", list(MAMethod))
def test_period_one_is_the_price_itself(method: MAMethod) -> None:
    assert ma_values(make_rates(CLOSES), period=1, method=method) == pytest.approx(CLOSES)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (AppliedPrice.CLOSE, 3.5),
        (AppliedPrice.OPEN, 2.5),
        (AppliedPrice.HIGH, 4.0),
        (AppliedPrice.LOW, 2.0),
        (AppliedPrice.MEDIAN, 3.0),  # (4+2)/2
        (AppliedPrice.TYPICAL, 9.5 / 3),  # (4+2+3.5)/3
        (AppliedPrice.WEIGHTED, 3.25),  # (4+2+2*3.5)/4
    ],
)
def test_applied_prices(price: AppliedPrice, expected: float) -> None:
    rates = make_rates([3.5], high=[4.0], low=[2.0], open_=[2.5])
    assert ma_values(rates, period=1, applied_price=price) == pytest.approx([expected])


def test_positive_shift_draws_the_line_later() -> None:
    rates = make_rates([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # unshifted SMA(3): -, -, 2, 3, 4, 5; the value of bar i-2 is shown at bar i
    assert ma_values(rates, period=3, shift=2) == [None, None, None, None, 2.0, 3.0]


def test_negative_shift_draws_the_line_earlier() -> None:
    rates = make_rates([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert ma_values(rates, period=3, shift=-1) == [None, 2.0, 3.0, 4.0, 5.0, None]


def test_times_are_the_bar_open_times_of_the_last_count_bars() -> None:
    rates = make_rates(CLOSES)
    request = IndicatorRequest(name=IndicatorName.MA, params=MAParams(period=2))
    result = compute(rates, request, 2)
    assert result.times == [int(t) for t in rates["time"][-2:]]
    assert result.values["main"] == [3.5, 4.5]
