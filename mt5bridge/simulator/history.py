"""A symbol's M1 history before the live start, generated one server day at a time, on demand.

The history is a log-space random walk that ends exactly at the live start price. It is drawn in two
stages so that any day can be built on its own:

1. the walk's move over each day, one normal per day scaled by the day's open minutes (seeded by
   (seed, symbol)); these fix the price at every day boundary;
2. the minute steps of one day, from an RNG seeded by (seed, symbol, day), conditioned to add up to that
   day's move (x - mean(x) + move/n: a Brownian bridge, which leaves the steps' distribution unchanged).

Together they have the statistics of one long walk, never depend on which days were asked for first, and
take memory only for the days somebody keeps. Sessions are fixed weekly windows on the server clock, so
the open minutes of a day come from a per-weekday table instead of a scan of every minute.
"""

from __future__ import annotations

import math
import zlib
from collections import OrderedDict
from collections.abc import Hashable
from functools import lru_cache

import numpy as np

from mt5bridge.simulator import bars as b
from mt5bridge.simulator.sessions import DAY, is_open_many
from mt5bridge.simulator.symbols import SymbolSpec

BACKFILL_DAYS = 1050
"""Trading days of daily backfill before the M1 history, so D1 always has at least 1000 bars."""
MIN_H1_BARS = 1010
"""M1 history always spans at least this many H1 bars (more days for symbols with short sessions)."""
# RNG purposes; prices.py uses 0 (start price) and 2 (live ticks).
_MOVES, _DAY, _BACKFILL = 1, 3, 4
_MONDAY = 4 * DAY  # 1970-01-05, a Monday


def rng(seed: int, name: str, *purpose: int) -> np.random.Generator:
    """The generator for one purpose of one symbol: the same numbers whatever was drawn before."""
    return np.random.default_rng([seed % 2**64, zlib.crc32(name.encode()), *purpose])


