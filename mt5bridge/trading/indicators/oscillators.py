"""RSI, MACD, Stochastic and CCI as MetaQuotes' RSI.mq5, MACD.mq5, Stochastic.mq5 and CCI.mq5 compute them."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mt5bridge.trading.indicators.models import MAMethod, PriceField
from mt5bridge.trading.indicators.moving import (
    Buffers,
    FloatArray,
    applied_price,
    convergence_bars,
    ema,
    moving_average,
    sequential_sum,
    sma,
    stable_offset,
    window_sum,
)
from mt5bridge.trading.indicators.params import CCIParams, MACDParams, RSIParams, StochasticParams


def _wilder(first: float, moves: list[float], period: int) -> list[float]:
    """Wilder's smoothing after a seed: (prev*(period-1)+move)/period."""
    prev = first
    values = [prev]
    for move in moves:
        prev = (prev * (period - 1) + move) / period
        values.append(prev)
    return values


def _rsi_from_averages(pos: FloatArray, neg: FloatArray) -> FloatArray:
    """100-100/(1+pos/neg); 100 when only gains, 50 when neither (flat prices), as RSI.mq5."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + pos / neg)
    rsi = np.where(neg != 0.0, rsi, np.where(pos != 0.0, 100.0, 50.0))
    return np.where(np.isnan(pos) | np.isnan(neg), np.nan, rsi)


def compute_rsi(rates: np.ndarray, params: RSIParams) -> Buffers:
    """iRSI: first value at bar `period` from plain averages of gains/losses, then Wilder smoothing."""
    x = applied_price(rates, params.applied_price)
    period = params.period
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] <= period:
        return {"main": out}
    diff = np.diff(x)
    gains = np.where(diff > 0.0, diff, 0.0)
    losses = np.where(diff < 0.0, -diff, 0.0)
    pos = _wilder(sequential_sum(gains[:period]) / period, gains[period:].tolist(), period)
    neg = _wilder(sequential_sum(losses[:period]) / period, losses[period:].tolist(), period)
    out[period:] = _rsi_from_averages(np.asarray(pos), np.asarray(neg))
    return {"main": out}


def rsi_warmup(params: RSIParams) -> int:
    """The seed at bar `period` must decay below SEED_RESIDUAL."""
    return params.period + convergence_bars(1.0 / params.period)


def rsi_min_bars(params: RSIParams) -> int:
    """RSI.mq5 computes nothing with rates_total <= period."""
    return params.period + 1


def compute_macd(rates: np.ndarray, params: MACDParams) -> Buffers:
    """iMACD: EMA(fast)-EMA(slow) of the applied price; the signal is an SMA of that line, not an EMA."""
    x = applied_price(rates, params.applied_price)
    main = ema(x, params.fast_ema) - ema(x, params.slow_ema)
    signal = sma(main, params.signal_period)
    first_main = params.slow_ema - 1
    main[:first_main] = np.nan
    signal[: first_main + params.signal_period - 1] = np.nan
    return {"main": main, "signal": signal}


def macd_warmup(params: MACDParams) -> int:
    """Both EMAs stable, then signal_period-1 more bars for the SMA of the stable line."""
    fast = stable_offset(params.fast_ema, MAMethod.EMA)
    slow = stable_offset(params.slow_ema, MAMethod.EMA)
    return max(fast, slow) + params.signal_period - 1


def macd_min_bars(params: MACDParams) -> int:
    """Bars for the first signal value."""
    return params.slow_ema + params.signal_period - 1


def _extremes(rates: np.ndarray, params: StochasticParams) -> tuple[FloatArray, FloatArray]:
    """Highest high and lowest low (or close/close) over k_period, NaN before k_period-1."""
    close = rates["close"].astype(np.float64)
    if params.price_field is PriceField.CLOSECLOSE:
        high, low = close, close
    else:
        high, low = rates["high"].astype(np.float64), rates["low"].astype(np.float64)
    k = params.k_period
    highest = np.full(close.shape[0], np.nan)
    lowest = np.full(close.shape[0], np.nan)
    if close.shape[0] >= k:
        highest[k - 1 :] = sliding_window_view(high, k).max(axis=1)
        lowest[k - 1 :] = sliding_window_view(low, k).min(axis=1)
    return highest, lowest


def compute_stochastic(rates: np.ndarray, params: StochasticParams) -> Buffers:
    """iStochastic: slowing is a ratio of sums, sum(C-LL)/sum(HH-LL)*100 (100 if the range sum is 0)."""
    close = rates["close"].astype(np.float64)
    n = close.shape[0]
    highest, lowest = _extremes(rates, params)
    main = np.full(n, np.nan)
    start = params.k_period - 1
    first_main = start + params.slowing - 1
    if n > first_main:
        num = window_sum(close[start:] - lowest[start:], params.slowing, newest_first=False)
        den = window_sum(highest[start:] - lowest[start:], params.slowing, newest_first=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            main[first_main:] = np.where(den == 0.0, 100.0, num / den * 100.0)
    signal = moving_average(main, params.d_period, params.method, begin=first_main)
    signal[: first_main + params.d_period - 1] = np.nan
    return {"main": main, "signal": signal}


def stochastic_warmup(params: StochasticParams) -> int:
    """Main line from k_period+slowing-2, then the signal MA's own stabilisation."""
    first_main = params.k_period + params.slowing - 2
    return first_main + stable_offset(params.d_period, params.method)


def stochastic_min_bars(params: StochasticParams) -> int:
    """Stochastic.mq5 computes nothing with rates_total <= k_period+d_period+slowing."""
    return params.k_period + params.d_period + params.slowing + 1


def compute_cci(rates: np.ndarray, params: CCIParams) -> Buffers:
    """iCCI: (price-SMA) / (0.015 * mean absolute deviation from that SMA); 0 when the deviation is 0."""
    x = applied_price(rates, params.applied_price)
    period = params.period
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] < period:
        return {"main": out}
    mean = sma(x, period)[period - 1 :]
    windows = sliding_window_view(x, period)
    # CCI.mq5 sums |price[i-j]-SMA[i]| newest first, then multiplies by 0.015/period.
    deviation = np.zeros(mean.shape[0])
    for j in range(period - 1, -1, -1):
        deviation += np.abs(windows[:, j] - mean)
    deviation *= 0.015 / period
    distance = x[period - 1 :] - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        out[period - 1 :] = np.where(deviation != 0.0, distance / deviation, 0.0)
    return {"main": out}


def cci_warmup(params: CCIParams) -> int:
    """No recursion: one full window."""
    return params.period - 1


def cci_min_bars(params: CCIParams) -> int:
    """Bars for the first value."""
    return params.period
