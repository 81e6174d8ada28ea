"""Entry points: how many bars to fetch, and computing a request over MT5 rates."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mt5bridge.terminal.structs import RATES_DTYPE
from mt5bridge.trading.indicators import moving, oscillators, trend
from mt5bridge.trading.indicators.models import InvalidParameterError, NotEnoughBarsError
from mt5bridge.trading.indicators.moving import Buffers
from mt5bridge.trading.indicators.params import (
    ATRParams,
    BandsParams,
    CCIParams,
    IchimokuParams,
    IndicatorRequest,
    IndicatorResult,
    MACDParams,
    MAParams,
    RSIParams,
    StochasticParams,
)

MAX_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class _Kind:
    """One indicator's three entry points: compute, warm-up bars, fewest bars."""

    compute: Callable[[np.ndarray, Any], Buffers]
    warmup: Callable[[Any], int]
    min_bars: Callable[[Any], int]


_KINDS: dict[type, _Kind] = {
    MAParams: _Kind(moving.compute_ma, moving.ma_warmup, moving.ma_min_bars),
    RSIParams: _Kind(oscillators.compute_rsi, oscillators.rsi_warmup, oscillators.rsi_min_bars),
    MACDParams: _Kind(oscillators.compute_macd, oscillators.macd_warmup, oscillators.macd_min_bars),
    BandsParams: _Kind(trend.compute_bands, trend.bands_warmup, trend.bands_min_bars),
    StochasticParams: _Kind(
        oscillators.compute_stochastic, oscillators.stochastic_warmup, oscillators.stochastic_min_bars
    ),
    ATRParams: _Kind(trend.compute_atr, trend.atr_warmup, trend.atr_min_bars),
    IchimokuParams: _Kind(trend.compute_ichimoku, trend.ichimoku_warmup, trend.ichimoku_min_bars),
    CCIParams: _Kind(oscillators.compute_cci, oscillators.cci_warmup, oscillators.cci_min_bars),
}


def _kind(request: IndicatorRequest) -> _Kind:
    kind = _KINDS.get(type(request.params))
    if kind is None:
        raise AssertionError(f"unhandled params {type(request.params).__name__}")
    return kind


def _buffers(rates: np.ndarray, request: IndicatorRequest) -> Buffers:
    return _kind(request).compute(rates, request.params)


def warmup_bars(request: IndicatorRequest) -> int:
    """Bars needed before the first returned value for it to match MT5's within SEED_RESIDUAL."""
    return _kind(request).warmup(request.params)


def min_bars(request: IndicatorRequest) -> int:
    """Fewest bars for which compute returns at least one value; fewer raise NotEnoughBarsError."""
    return _kind(request).min_bars(request.params)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise InvalidParameterError(f"count must be between 1 and {MAX_COUNT}, got {count}")


def bars_needed(request: IndicatorRequest, count: int) -> int:
    """How many bars to fetch so the last `count` values are fully warmed up."""
    _check_count(count)
    return max(count + warmup_bars(request), min_bars(request))


def _check_rates(rates: np.ndarray, request: IndicatorRequest) -> None:
    if not isinstance(rates, np.ndarray) or rates.dtype.names is None:
        raise InvalidParameterError("rates must be a numpy structured array of RATES_DTYPE")
    missing = set(RATES_DTYPE.names or ()) - set(rates.dtype.names)
    if missing or rates.ndim != 1:
        raise InvalidParameterError(f"rates must be a 1-d array of RATES_DTYPE; missing {sorted(missing)}")
    needed = min_bars(request)
    if rates.shape[0] < needed:
        raise NotEnoughBarsError(
            f"{request.name} with these parameters needs at least {needed} bars, got {rates.shape[0]}"
        )
    times = rates["time"]
    if times.shape[0] > 1 and not bool(np.all(times[1:] > times[:-1])):
        raise InvalidParameterError("rates must be sorted oldest first with strictly increasing times")


def _to_list(values: np.ndarray) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values.tolist()]


def compute(rates: np.ndarray, request: IndicatorRequest, count: int) -> IndicatorResult:
    """Compute on all given bars (oldest first) and return the last `count` bars' values.

    With fewer than `bars_needed` bars, recursive indicators are exact only if the bars start where
    the terminal's own history starts; a count above the bars given returns every bar.
    """
    _check_count(count)
    _check_rates(rates, request)
    buffers = _buffers(rates, request)
    tail = slice(max(rates.shape[0] - count, 0), None)
    return IndicatorResult(
        name=request.name,
        params=request.params,
        times=[int(t) for t in rates["time"][tail].tolist()],
        values={name: _to_list(buffers[name][tail]) for name in request.outputs},
    )