@lru_cache(maxsize=32)
def _week(session: str, always: bool) -> tuple[tuple[np.ndarray, ...], tuple[int, ...]]:
    """Per weekday (Monday first): open minute offsets from 00:00, and the number of hours with trading."""
    offsets, hours = [], []
    for weekday in range(7):
        day = _MONDAY + weekday * DAY
        minutes = np.arange(day, day + DAY, 60, dtype=np.int64)
        open_ = minutes[is_open_many(session, minutes, always)] - day
        open_.flags.writeable = False
        offsets.append(open_)
        hours.append(len(np.unique(open_ // 3600)))
    return tuple(offsets), tuple(hours)


def _weekday(day: int) -> int:
    return ((day - _MONDAY) // DAY) % 7


def day_minutes(session: str, always: bool, day: int, end: int | None = None) -> np.ndarray:
    """Open minute starts of the server day beginning at `day` (before `end` when given)."""
    minutes = day + _week(session, always)[0][_weekday(day)]
    if end is not None and end < day + DAY:
        minutes = minutes[: int(np.searchsorted(minutes, end))]
    return minutes


class SymbolHistory:
    """M1 bars of one symbol for every server day from `first_day` up to the live start (exclusive)."""

    def __init__(
        self,
        spec: SymbolSpec,
        *,
        seed: int,
        start: int,
        end_pts: int,
        history_days: int,
        tick_interval: float,
        day_seconds: float,
        always: bool,
    ) -> None:
        self.spec = spec
        self._seed = seed
        self._always = always
        self._interval = tick_interval
        self._day_seconds = day_seconds
        self.end = start - start % 60
        """History minutes start before this (the live series takes the minute holding `start`)."""
        self.last_day = start - start % DAY
        self.first_day = self._first_day(history_days)
        self.days = np.arange(self.first_day, self.last_day + DAY, DAY, dtype=np.int64)
        counts = np.array([len(self.minutes(i)) for i in range(len(self.days))], dtype=np.int64)
        self.counts = counts
        self.sigma = spec.daily_vol * math.sqrt(60.0 / day_seconds)
        self.end_pts = end_pts
        moves = rng(seed, spec.name, _MOVES).standard_normal(len(counts)) * self.sigma * np.sqrt(counts)
        log_end = math.log(end_pts / 10.0**spec.digits)
        # bounds[i]: log price before day i's first minute; bounds[-1] is the live start price.
        self.bounds = log_end - np.concatenate((np.cumsum(moves[::-1])[::-1], [0.0]))
        traded = np.flatnonzero(counts)
        self._last_traded = int(traded[-1]) if len(traded) else -1
        self._first_traded = int(traded[0]) if len(traded) else -1
        self._backfill: np.ndarray | None = None

    def _first_day(self, history_days: int) -> int:
        """At least `history_days` calendar days and MIN_H1_BARS hours of trading before the start."""
        hours = _week(self.spec.session, self._always)[1]
        last_hours = len(np.unique(self.minutes_of(self.last_day) // 3600))
        days = history_days
        while True:
            day0 = self.last_day - days * DAY
            total = last_hours + sum(hours[_weekday(d)] for d in range(day0, self.last_day, DAY))
            if total >= MIN_H1_BARS:
                return day0
            # short sessions (HK50) need more calendar days for the same number of H1 bars
            days = math.ceil(days * MIN_H1_BARS / max(total, 1)) + 7

    def minutes_of(self, day: int) -> np.ndarray:
        return day_minutes(self.spec.session, self._always, day, self.end)

    def minutes(self, i: int) -> np.ndarray:
        return self.minutes_of(int(self.days[i]))

    def index(self, day: int) -> int:
        """Index of the server day starting at `day`, or -1 outside the history."""
        i = (day - self.first_day) // DAY
        return int(i) if 0 <= i < len(self.days) else -1

    def day_bars(self, i: int) -> np.ndarray:
        """The M1 bars of day i (a new array each call: callers cache)."""
        minutes = self.minutes(i)
        n = len(minutes)
        out = np.empty(n, b.BAR_DTYPE)
        if n == 0:
            return out
        spec = self.spec
        r = rng(self._seed, spec.name, _DAY, int(self.days[i]) // DAY)
        lo, hi = float(self.bounds[i]), float(self.bounds[i + 1])
        x = r.standard_normal(n) * self.sigma
        path = lo + np.cumsum(x - x.mean() + (hi - lo) / n)
        path[-1] = hi
        log_open = np.empty(n)
        log_open[0] = lo
        log_open[1:] = path[:-1]
        wick = np.abs(r.standard_normal((2, n))) * self.sigma * 0.5
        b.fill_ohlc(out, spec, log_open, path, wick, self.end_pts if i == self._last_traded else None)
        out["time"] = minutes
        out["tick_volume"] = 1 + r.poisson(60.0 / self._interval, n)
        out["spread"] = spec.spread
        out["real_volume"] = 0
        return out

    def backfill(self) -> np.ndarray:
        """Daily bars before the first history day, ending at its first open (built once, ~80 KB)."""
        if self._backfill is None:
            spec = self.spec
            if self._first_traded >= 0:
                first_open = float(b.quantize(np.array([math.exp(self.bounds[self._first_traded])]), spec)[0])
                first = first_open / 10.0**spec.digits
            else:
                first = self.end_pts / 10.0**spec.digits
            days = b.trading_days_before(spec.session, self.first_day, BACKFILL_DAYS, self._always)
            self._backfill = b.backfill_d1(
                spec, rng(self._seed, spec.name, _BACKFILL), days, first, self._interval, self._day_seconds
            )
        return self._backfill


class ByteLRU:
    """Arrays by key, least recently used dropped first once their bytes exceed the budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.nbytes = 0
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> np.ndarray | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, value: np.ndarray) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= old.nbytes
        self._items[key] = value
        self.nbytes += value.nbytes
        while self.nbytes > self.budget and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self.nbytes -= dropped.nbytes
