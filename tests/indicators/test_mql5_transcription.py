"""Cross-check: the vectorised engine against bar-by-bar transcriptions of MetaQuotes' MQL5 loops.

The transcriptions keep MQL5's running sums (Custom Moving Average.mq5, ATR.mq5, SimpleMAOnBuffer),
so they also show those drift by far less than 1e-9 from the engine's per-window sums.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from mt5bridge.trading.indicators import IndicatorRequest, compute
from tests.indicators.builders import random_walk

N = 400
RATES = random_walk(N, seed=11)
HIGH = RATES["high"].tolist()
LOW = RATES["low"].tolist()
CLOSE = RATES["close"].tolist()


def engine(name: str, query: dict[str, str], line: str = "main") -> list[float | None]:
    return compute(RATES, IndicatorRequest.from_query(name, query), N).values[line]


def assert_matches(ours: list[float | None], mql: list[float], first: int) -> None:
    assert all(v is None for v in ours[:first])
    for i in range(first, N):
        assert ours[i] == pytest.approx(mql[i], abs=1e-9, rel=1e-12), i


def mql_sma_running(price: list[float], period: int) -> list[float]:
    buf = [0.0] * N
    buf[period - 1] = sum(price[:period]) / period
    for i in range(period, N):
        buf[i] = buf[i - 1] + (price[i] - price[i - period]) / period
    return buf


def mql_ema(price: list[float], period: int) -> list[float]:
    k = 2.0 / (1.0 + period)
    buf = [price[0]] + [0.0] * (N - 1)
    for i in range(1, N):
        buf[i] = price[i] * k + buf[i - 1] * (1.0 - k)
    return buf


def mql_smma(price: list[float], period: int) -> list[float]:
    buf = [0.0] * N
    buf[period - 1] = sum(price[:period]) / period
    for i in range(period, N):
        buf[i] = (buf[i - 1] * (period - 1) + price[i]) / period
    return buf


def mql_lwma_running(price: list[float], period: int) -> list[float]:
    buf = [0.0] * N
    total = lsum = 0.0
    weight = 0
    for i, w in zip(range(period), range(1, period + 1), strict=True):
        total += price[i] * w
        lsum += price[i]
        weight += w
    buf[period - 1] = total / weight
    for i in range(period, N):
        total = total - lsum + price[i] * period
        lsum = lsum - price[i - period] + price[i]
        buf[i] = total / weight
    return buf


@pytest.mark.parametrize(
    ("method", "ref"),
    [("sma", mql_sma_running), ("ema", mql_ema), ("smma", mql_smma), ("lwma", mql_lwma_running)],
)
def test_ma(method: str, ref: Callable[[list[float], int], list[float]]) -> None:
    assert_matches(engine("MA", {"period": "13", "method": method}), ref(CLOSE, 13), 12)


def test_rsi() -> None:
    p = 14
    pos = [0.0] * N
    neg = [0.0] * N
    rsi = [0.0] * N
    diffs = [CLOSE[i] - CLOSE[i - 1] for i in range(1, p + 1)]
    pos[p] = sum(d for d in diffs if d > 0) / p
    neg[p] = sum(-d for d in diffs if d < 0) / p
    for i in range(p + 1, N):
        d = CLOSE[i] - CLOSE[i - 1]
        pos[i] = (pos[i - 1] * (p - 1) + max(d, 0.0)) / p
        neg[i] = (neg[i - 1] * (p - 1) + max(-d, 0.0)) / p
    for i in range(p, N):
        rsi[i] = 100.0 - 100.0 / (1 + pos[i] / neg[i])
    assert_matches(engine("RSI", {}), rsi, p)


def test_macd_signal_is_simple_ma_on_buffer() -> None:
    main = [f - s for f, s in zip(mql_ema(CLOSE, 12), mql_ema(CLOSE, 26), strict=True)]
    signal = mql_sma_running(main, 9)
    assert_matches(engine("MACD", {}, "main"), main, 25)
    assert_matches(engine("MACD", {}, "signal"), signal, 33)


def test_atr_running_sum() -> None:
    p = 14
    tr = [0.0] + [max(HIGH[i], CLOSE[i - 1]) - min(LOW[i], CLOSE[i - 1]) for i in range(1, N)]
    atr = [0.0] * N
    atr[p] = sum(tr[1 : p + 1]) / p
    for i in range(p + 1, N):
        atr[i] = atr[i - 1] + (tr[i] - tr[i - p]) / p
    assert_matches(engine("ATR", {}), atr, p)


def test_stochastic() -> None:
    k, d, s = 5, 3, 3
    hh = [max(HIGH[max(i - k + 1, 0) : i + 1]) for i in range(N)]
    ll = [min(LOW[max(i - k + 1, 0) : i + 1]) for i in range(N)]
    main = [0.0] * N
    for i in range(k - 1 + s - 1, N):
        num = sum(CLOSE[j] - ll[j] for j in range(i - s + 1, i + 1))
        den = sum(hh[j] - ll[j] for j in range(i - s + 1, i + 1))
        main[i] = 100.0 if den == 0.0 else num / den * 100
    signal = [sum(main[i - j] for j in range(d)) / d if i >= d - 1 else 0.0 for i in range(N)]
    assert_matches(engine("stoch", {}, "main"), main, k + s - 2)
    assert_matches(engine("stoch", {}, "signal"), signal, k + s - 2 + d - 1)


def test_bands() -> None:
    p, dev = 20, 2.0
    ml = [sum(CLOSE[i - j] for j in range(p)) / p if i >= p - 1 else 0.0 for i in range(N)]
    std = [
        math.sqrt(sum((CLOSE[i - j] - ml[i]) ** 2 for j in range(p)) / p) if i >= p else 0.0 for i in range(N)
    ]
    assert_matches(engine("BB", {}, "middle"), ml, p)
    assert_matches(engine("BB", {}, "upper"), [m + dev * sd for m, sd in zip(ml, std, strict=True)], p)
    assert_matches(engine("BB", {}, "lower"), [m - dev * sd for m, sd in zip(ml, std, strict=True)], p)


def test_cci() -> None:
    p = 14
    tp = [(h + lo + c) / 3.0 for h, lo, c in zip(HIGH, LOW, CLOSE, strict=True)]
    cci = [0.0] * N
    for i in range(p - 1, N):
        sp = sum(tp[i - j] for j in range(p)) / p
        dd = sum(abs(tp[i - j] - sp) for j in range(p)) * (0.015 / p)
        cci[i] = (tp[i] - sp) / dd if dd != 0.0 else 0.0
    assert_matches(engine("CCI", {}), cci, p - 1)
