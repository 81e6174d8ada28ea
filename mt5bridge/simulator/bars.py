"""Bars for the simulator: timeframes, aggregation, OHLC from a log-price walk, live M1 bars from ticks.

All bars are Bid bars (MT5 charts Bid for forex/CFD). Internally M1 bars also carry the Ask extremes so
symbol_info's askhigh/asklow can be answered. Every timeframe up to H12 is aggregated from M1; D1 is
aggregated from M1 too and prefixed with a coarser daily backfill; W1 and MN1 are aggregated from D1.
"""

from __future__ import annotations

import math

import numpy as np

from mt5bridge.simulator.sessions import DAY, is_open_many, next_open
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as c
from mt5bridge.terminal.structs import RATES_DTYPE

BAR_DTYPE = np.dtype([*RATES_DTYPE.descr, ("ask_high", "<f8"), ("ask_low", "<f8")])

_SECONDS: dict[int, int] = {
    c.TIMEFRAME_M1: 60,
    c.TIMEFRAME_M2: 120,
    c.TIMEFRAME_M3: 180,
    c.TIMEFRAME_M4: 240,
    c.TIMEFRAME_M5: 300,
    c.TIMEFRAME_M6: 360,
    c.TIMEFRAME_M10: 600,
    c.TIMEFRAME_M12: 720,
    c.TIMEFRAME_M15: 900,
    c.TIMEFRAME_M20: 1200,
    c.TIMEFRAME_M30: 1800,
    c.TIMEFRAME_H1: 3600,
    c.TIMEFRAME_H2: 7200,
    c.TIMEFRAME_H3: 10800,
    c.TIMEFRAME_H4: 14400,
    c.TIMEFRAME_H6: 21600,
    c.TIMEFRAME_H8: 28800,
    c.TIMEFRAME_H12: 43200,
    c.TIMEFRAME_D1: DAY,
}
DAILY_TIMEFRAMES = frozenset({c.TIMEFRAME_D1, c.TIMEFRAME_W1, c.TIMEFRAME_MN1})
# 1970-01-04 was a Sunday; MT5 opens W1 bars on Sunday 00:00 server time.
_SUNDAY_REF = 3 * DAY
_WEEK = 7 * DAY


def check_timeframe(timeframe: int) -> None:
    """ValueError unless timeframe is one of the TIMEFRAME_* constants."""
    if timeframe not in _SECONDS and timeframe not in DAILY_TIMEFRAMES:
        raise ValueError(f"invalid timeframe {timeframe!r}")


def bucket(timeframe: int, times: np.ndarray) -> np.ndarray:
    """Open time of the bar of `timeframe` containing each server epoch in `times`."""
    check_timeframe(timeframe)
    if timeframe == c.TIMEFRAME_W1:
        return times - (times - _SUNDAY_REF) % _WEEK
    if timeframe == c.TIMEFRAME_MN1:
        months = times.astype("datetime64[s]").astype("datetime64[M]")
        return months.astype("datetime64[s]").astype(np.int64)
    seconds = _SECONDS[timeframe]
    return times - times % seconds


def group_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each run of equal consecutive keys (keys non-empty)."""
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.empty(len(change) + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:] = change
    ends = np.empty_like(starts)
    ends[:-1] = change - 1
    ends[-1] = len(keys) - 1
    return starts, ends


def aggregate(src: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Merge consecutive bars sharing a key (the coarser bar's open time) into one bar each."""
    n = len(src)
    if n == 0:
        return np.empty(0, BAR_DTYPE)
    starts, ends = group_bounds(keys)
    out = np.empty(len(starts), BAR_DTYPE)
    out["time"] = keys[starts]
    out["open"] = src["open"][starts]
    out["close"] = src["close"][ends]
    out["high"] = np.maximum.reduceat(src["high"], starts)
    out["low"] = np.minimum.reduceat(src["low"], starts)
    out["ask_high"] = np.maximum.reduceat(src["ask_high"], starts)
    out["ask_low"] = np.minimum.reduceat(src["ask_low"], starts)
    out["tick_volume"] = np.add.reduceat(src["tick_volume"], starts)
    out["spread"] = np.minimum.reduceat(src["spread"], starts)
    out["real_volume"] = 0
    return out


def to_rates(bars: np.ndarray) -> np.ndarray:
    """Copy of internal bars in the MT5 rates dtype."""
    out = np.empty(len(bars), RATES_DTYPE)
    for field in RATES_DTYPE.names or ():
        out[field] = bars[field]
    return out


def quantize(prices: np.ndarray, spec: SymbolSpec) -> np.ndarray:
    """Prices as int64 points, on the symbol's tick grid, at least one tick."""
    ticks = np.maximum(np.rint(prices / spec.tick_size), 1.0)
    return ticks.astype(np.int64) * spec.tick_steps


def to_points(price: float, spec: SymbolSpec) -> int:
    """A price as int points, refusing prices that are not positive or not on the tick grid."""
    if not price > 0:
        raise ValueError(f"{spec.name}: price must be positive")
    ticks = price / spec.tick_size
    if abs(ticks - round(ticks)) > 1e-6:
        raise ValueError(f"{spec.name}: price {price} is not a multiple of tick size {spec.tick_size}")
    return round(ticks) * spec.tick_steps


