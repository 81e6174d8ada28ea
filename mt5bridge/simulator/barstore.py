"""Bars up to the clock: each symbol's generated history and live M1 bars, assembled a server day at a time.

Before `start`, M1 history (history.py) is generated a server day at a time when somebody needs it, from
RNGs seeded by (seed, symbol, day): answers never depend on what was asked first, and only the days in a
small byte-bounded cache take memory. From `start` on, the M1 bars are the live ones the price engine
builds from its ticks; the start day has both. Every timeframe up to D1 divides a day, so no bar straddles
two days and days are built apart; whole past days are cached per timeframe, D1/W1/MN1 come from one D1
series. While the clock replays history, the bar holding the clock is cut to the ticks already quoted.
Nothing after the clock is visible.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from mt5bridge.simulator import bars as b
from mt5bridge.simulator.history import ByteLRU, SymbolHistory
from mt5bridge.simulator.sessions import DAY, SESSIONS
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.simulator.ticks import TickBuffer, Walk, synthesize
from mt5bridge.terminal import constants as c

_NO_BARS = np.empty(0, b.BAR_DTYPE)
_BEFORE_MAX = 5000  # "the last N bars" up to this N reuse the joined closed days (`_days_before`)
_RAW = 0  # cache key "timeframe" of a whole history day's M1 bars (no TIMEFRAME_* constant is 0)


@dataclass(slots=True)
class Clock:
    """The virtual server clock in epoch milliseconds, shared by the price engine and its bar store."""

    now_msc: int


@dataclass(slots=True)
class SymbolState:
    """One symbol's prices: its walk and live ticks (the engine's) and its history and bars (the store's)."""

    spec: SymbolSpec
    p0_pts: int
    sigma: float  # volatility per sqrt(second) of trading time
    walk: Walk
    last: tuple[int, float, float]
    buffer: TickBuffer
    live: b.LiveBars = field(default_factory=b.LiveBars)
    rng: np.random.Generator | None = None
    history: SymbolHistory | None = None
    seeded_pts: int = 0  # the seeded price at history_end (where a resumed history keeps the first one)
    sealed_d1: np.ndarray | None = None  # backfill + one D1 bar per whole history day before the start day
    quote: tuple[int, tuple[int, float, float]] | None = None  # replay: (clock, tick) of the last tick()
    stats: tuple[Hashable, tuple[float, float, float, float, float]] | None = None  # day_stats memo
    # timeframe -> (day, bars of whole days before `day`, oldest first, reaching back at least as far as
    # asked): the closed part of "the last N bars", built once a day instead of joined from ~40 days per call
    before: dict[int, tuple[int, np.ndarray]] = field(default_factory=dict)


def day_seconds(spec: SymbolSpec, always: bool) -> float:
    """Trading seconds in a day of the symbol's session (the whole day when the market never closes)."""
    return float(DAY) if always else SESSIONS[spec.session].seconds_per_trading_day


class BarStore:
    """Bars of every timeframe for the engine's symbols, up to its clock, with a cache of whole days."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int,
        start: int,
        always_open: bool,
        history_days: int,
        tick_interval: float,
        history_end: int | None,
        cache_bytes: int,
    ) -> None:
        self._clock = clock
        self._seed = seed
        self._start = start
        self._start_msc = start * 1000
        self._start_day = start - start % DAY
        self._always = always_open
        self._history_days = history_days
        self._interval = tick_interval
        self._history_end = history_end
        self.cache = ByteLRU(cache_bytes)
        """The cache of generated and aggregated days."""

    @property
    def now(self) -> int:
        """Server epoch seconds of the clock."""
        return self._clock.now_msc // 1000

    def history(self, state: SymbolState) -> SymbolHistory:
        """The symbol's generated M1 history (made when first needed)."""
        if state.history is None:
            spec = state.spec
            state.history = SymbolHistory(
                spec, seed=self._seed, start=self._start, end_pts=state.p0_pts,
                history_days=self._history_days, tick_interval=self._interval,
                day_seconds=day_seconds(spec, self._always), always=self._always,
                anchor=None if self._history_end is None else (self._history_end, state.seeded_pts),
            )  # fmt: skip
        return state.history

    def _history_day(self, state: SymbolState, day: int, *, keep: bool = True) -> np.ndarray:
        """Every history M1 bar of the server day `day` (cached when `keep`); none outside the history."""
        history = self.history(state)
        if not history.first_day <= day <= history.last_day:
            return _NO_BARS
        key = (state.spec.name, _RAW, day)
        found = self.cache.get(key)
        if found is None:
            found = history.day_bars(day)
            if keep:
                self.cache.put(key, found)
        return found

    def _day_m1(self, state: SymbolState, day: int, *, cut: bool, keep: bool = True) -> np.ndarray:
        """M1 bars of one server day up to the clock: history, live bars, or both on the start day.

        While replaying, the bar holding the clock is cut to the ticks already quoted when `cut`, else
        it is whole (callers then drop the synthesized ticks after `now`)."""
        now = self._clock.now_msc
        if now < self._start_msc:
            if day * 1000 > now:
                return _NO_BARS
            bars = self._history_day(state, day, keep=keep)
            if cut and (day + DAY) * 1000 > now:
                bars = _cut(bars, now, state.spec.digits)
            return bars
        parts = []
        if day <= self._start_day:
            parts.append(self._history_day(state, day, keep=keep))
        if day + DAY > self._start:
            live = state.live.bars
            times = live["time"]
            lo, hi = np.searchsorted(times, day), np.searchsorted(times, day + DAY)
            if hi > lo:
                parts.append(live[lo:hi])
        parts = [p for p in parts if len(p)]
        if not parts:
            return _NO_BARS
        return join(parts)

    def day_bars(self, state: SymbolState, timeframe: int, day: int, *, cut: bool = True) -> np.ndarray:
        """Bars of `timeframe` (M1 to D1) of one server day up to the clock; whole past days are cached.

        Every such timeframe divides a day, so no bar straddles two days and days are built apart."""
        sealed = (day + DAY) * 1000 <= self._clock.now_msc
        if timeframe == c.TIMEFRAME_M1 and day < self._start_day:
            return self._day_m1(state, day, cut=cut)
        key = (state.spec.name, timeframe, day)
        if sealed:
            found = self.cache.get(key)
            if found is not None:
                return found
        # a whole day aggregated once need not stay in the cache as M1; the clock's own day is read again
        m1 = self._day_m1(state, day, cut=cut, keep=timeframe == c.TIMEFRAME_M1 or not sealed)
        if timeframe == c.TIMEFRAME_M1:
            bars = m1.copy() if sealed else m1  # sealed live bars: a copy, not a view of the live buffer
        else:
            bars = b.aggregate(m1, b.bucket(timeframe, m1["time"]))
        if sealed:
            self.cache.put(key, bars)
        return bars

    def _sealed_d1(self, state: SymbolState) -> np.ndarray:
        """The backfill and a D1 bar for each whole history day before the start day (built once)."""
        if state.sealed_d1 is None:
            history = self.history(state)
            rows = [history.backfill()]
            for day in history.days.tolist():
                if day < self._start_day:
                    m1 = self._history_day(state, day, keep=False)
                    rows.append(b.aggregate(m1, b.bucket(c.TIMEFRAME_D1, m1["time"])))
            state.sealed_d1 = np.concatenate(rows)
        return state.sealed_d1

    def _daily(self, state: SymbolState, timeframe: int) -> np.ndarray:
        """Every D1, W1 or MN1 bar up to the clock."""
        now = self.now
        today = now - now % DAY
        first_open = min(today, self._start_day)  # the first day that is not a whole history day
        sealed = self._sealed_d1(state)
        parts = [sealed[: int(np.searchsorted(sealed["time"], first_open))]]
        parts += [self.day_bars(state, c.TIMEFRAME_D1, day) for day in range(first_open, today + 1, DAY)]
        d1 = join(parts)
        return d1 if timeframe == c.TIMEFRAME_D1 else b.aggregate(d1, b.bucket(timeframe, d1["time"]))

    def first_day(self, state: SymbolState) -> int:
        """The first server day of the symbol's M1 history."""
        return self.history(state).first_day

    def last_bars(
        self, state: SymbolState, timeframe: int, t: int, need: int, *, cut: bool = True
    ) -> np.ndarray:
        """The last `need` bars with open time <= t (and <= now), oldest first; fewer when history ends."""
        if need <= 0:
            return _NO_BARS
        if timeframe in b.DAILY_TIMEFRAMES:
            series = self._daily(state, timeframe)
            end = int(np.searchsorted(series["time"], t, side="right"))
            return series[max(0, end - need) : end]
        t = min(t, self.now)
        day, first = t - t % DAY, self.first_day(state)
        if need <= _BEFORE_MAX:
            last = self.day_bars(state, timeframe, day, cut=cut) if day >= first else _NO_BARS
            if len(last) and last["time"][-1] > t:
                last = last[: int(np.searchsorted(last["time"], t, side="right"))]
            if len(last) >= need or day <= first:
                return last[max(0, len(last) - need) :]
            older = self._days_before(state, timeframe, day, need - len(last))
            return join([older[max(0, len(older) - (need - len(last))) :], last])
        parts: list[np.ndarray] = []
        total = 0
        while total < need and day >= first:
            bars = self.day_bars(state, timeframe, day, cut=cut)
            if len(bars) and bars["time"][-1] > t:
                bars = bars[: int(np.searchsorted(bars["time"], t, side="right"))]
            if len(bars):
                parts.append(bars)
                total += len(bars)
            day -= DAY
        if not parts:
            return _NO_BARS
        out = join(parts[::-1])
        return out[max(0, len(out) - need) :]

    def _days_before(self, state: SymbolState, timeframe: int, day: int, need: int) -> np.ndarray:
        """At least `need` bars (fewer where history ends) of the whole days before `day`, oldest first.

        Those days are over, so their bars no longer change: the join is kept per timeframe and reused
        until another day or more bars are asked for."""
        kept = state.before.get(timeframe)
        if kept is not None and kept[0] == day and len(kept[1]) >= need:
            return kept[1]
        first = self.first_day(state)
        parts: list[np.ndarray] = []
        total, d = 0, day - DAY
        while total < need and d >= first:
            bars = self.day_bars(state, timeframe, d)
            if len(bars):
                parts.append(bars)
                total += len(bars)
            d -= DAY
        joined = join(parts[::-1]) if parts else _NO_BARS
        if kept is None or kept[0] != day or len(joined) > len(kept[1]):
            state.before[timeframe] = (day, joined)
        return joined

    def first_bars(self, state: SymbolState, t: int, need: int) -> np.ndarray:
        """The first `need` M1 bars with open time >= t (whole bars: the caller drops ticks after now)."""
        now = self.now
        day = max(t - t % DAY, self.first_day(state))
        parts: list[np.ndarray] = []
        total = 0
        while total < need and day <= now:
            bars = self.day_bars(state, c.TIMEFRAME_M1, day, cut=False)
            if len(bars) and bars["time"][0] < t:
                bars = bars[int(np.searchsorted(bars["time"], t, side="left")) :]
            if len(bars):
                parts.append(bars)
                total += len(bars)
            day += DAY
        if not parts:
            return _NO_BARS
        out = join(parts)
        return out[:need]

    def between(
        self, state: SymbolState, timeframe: int, lo: int, hi: int, *, cut: bool = True
    ) -> np.ndarray:
        """Bars with lo <= open time <= hi (and <= now), oldest first."""
        if timeframe in b.DAILY_TIMEFRAMES:
            series = self._daily(state, timeframe)
        else:
            hi = min(hi, self.now)
            lo = max(lo, self.first_day(state))
            if hi < lo:
                return _NO_BARS
            days = range(lo - lo % DAY, hi - hi % DAY + 1, DAY)
            parts = [p for p in (self.day_bars(state, timeframe, d, cut=cut) for d in days) if len(p)]
            if not parts:
                return _NO_BARS
            series = join(parts)
        times = series["time"]
        return series[int(np.searchsorted(times, lo, side="left")) : int(np.searchsorted(times, hi, "right"))]

    def day_stats(self, state: SymbolState) -> tuple[float, float, float, float, float]:
        """(bidhigh, bidlow, askhigh, asklow, session open) of the last server day with trading."""
        now = self.now
        day, first = now - now % DAY, self.first_day(state)
        while day >= first:
            bars = self.day_bars(state, c.TIMEFRAME_D1, day)
            if len(bars):
                break
            day -= DAY
        else:
            bars = self.history(state).backfill()
        last = bars[-1]
        return (
            float(last["high"]),
            float(last["low"]),
            float(last["ask_high"]),
            float(last["ask_low"]),
            float(last["open"]),
        )


def join(parts: list[np.ndarray]) -> np.ndarray:
    """The bars of `parts` in order (one part is returned as it is, like the callers always did).

    `np.concatenate` (or slice assignment) of structured arrays works field by field, ~40 us for a
    thousand bars, and a thousand H1 bars were joined from 42 days per call. Parts of one dtype are joined
    as opaque records of its size (a plain copy, ~6 us), then seen with the bars' dtype again."""
    if len(parts) == 1:
        return parts[0]
    dtype = parts[0].dtype
    if any(p.dtype != dtype for p in parts):
        return np.concatenate(parts)
    record = np.dtype((np.void, dtype.itemsize))
    return np.concatenate([p.view(record) for p in parts]).view(dtype)


def _cut(bars: np.ndarray, now_msc: int, digits: int) -> np.ndarray:
    """Bars up to now_msc: later bars dropped, the bar holding now made of its synthesized ticks so far."""
    now_s = now_msc // 1000
    end = int(np.searchsorted(bars["time"], now_s, side="right"))
    if end == 0 or int(bars["time"][end - 1]) + 60 <= now_s:
        return bars[:end]
    out = bars[:end].copy()
    last = out[-1]
    ticks = synthesize(out[-1:], digits)
    ticks = ticks[ticks["time_msc"] <= now_msc]
    bid, ask = ticks["bid"], ticks["ask"]
    last["high"], last["low"], last["close"] = bid.max(), bid.min(), bid[-1]
    last["ask_high"], last["ask_low"] = ask.max(), ask.min()
    last["tick_volume"] = max(1, int(last["tick_volume"]) * (now_s - int(last["time"]) + 1) // 60)
    return out
