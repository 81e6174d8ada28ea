"""compute/bars_needed: warm-up against a longer history, bar counts, output hygiene, speed."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from mt5bridge.trading.indicators import (
    IndicatorName,
    IndicatorRequest,
    IndicatorResult,
    InvalidParameterError,
    MAParams,
    NotEnoughBarsError,
    bars_needed,
    compute,
)
from tests.indicators.builders import make_rates, random_walk

QUERIES = [
    ("MA", {}),
    ("EMA", {"period": "50"}),
    ("SMMA", {"period": "30"}),
    ("LWMA", {"period": "20", "shift": "3"}),
    ("RSI", {}),
    ("MACD", {}),
    ("BB", {}),
    ("stoch", {}),
    ("stoch", {"ma_method": "smma", "price_field": "closeclose"}),
    ("ATR", {}),
    ("Ichimoku", {}),
    ("CCI", {}),
]


def _max_diff(a: list[float | None], b: list[float | None]) -> float:
    assert [x is None for x in a] == [y is None for y in b]
    return max(
        (abs(x - y) for x, y in zip(a, b, strict=True) if x is not None and y is not None), default=0.0
    )


@pytest.mark.parametrize(("name", "query"), QUERIES)
def test_bars_needed_reproduces_values_of_a_much_longer_history(name: str, query: dict[str, str]) -> None:
    # The terminal computes from the start of its history; we compute from bars_needed bars back.
    history = random_walk(6000)
    request = IndicatorRequest.from_query(name, query)
    count = 300
    needed = bars_needed(request, count)
    assert needed < len(history)
    full = compute(history, request, count)
    fetched = compute(history[-needed:], request, count)
    assert full.times == fetched.times
    for line in request.outputs:
        scale = max(abs(v) for v in full.values[line] if v is not None)
        # 1e-9 of the line's scale: prices near 1.1 within ~1e-9, oscillators (0..100) within ~1e-7
        assert _max_diff(full.values[line], fetched.values[line]) < 1e-9 * max(scale, 1.0), line


def test_ema_warm_up_holds_for_large_prices() -> None:
    history = random_walk(8000, start=60_000.0, step=150.0)
    request = IndicatorRequest.from_query("EMA", {"period": "200"})
    needed = bars_needed(request, 100)
    full = compute(history, request, 100).values["main"]
    fetched = compute(history[-needed:], request, 100).values["main"]
    assert _max_diff(full, fetched) < 1e-6


def test_too_short_a_warm_up_would_be_visible() -> None:
    # Guards the test above: with a tenth of the warm-up the EMA is measurably off.
    history = random_walk(6000)
    request = IndicatorRequest.from_query("EMA", {"period": "50"})
    short = bars_needed(request, 100) // 10 + 100
    full = compute(history, request, 100).values["main"]
    fetched = compute(history[-short:], request, 100).values["main"]
    assert _max_diff(full, fetched) > 1e-6


def test_bars_needed_values() -> None:
    def needed(name: str, **query: str) -> int:
        return bars_needed(IndicatorRequest.from_query(name, query), 100)

    assert needed("MA", period="10") == 109
    assert needed("ATR") == 114
    assert needed("EMA", period="20") == 100 + 231  # ln(1e-10)/ln(1-2/21) = 230.07
    assert needed("RSI") == 100 + 14 + 311  # ln(1e-10)/ln(13/14) = 310.7
    assert needed("Ichimoku") == 100 + 51 + 26


def test_count_above_the_bars_given_returns_every_bar() -> None:
    rates = make_rates([1.0, 2.0, 3.0])
    request = IndicatorRequest(name=IndicatorName.MA, params=MAParams(period=2))
    result = compute(rates, request, 500)
    assert result.times == [int(t) for t in rates["time"]]
    assert result.values["main"] == [None, 1.5, 2.5]


def test_fewer_bars_than_one_value_needs_is_refused() -> None:
    request = IndicatorRequest.from_query("RSI", {"period": "14"})
    with pytest.raises(NotEnoughBarsError, match="at least 15 bars, got 14"):
        compute(random_walk(14), request, 10)


@pytest.mark.parametrize("count", [0, -1, 10**9])
def test_count_out_of_range_is_refused(count: int) -> None:
    request = IndicatorRequest.from_query("MA", {})
    with pytest.raises(InvalidParameterError, match="count"):
        bars_needed(request, count)
    with pytest.raises(InvalidParameterError, match="count"):
        compute(random_walk(50), request, count)


def test_unsorted_bars_are_refused() -> None:
    rates = random_walk(30)[::-1].copy()
    with pytest.raises(InvalidParameterError, match="oldest first"):
        compute(rates, IndicatorRequest.from_query("MA", {}), 10)


@pytest.mark.parametrize(("name", "query"), QUERIES)
def test_output_is_json_clean(name: str, query: dict[str, str]) -> None:
    request = IndicatorRequest.from_query(name, query)
    result = compute(random_walk(1500), request, 1000)
    assert set(result.values) == set(request.outputs)
    for line in result.values.values():
        assert len(line) == 1000
        assert all(v is None or (isinstance(v, float) and math.isfinite(v)) for v in line)
    assert "NaN" not in result.model_dump_json()


@pytest.mark.parametrize(("name", "query"), QUERIES)
def test_thousand_bars_take_a_few_milliseconds(name: str, query: dict[str, str]) -> None:
    request = IndicatorRequest.from_query(name, query)
    rates = random_walk(bars_needed(request, 1000))
    compute(rates, request, 1000)
    start = time.perf_counter()
    for _ in range(5):
        compute(rates, request, 1000)
    assert (time.perf_counter() - start) / 5 < 0.2  # regression guard; real timing in docs


def test_constant_prices_give_mt5_defined_values() -> None:
    rates = make_rates([2.0] * 60)
    for name, line, expected in [("RSI", "main", 50.0), ("CCI", "main", 0.0), ("stoch", "main", 100.0)]:
        values = compute(rates, IndicatorRequest.from_query(name, {}), 10).values[line]
        assert values == [expected] * 10, name
    bands = compute(rates, IndicatorRequest.from_query("BB", {}), 10).values
    assert bands["upper"] == bands["lower"] == [2.0] * 10
    assert not np.isnan(np.array(bands["middle"], dtype=float)).any()


@pytest.mark.parametrize("name", ["ATR", "RSI", "CCI", "MA"])
def test_result_round_trips_through_json(name: str) -> None:
    # ATR's {"period": 14} would also fit other models: the name must pick the params model.
    result = compute(random_walk(100), IndicatorRequest.from_query(name, {}), 5)
    again = IndicatorResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert type(again.params) is type(result.params)
