"""Builders of MT5 rates arrays for indicator tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mt5bridge.terminal.structs import RATES_DTYPE

H1 = 3600
T0 = 1_700_000_000

Prices = Sequence[float] | npt.NDArray[np.float64]


def make_rates(
    close: Prices,
    high: Prices | None = None,
    low: Prices | None = None,
    open_: Prices | None = None,
) -> np.ndarray:
    """Hourly bars from explicit prices; high/low/open default to the close."""
    n = len(close)
    rates = np.zeros(n, dtype=RATES_DTYPE)
    rates["time"] = T0 + H1 * np.arange(n)
    rates["close"] = close
    rates["high"] = close if high is None else high
    rates["low"] = close if low is None else low
    rates["open"] = close if open_ is None else open_
    rates["tick_volume"] = 100
    return rates


def random_walk(n: int, seed: int = 7, start: float = 1.1, step: float = 0.001) -> np.ndarray:
    """Plausible FX-like bars: a random walk of closes with highs/lows around open and close."""
    rng = np.random.default_rng(seed)
    close = start + np.cumsum(rng.normal(0.0, step, n))
    open_ = np.r_[start, close[:-1]]
    high = np.maximum(open_, close) + rng.random(n) * step
    low = np.minimum(open_, close) - rng.random(n) * step
    return make_rates(close, high, low, open_)
