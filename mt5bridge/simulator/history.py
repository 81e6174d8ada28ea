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
from collections.abc import Callable, Hashable
from dataclasses import dataclass
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
_MOVES, _DAY, _BACKFILL, _BRIDGE, _BRIDGE_DAY = 1, 3, 4, 5, 6
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


@dataclass(frozen=True, slots=True)
class _Segment:
    """History minutes in [lo, hi), day by day from `first_day`, and the walk's log price at each day
    boundary (`bounds[i]` before day i, `bounds[-1]` at the end, where the last close is `end_pts`)."""

    first_day: int
    lo: int
    hi: int
    bounds: np.ndarray
    end_pts: int
    last_traded: int  # index of the last day with minutes, -1 if none
    purpose: int  # RNG purpose of its days


class SymbolHistory:
    """M1 bars of one symbol for every server day from `first_day` up to the live start (exclusive).

    The walk ends at `end_pts` at `start`. With an `anchor` (time, points) before `start`, the seeded walk
    ends at the anchor instead, exactly as it did for the simulator that started at that time, and a
    bridge joins it to `end_pts`: a resumed simulator shows the same history up to the anchor as the
    first one did (the demo month the deals were made on), and a new path only after it.
    """

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
        anchor: tuple[int, int] | None = None,
    ) -> None:
        self.spec = spec
        self._seed = seed
        self._always = always
        self._interval = tick_interval
        self._day_seconds = day_seconds
        self.sigma = spec.daily_vol * math.sqrt(60.0 / day_seconds)
        end = start - start % 60  # the live series takes the minute holding `start`
        split, split_pts = end, end_pts
        if anchor is not None and anchor[0] - anchor[0] % 60 < end:
            split, split_pts = anchor[0] - anchor[0] % 60, anchor[1]
        self.last_day = start - start % DAY
        self.first_day = self._first_day(history_days, split)
        self.days = np.arange(self.first_day, self.last_day + DAY, DAY, dtype=np.int64)
        scale = 10.0**spec.digits
        seeded = self._segment(self.first_day, split, split_pts, _DAY)
        counts = seeded[1]
        moves = rng(seed, spec.name, _MOVES).standard_normal(len(counts)) * self.sigma * np.sqrt(counts)
        bounds = math.log(split_pts / scale) - np.concatenate((np.cumsum(moves[::-1])[::-1], [0.0]))
        self._segments = [seeded[0](bounds)]
        if split < end:
            bridge, counts = self._segment(split, end, end_pts, _BRIDGE_DAY)
            variance = counts * self.sigma**2
            x = rng(seed, spec.name, _BRIDGE).standard_normal(len(counts)) * np.sqrt(variance)
            lo, hi = math.log(split_pts / scale), math.log(end_pts / scale)
            total = float(variance.sum())
            moves = x + variance / total * (hi - lo - x.sum()) if total > 0 else np.zeros(len(counts))
            bounds = lo + np.concatenate(([0.0], np.cumsum(moves)))
            bounds[-1] = hi
            self._segments.append(bridge(bounds))
        self._backfill: np.ndarray | None = None

    def _segment(
        self, lo: int, hi: int, end_pts: int, purpose: int
    ) -> tuple[Callable[[np.ndarray], _Segment], np.ndarray]:
        """A segment's builder (given its bounds) and its open minutes per day."""
        first = lo - lo % DAY
        counts = np.array([len(self._minutes(day, lo, hi)) for day in range(first, hi, DAY)], dtype=np.int64)
        traded = np.flatnonzero(counts)
        last = int(traded[-1]) if len(traded) else -1
        return (lambda bounds: _Segment(first, lo, hi, bounds, end_pts, last, purpose)), counts

    def _first_day(self, history_days: int, end: int) -> int:
        """At least `history_days` calendar days and MIN_H1_BARS hours of trading before `end`."""
        hours = _week(self.spec.session, self._always)[1]
        last_day = end - end % DAY
        last_hours = len(np.unique(self._minutes(last_day, last_day, end) // 3600))
        days = history_days
        while True:
            day0 = last_day - days * DAY
            total = last_hours + sum(hours[_weekday(d)] for d in range(day0, last_day, DAY))
            if total >= MIN_H1_BARS:
                return day0
            # short sessions (HK50) need more calendar days for the same number of H1 bars
            days = math.ceil(days * MIN_H1_BARS / max(total, 1)) + 7

    def _minutes(self, day: int, lo: int, hi: int) -> np.ndarray:
        minutes = day_minutes(self.spec.session, self._always, day)
        if len(minutes) and (minutes[0] < lo or minutes[-1] >= hi):
            minutes = minutes[int(np.searchsorted(minutes, lo)) : int(np.searchsorted(minutes, hi))]
        return minutes

    def day_bars(self, day: int) -> np.ndarray:
        """The M1 bars of the server day starting at `day` (none outside the history; a new array)."""
        parts = [self._day(seg, day) for seg in self._segments if seg.first_day <= day < seg.hi]
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.empty(0, b.BAR_DTYPE)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _day(self, seg: _Segment, day: int) -> np.ndarray:
        minutes = self._minutes(day, seg.lo, seg.hi)
        n = len(minutes)
        out = np.empty(n, b.BAR_DTYPE)
        if n == 0:
            return out
        spec = self.spec
        i = (day - seg.first_day) // DAY
        r = rng(self._seed, spec.name, seg.purpose, day // DAY)
        lo, hi = float(seg.bounds[i]), float(seg.bounds[i + 1])
        x = r.standard_normal(n) * self.sigma
        path = lo + np.cumsum(x - x.mean() + (hi - lo) / n)
        path[-1] = hi
        log_open = np.empty(n)
        log_open[0] = lo
        log_open[1:] = path[:-1]
        wick = np.abs(r.standard_normal((2, n))) * self.sigma * 0.5
        b.fill_ohlc(out, spec, log_open, path, wick, seg.end_pts if i == seg.last_traded else None)
        out["time"] = minutes
        out["tick_volume"] = 1 + r.poisson(60.0 / self._interval, n)
        out["spread"] = spec.spread
        out["real_volume"] = 0
        return out

    def backfill(self) -> np.ndarray:
        """Daily bars before the first history day, ending at its first open (built once, ~80 KB)."""
        if self._backfill is None:
            spec = self.spec
            first = self.day_bars(self.first_day)
            day = self.first_day
            while not len(first) and day < self.last_day:
                day += DAY
                first = self.day_bars(day)
            price = float(first["open"][0]) if len(first) else self._segments[-1].end_pts / 10.0**spec.digits
            days = b.trading_days_before(spec.session, self.first_day, BACKFILL_DAYS, self._always)
            self._backfill = b.backfill_d1(
                spec, rng(self._seed, spec.name, _BACKFILL), days, price, self._interval, self._day_seconds
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