def open_minutes(session: str, start: int, end: int, always: bool) -> np.ndarray:
    """Minute starts in [start, end) at which the session is open (bounds minute-aligned)."""
    minutes = np.arange(start, end, 60, dtype=np.int64)
    return minutes[is_open_many(session, minutes, always)]


def fill_ohlc(
    out: np.ndarray,
    spec: SymbolSpec,
    log_open: np.ndarray,
    log_close: np.ndarray,
    wick: np.ndarray,
    end_pts: int | None,
) -> None:
    """Quantised open/high/low/close (bid and ask extremes) from log prices; the last close is `end_pts`
    points when given."""
    scale = 10.0**spec.digits
    o = quantize(np.exp(log_open), spec)
    cl = quantize(np.exp(log_close), spec)
    if end_pts is not None:
        cl[-1] = end_pts
    hi = np.maximum(quantize(np.exp(np.maximum(log_open, log_close) + wick[0]), spec), np.maximum(o, cl))
    lo = np.minimum(quantize(np.exp(np.minimum(log_open, log_close) - wick[1]), spec), np.minimum(o, cl))
    out["open"] = o / scale
    out["close"] = cl / scale
    out["high"] = hi / scale
    out["low"] = lo / scale
    out["ask_high"] = (hi + spec.spread) / scale
    out["ask_low"] = (lo + spec.spread) / scale


def trading_days_before(session: str, end_day: int, count: int, always: bool) -> np.ndarray:
    """The `count` latest server days before end_day (a day start) that have trading, ascending."""
    days: list[int] = []
    day = end_day - DAY
    while len(days) < count:
        if always or next_open(session, day) < day + DAY:
            days.append(day)
        day -= DAY
    return np.asarray(days[::-1], dtype=np.int64)


def backfill_d1(
    spec: SymbolSpec,
    rng: np.random.Generator,
    days: np.ndarray,
    end_price: float,
    tick_interval: float,
    day_seconds: float,
) -> np.ndarray:
    """Daily bars whose last close is end_price, walked backwards with mild mean reversion to base_price."""
    n = len(days)
    out = np.empty(n, BAR_DTYPE)
    if n == 0:
        return out
    sigma = spec.daily_vol
    kappa = 1.0 / 250.0  # reversion over about a trading year keeps 4-year backfills near today's level
    z = rng.standard_normal(n)
    log_base = math.log(spec.base_price)
    log_close = np.empty(n)
    log_open = np.empty(n)
    x = math.log(end_price)
    for i in range(n - 1, -1, -1):
        log_close[i] = x
        x = x + kappa * (log_base - x) + sigma * z[i]
        log_open[i] = x
    wick = np.abs(rng.standard_normal((2, n))) * sigma * 0.4
    fill_ohlc(out, spec, log_open, log_close, wick, round(end_price * 10.0**spec.digits))
    out["time"] = days
    out["tick_volume"] = rng.poisson(day_seconds / tick_interval, n)
    out["spread"] = spec.spread
    out["real_volume"] = 0
    return out


class LiveBars:
    """Growing M1 bars built from live ticks."""

    def __init__(self) -> None:
        self._buf = np.empty(256, BAR_DTYPE)
        self._n = 0

    @property
    def bars(self) -> np.ndarray:
        """View of the bars so far (do not keep across updates)."""
        return self._buf[: self._n]

    def add_ticks(self, ticks: np.ndarray, digits: int) -> None:
        """Fold MT5 ticks (time ascending, not before the last bar) into M1 bars."""
        if len(ticks) == 0:
            return
        minute = ticks["time_msc"] // 60_000 * 60
        bid = np.ascontiguousarray(ticks["bid"])
        ask = np.ascontiguousarray(ticks["ask"])
        starts, ends = group_bounds(minute)
        new = np.empty(len(starts), BAR_DTYPE)
        new["time"] = minute[starts]
        new["open"] = bid[starts]
        new["close"] = bid[ends]
        new["high"] = np.maximum.reduceat(bid, starts)
        new["low"] = np.minimum.reduceat(bid, starts)
        new["ask_high"] = np.maximum.reduceat(ask, starts)
        new["ask_low"] = np.minimum.reduceat(ask, starts)
        new["tick_volume"] = ends - starts + 1
        spread = np.rint((ask - bid) * 10.0**digits).astype(np.int32)
        new["spread"] = np.minimum.reduceat(spread, starts)
        new["real_volume"] = 0
        if self._n and self._buf["time"][self._n - 1] == new["time"][0]:
            self._merge_last(new[0])
            new = new[1:]
        self._append(new)

    def _merge_last(self, bar: np.void) -> None:
        last = self._buf[self._n - 1]
        last["high"] = max(last["high"], bar["high"])
        last["low"] = min(last["low"], bar["low"])
        last["ask_high"] = max(last["ask_high"], bar["ask_high"])
        last["ask_low"] = min(last["ask_low"], bar["ask_low"])
        last["close"] = bar["close"]
        last["tick_volume"] += bar["tick_volume"]
        last["spread"] = min(last["spread"], bar["spread"])

    def _append(self, new: np.ndarray) -> None:
        need = self._n + len(new)
        if need > len(self._buf):
            grown = np.empty(max(need, 2 * len(self._buf)), BAR_DTYPE)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : need] = new
        self._n = need
