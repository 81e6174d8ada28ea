"""Applied prices and MT5's four moving averages, per MovingAverages.mqh and Custom Moving Average.mq5.

Arrays are float64, oldest first; NaN marks "no value" (MT5's 0.0 / EMPTY_VALUE before the draw begin).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from mt5bridge.trading.indicators.models import AppliedPrice, MAMethod
from mt5bridge.trading.indicators.params import MAParams

FloatArray = npt.NDArray[np.float64]
Buffers = dict[str, FloatArray]

# A recursive filter is "warmed up" once the weight left on its arbitrary seed is below this factor:
# a seed off by 10 000 price units then moves the value by less than 1e-6.
SEED_RESIDUAL = 1e-10


def applied_price(rates: np.ndarray, which: AppliedPrice) -> FloatArray:
    """The ENUM_APPLIED_PRICE series of MT5 rates (median=(H+L)/2, typical=(H+L+C)/3, weighted=(H+L+2C)/4)."""
    high = rates["high"].astype(np.float64)
    low = rates["low"].astype(np.float64)
    close = rates["close"].astype(np.float64)
    match which:
        case AppliedPrice.CLOSE:
            return close
        case AppliedPrice.OPEN:
            return rates["open"].astype(np.float64)
        case AppliedPrice.HIGH:
            return high
        case AppliedPrice.LOW:
            return low
        case AppliedPrice.MEDIAN:
            return (high + low) / 2.0
        case AppliedPrice.TYPICAL:
            return (high + low + close) / 3.0
        case AppliedPrice.WEIGHTED:
            return (high + low + 2.0 * close) / 4.0


def convergence_bars(alpha: float) -> int:
    """Bars after which a filter x[i] = a*p + (1-a)*x[i-1] keeps under SEED_RESIDUAL of its seed."""
    if alpha >= 1.0:
        return 0
    return math.ceil(math.log(SEED_RESIDUAL) / math.log1p(-alpha))


def ema_alpha(period: int) -> float:
    """EMA smoothing factor 2/(period+1)."""
    return 2.0 / (period + 1.0)


def sequential_sum(values: FloatArray) -> float:
    """Left-to-right float sum, the order of an MQL5 `for` loop (numpy and Python 3.12 sum differently)."""
    total = 0.0
    for value in values.tolist():
        total += value
    return total


def window_sum(x: FloatArray, period: int, newest_first: bool = True) -> FloatArray:
    """Sum of each full window ending at bars period-1 .. n-1, added in MQL5's loop order."""
    m = x.shape[0] - period + 1
    if m <= 0:
        return np.empty(0)
    total = np.zeros(m)
    offsets = range(period - 1, -1, -1) if newest_first else range(period)
    for offset in offsets:
        total += x[offset : offset + m]
    return total


def sma(x: FloatArray, period: int, begin: int = 0) -> FloatArray:
    """Simple MA as MovingAverages.mqh's SimpleMA (newest-first sum / period); first at begin+period-1."""
    out = np.full(x.shape[0], np.nan)
    first = begin + period - 1
    if x.shape[0] > first:
        out[first:] = window_sum(x[begin:], period) / period
    return out


def lwma(x: FloatArray, period: int, begin: int = 0) -> FloatArray:
    """Linear weighted MA, weights 1 (oldest) .. period (newest) over their sum; first at begin+period-1."""
    out = np.full(x.shape[0], np.nan)
    first = begin + period - 1
    if x.shape[0] > first:
        weights = np.arange(1, period + 1, dtype=np.float64)
        out[first:] = sliding_window_view(x[begin:], period) @ weights / weights.sum()
    return out


def ema(x: FloatArray, period: int, begin: int = 0) -> FloatArray:
    """Exponential MA seeded with the price itself at `begin` (not with an SMA), as MT5 does."""
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] <= begin:
        return out
    alpha = ema_alpha(period)
    keep = 1.0 - alpha
    prev = float(x[begin])
    values = [prev]
    # A plain float loop: ~0.1 us per bar, and the same operation order as the MQL5 source.
    for price in x[begin + 1 :].tolist():
        prev = price * alpha + prev * keep
        values.append(prev)
    out[begin:] = values
    return out


def smma(x: FloatArray, period: int, begin: int = 0) -> FloatArray:
    """Smoothed (Wilder) MA: SMA of the first `period` values, then (prev*(period-1)+price)/period."""
    out = np.full(x.shape[0], np.nan)
    first = begin + period - 1
    if x.shape[0] <= first:
        return out
    prev = sequential_sum(x[begin : first + 1]) / period
    values = [prev]
    for price in x[first + 1 :].tolist():
        prev = (prev * (period - 1) + price) / period
        values.append(prev)
    out[first:] = values
    return out


def moving_average(x: FloatArray, period: int, method: MAMethod, begin: int = 0) -> FloatArray:
    """The MA of `method`; EMA has values from `begin`, the others from begin+period-1."""
    match method:
        case MAMethod.SMA:
            return sma(x, period, begin)
        case MAMethod.EMA:
            return ema(x, period, begin)
        case MAMethod.SMMA:
            return smma(x, period, begin)
        case MAMethod.LWMA:
            return lwma(x, period, begin)


def stable_offset(period: int, method: MAMethod) -> int:
    """Bars after `begin` from which the MA matches MT5's (seeded further back) within SEED_RESIDUAL."""
    match method:
        case MAMethod.EMA:
            # Seeded at `begin` with the price itself: the residual after i bars is (1-alpha)^i.
            return max(period - 1, convergence_bars(ema_alpha(period)))
        case MAMethod.SMMA:
            # Seeded with an SMA at begin+period-1, then the residual decays by (period-1)/period per bar.
            return period - 1 + convergence_bars(1.0 / period)
        case _:
            return period - 1


def shift_bars(values: FloatArray, shift: int) -> FloatArray:
    """Bar-align a line drawn with PLOT_SHIFT: out[i] = values[i - shift] (positive = to the right)."""
    n = values.shape[0]
    out = np.full(n, np.nan)
    if shift == 0:
        return values.copy()
    if abs(shift) >= n:
        return out
    if shift > 0:
        out[shift:] = values[:-shift]
    else:
        out[:shift] = values[-shift:]
    return out


def compute_ma(rates: np.ndarray, params: MAParams) -> Buffers:
    """iMA: the chosen MA of the applied price, None before period-1, then shifted by `shift` bars."""
    x = applied_price(rates, params.applied_price)
    line = moving_average(x, params.period, params.method)
    line[: params.period - 1] = np.nan  # EMA's seed bars are before PLOT_DRAW_BEGIN
    return {"main": shift_bars(line, params.shift)}


def ma_warmup(params: MAParams) -> int:
    """Bars before the first requested value needed for it to match MT5."""
    return stable_offset(params.period, params.method) + max(params.shift, 0)


def ma_min_bars(params: MAParams) -> int:
    """Fewest bars giving at least one value."""
    return params.period + abs(params.shift)
