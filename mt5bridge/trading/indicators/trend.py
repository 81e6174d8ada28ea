"""Bollinger Bands, ATR and Ichimoku as MetaQuotes' BB.mq5, ATR.mq5 and Ichimoku.mq5 compute them."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mt5bridge.trading.indicators.moving import (
    Buffers,
    FloatArray,
    applied_price,
    shift_bars,
    sma,
    window_sum,
)
from mt5bridge.trading.indicators.params import ATRParams, BandsParams, IchimokuParams


def compute_bands(rates: np.ndarray, params: BandsParams) -> Buffers:
    """iBands: SMA middle +/- deviation * population standard deviation (divided by period, not period-1)."""
    x = applied_price(rates, params.applied_price)
    period = params.period
    n = x.shape[0]
    middle = sma(x, period)
    std = np.full(n, np.nan)
    if n >= period:
        windows = sliding_window_view(x, period)
        mean = middle[period - 1 :]
        squares = np.zeros(mean.shape[0])
        for j in range(period - 1, -1, -1):  # BB.mq5's StdDev_Func order: newest first
            squares += (windows[:, j] - mean) ** 2
        std[period - 1 :] = np.sqrt(squares / period)
    upper = middle + params.deviation * std
    lower = middle - params.deviation * std
    # StdDev_Func returns 0 at bar period-1 (its test is position>=period); PLOT_DRAW_BEGIN is period.
    lines = {"middle": middle, "upper": upper, "lower": lower}
    for line in lines.values():
        line[:period] = np.nan
    return {name: shift_bars(line, params.shift) for name, line in lines.items()}


def bands_warmup(params: BandsParams) -> int:
    """Draw begin plus the shift."""
    return params.period + params.shift


def bands_min_bars(params: BandsParams) -> int:
    """Bars for the first drawn value."""
    return params.period + 1 + params.shift


def true_range(rates: np.ndarray) -> FloatArray:
    """max(high, prev close) - min(low, prev close); NaN at bar 0, which ATR.mq5 never averages."""
    high = rates["high"].astype(np.float64)
    low = rates["low"].astype(np.float64)
    close = rates["close"].astype(np.float64)
    tr = np.full(high.shape[0], np.nan)
    tr[1:] = np.maximum(high[1:], close[:-1]) - np.minimum(low[1:], close[:-1])
    return tr


def compute_atr(rates: np.ndarray, params: ATRParams) -> Buffers:
    """iATR: a simple average of the last `period` true ranges (ATR.mq5), not Wilder's smoothing."""
    period = params.period
    out = np.full(rates.shape[0], np.nan)
    if rates.shape[0] <= period:
        return {"main": out}
    tr = true_range(rates)
    out[period:] = window_sum(tr[1:], period, newest_first=False) / period
    return {"main": out}


def atr_warmup(params: ATRParams) -> int:
    """No recursion in MT5's ATR: one window of true ranges after bar 0."""
    return params.period


def atr_min_bars(params: ATRParams) -> int:
    """ATR.mq5 computes nothing with rates_total <= period."""
    return params.period + 1


def _midpoint(high: FloatArray, low: FloatArray, period: int) -> FloatArray:
    """(highest high + lowest low)/2 over full windows; NaN before period-1."""
    out = np.full(high.shape[0], np.nan)
    if high.shape[0] >= period:
        top = sliding_window_view(high, period).max(axis=1)
        bottom = sliding_window_view(low, period).min(axis=1)
        out[period - 1 :] = (top + bottom) / 2.0
    return out


def compute_ichimoku(rates: np.ndarray, params: IchimokuParams) -> Buffers:
    """iIchimoku, bar-aligned as CopyBuffer returns it: spans drawn kijun bars ahead, chikou kijun bars back.

    senkou_a[i] and senkou_b[i] are the spans computed at bar i-kijun (the cloud drawn under bar i);
    chikou[i] is close[i+kijun], so the last kijun bars have no chikou. The cloud's kijun future bars
    lie beyond the last bar and are not part of a bar-aligned result.
    """
    high = rates["high"].astype(np.float64)
    low = rates["low"].astype(np.float64)
    close = rates["close"].astype(np.float64)
    tenkan = _midpoint(high, low, params.tenkan)
    kijun = _midpoint(high, low, params.kijun)
    # Ichimoku.mq5 takes partial windows on the first bars; those depend on where history starts: masked.
    span_a = (tenkan + kijun) / 2.0
    span_b = _midpoint(high, low, params.senkou_b)
    return {
        "tenkan": tenkan,
        "kijun": kijun,
        "senkou_a": shift_bars(span_a, params.kijun),
        "senkou_b": shift_bars(span_b, params.kijun),
        "chikou": shift_bars(close, -params.kijun),
    }


def ichimoku_warmup(params: IchimokuParams) -> int:
    """The longest window, drawn kijun bars later."""
    return max(params.tenkan, params.kijun, params.senkou_b) - 1 + params.kijun


def ichimoku_min_bars(params: IchimokuParams) -> int:
    """Bars for a first value on every line (chikou needs kijun bars after its bar)."""
    return ichimoku_warmup(params) + 1
