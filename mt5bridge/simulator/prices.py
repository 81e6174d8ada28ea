"""The simulator's market data: a seeded random-walk price engine with MT5-shaped ticks and bars.

Times are server epochs (seconds, or milliseconds for *_msc). Each symbol's prices have two parts:

- before `start`, M1 history (history.py), generated a server day at a time when somebody needs it, from
  RNGs seeded by (seed, symbol, day): answers never depend on what was asked first, and only the days in
  a small byte-bounded cache take memory;
- from `start` on, live ticks (advance_to/set_price) and the M1 bars built from them.

The clock may begin before `start` (replay_from): it then replays the history, quoting the ticks that are
synthesized from its M1 bars (open, low/high, high/low, close at +0/+20/+40/+59 s), as MT5's tester does
on M1 data. That is how the demo account gets a month of trading without generating a month of ticks.
Nothing after the clock is visible: quotes, bars and ticks all stop at `now`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mt5bridge.simulator import bars as b
from mt5bridge.simulator.history import BACKFILL_DAYS, MIN_H1_BARS, ByteLRU, SymbolHistory, rng
from mt5bridge.simulator.sessions import DAY, SESSIONS, is_open, next_close, next_open, window_start
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.simulator.ticks import BID_ASK, TICK_DTYPE, TickBuffer, Walk, generate, make_ticks, synthesize
from mt5bridge.terminal import constants as c

__all__ = ["BACKFILL_DAYS", "MIN_H1_BARS", "PriceEngine"]

_P0, _LIVE = 0, 2
_NO_BARS = np.empty(0, b.BAR_DTYPE)
_NO_TICKS = np.empty(0, TICK_DTYPE)
_NO_TIMES = np.empty(0, np.int64)
_RAW = 0  # cache key "timeframe" of a whole history day's M1 bars (no TIMEFRAME_* constant is 0)
_SYNTH_OFFSETS = (0, 20_000, 40_000, 59_000)  # as ticks.synthesize places its four ticks
TICK_BUFFER = 100_000
"""Live ticks kept per symbol (about 2.3 days at one tick per 2 s, 2.6 MB); older ones are synthesized."""
CACHE_BYTES = 16 << 20
"""Default budget of the engine's cache of generated days (a day of M1 bars is at most 109 KB)."""


@dataclass(slots=True)
class _State:
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


class NewTicks(Mapping[str, np.ndarray]):
    """New ticks per symbol, built when asked for (replayed ticks cost nothing for symbols nobody reads)."""

    def __init__(self, names: Sequence[str], parts: Sequence[Callable[[str], np.ndarray]]) -> None:
        self._names = names
        self._parts = parts
        self._done: dict[str, np.ndarray] = {}

    def _ticks(self, name: str) -> np.ndarray:
        found = self._done.get(name)
        if found is None:
            chunks = [part(name) for part in self._parts]
            found = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
            self._done[name] = found
        return found

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        found = self._ticks(name)
        if not len(found):
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._names if len(self._ticks(name)))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class PriceEngine:
    """Ticks and bars for a set of symbols on a virtual server clock."""

    def __init__(
        self,
        specs: Sequence[SymbolSpec],
        *,
        seed: int,
        start: int,
        always_open: bool = False,
        history_days: int = 60,
        tick_interval: float = 2.0,
        tick_buffer: int = TICK_BUFFER,
        start_prices: Mapping[str, float] | None = None,
        history_end: int | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        if history_days < 7 or tick_interval <= 0:
            raise ValueError("history_days must be >= 7 and tick_interval > 0")
        self._seed = seed
        self._start = int(start)
        self._start_msc = self._start * 1000
        self._start_day = self._start - self._start % DAY
        self._always = always_open
        self._history_days = history_days
        self._interval = tick_interval
        self._tick_buffer = tick_buffer
        self._now_msc = self._start_msc
        self._live_moved = False
        self._cache = ByteLRU(cache_bytes)
        # Resuming a saved simulator: history is generated to end at the saved Bid, so no gap appears;
        # before `history_end` (when the first simulator started) it is the seeded history it had.
        self._start_prices = dict(start_prices or {})
        self._history_end = history_end if history_end is not None and history_end < self._start else None
        self._states = {spec.name: self._new_state(spec) for spec in specs}

    @property
    def now(self) -> int:
        """Server epoch seconds of the virtual clock."""
        return self._now_msc // 1000

    @property
    def now_msc(self) -> int:
        """Server epoch milliseconds of the virtual clock."""
        return self._now_msc

    @property
    def start(self) -> int:
        """Server epoch seconds at which history ends and live ticks begin."""
        return self._start

    @property
    def replaying(self) -> bool:
        """True while the clock is before `start` (quotes come from the history)."""
        return self._now_msc < self._start_msc

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names of the engine's symbols."""
        return tuple(self._states)

    @property
    def cache(self) -> ByteLRU:
        """The cache of generated and aggregated days (for tests and memory figures)."""
        return self._cache

    # ----- state -----

    def _day_seconds(self, spec: SymbolSpec) -> float:
        return float(DAY) if self._always else SESSIONS[spec.session].seconds_per_trading_day

    def _new_state(self, spec: SymbolSpec) -> _State:
        shock = rng(self._seed, spec.name, _P0).standard_normal() * spec.daily_vol * 3
        seeded = spec.base_price * math.exp(shock)
        level = self._start_prices.get(spec.name, seeded)
        p0_pts = int(b.quantize(np.array([level]), spec)[0])
        scale = 10.0**spec.digits
        p0, ask0 = p0_pts / scale, (p0_pts + spec.spread) / scale
        start_msc = self._start_msc
        when = start_msc if is_open(spec.session, self._start, self._always) else self._last_close_msc(spec)
        walk = Walk(math.log(p0), p0_pts, spec.spread, when)
        sigma = spec.daily_vol / math.sqrt(self._day_seconds(spec))
        buffer = TickBuffer(self._tick_buffer, spec.digits)
        state = _State(spec, p0_pts, sigma, walk, (when, p0, ask0), buffer)
        state.seeded_pts = int(b.quantize(np.array([seeded]), spec)[0])
        if when == start_msc:
            self._record(state, make_ticks(np.array([when]), np.array([p0]), np.array([ask0]), BID_ASK))
        return state

    def _last_close_msc(self, spec: SymbolSpec) -> int:
        """Time of the close tick of the last history M1 bar (market closed at start)."""
        floor = self._start - self._start % 60
        minutes = b.open_minutes(spec.session, floor - 8 * DAY, floor, self._always)
        return int(minutes[-1]) * 1000 + 59_000

    def _state(self, name: str) -> _State:
        try:
            return self._states[name]
        except KeyError:
            raise KeyError(f"unknown symbol {name!r}") from None

    def _record(self, state: _State, ticks: np.ndarray) -> None:
        state.buffer.append(ticks)
        state.live.add_ticks(ticks, state.spec.digits)
        last = ticks[-1]
        state.last = (int(last["time_msc"]), float(last["bid"]), float(last["ask"]))

    def _history(self, state: _State) -> SymbolHistory:
        if state.history is None:
            spec = state.spec
            state.history = SymbolHistory(
                spec, seed=self._seed, start=self._start, end_pts=state.p0_pts,
                history_days=self._history_days, tick_interval=self._interval,
                day_seconds=self._day_seconds(spec), always=self._always,
                anchor=None if self._history_end is None else (self._history_end, state.seeded_pts),
            )  # fmt: skip
        return state.history

    # ----- days of bars -----

    def _history_day(self, state: _State, day: int, *, keep: bool = True) -> np.ndarray:
        """Every history M1 bar of the server day `day` (cached when `keep`); none outside the history."""
        history = self._history(state)
        if not history.first_day <= day <= history.last_day:
            return _NO_BARS
        key = (state.spec.name, _RAW, day)
        found = self._cache.get(key)
        if found is None:
            found = history.day_bars(day)
            if keep:
                self._cache.put(key, found)
        return found

    def _day_m1(self, state: _State, day: int, *, cut: bool, keep: bool = True) -> np.ndarray:
        """M1 bars of one server day up to the clock: history, live bars, or both on the start day.

        While replaying, the bar holding the clock is cut to the ticks already quoted when `cut`, else
        it is whole (callers then drop the synthesized ticks after `now`)."""
        now = self._now_msc
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
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _day_bars(self, state: _State, timeframe: int, day: int, *, cut: bool = True) -> np.ndarray:
        """Bars of `timeframe` (M1 to D1) of one server day up to the clock; whole past days are cached.

        Every such timeframe divides a day, so no bar straddles two days and days are built apart."""
        sealed = (day + DAY) * 1000 <= self._now_msc
        if timeframe == c.TIMEFRAME_M1 and day < self._start_day:
            return self._day_m1(state, day, cut=cut)
        key = (state.spec.name, timeframe, day)
        if sealed:
            found = self._cache.get(key)
            if found is not None:
                return found
        # a whole day aggregated once need not stay in the cache as M1; the clock's own day is read again
        m1 = self._day_m1(state, day, cut=cut, keep=timeframe == c.TIMEFRAME_M1 or not sealed)
        if timeframe == c.TIMEFRAME_M1:
            bars = m1.copy() if sealed else m1  # sealed live bars: a copy, not a view of the live buffer
        else:
            bars = b.aggregate(m1, b.bucket(timeframe, m1["time"]))
        if sealed:
            self._cache.put(key, bars)
        return bars

    def _sealed_d1(self, state: _State) -> np.ndarray:
        """The backfill and a D1 bar for each whole history day before the start day (built once)."""
        if state.sealed_d1 is None:
            history = self._history(state)
            rows = [history.backfill()]
            for day in history.days.tolist():
                if day < self._start_day:
                    m1 = self._history_day(state, day, keep=False)
                    rows.append(b.aggregate(m1, b.bucket(c.TIMEFRAME_D1, m1["time"])))
            state.sealed_d1 = np.concatenate(rows)
        return state.sealed_d1

    def _daily(self, state: _State, timeframe: int) -> np.ndarray:
        """Every D1, W1 or MN1 bar up to the clock."""
        now = self.now
        today = now - now % DAY
        first_open = min(today, self._start_day)  # the first day that is not a whole history day
        sealed = self._sealed_d1(state)
        parts = [sealed[: int(np.searchsorted(sealed["time"], first_open))]]
        parts += [self._day_bars(state, c.TIMEFRAME_D1, day) for day in range(first_open, today + 1, DAY)]
        d1 = np.concatenate(parts)
        return d1 if timeframe == c.TIMEFRAME_D1 else b.aggregate(d1, b.bucket(timeframe, d1["time"]))

    def _first_day(self, state: _State) -> int:
        return self._history(state).first_day

    def _last_bars(self, state: _State, timeframe: int, t: int, need: int, *, cut: bool = True) -> np.ndarray:
        """The last `need` bars with open time <= t (and <= now), oldest first; fewer when history ends."""
        if need <= 0:
            return _NO_BARS
        if timeframe in b.DAILY_TIMEFRAMES:
            series = self._daily(state, timeframe)
            end = int(np.searchsorted(series["time"], t, side="right"))
            return series[max(0, end - need) : end]
        t = min(t, self.now)
        day, first = t - t % DAY, self._first_day(state)
        parts: list[np.ndarray] = []
        total = 0
        while total < need and day >= first:
            bars = self._day_bars(state, timeframe, day, cut=cut)
            if len(bars) and bars["time"][-1] > t:
                bars = bars[: int(np.searchsorted(bars["time"], t, side="right"))]
            if len(bars):
                parts.append(bars)
                total += len(bars)
            day -= DAY
        if not parts:
            return _NO_BARS
        out = parts[0] if len(parts) == 1 else np.concatenate(parts[::-1])
        return out[max(0, len(out) - need) :]

    def _first_bars(self, state: _State, t: int, need: int) -> np.ndarray:
        """The first `need` M1 bars with open time >= t (whole bars: the caller drops ticks after now)."""
        now = self.now
        day = max(t - t % DAY, self._first_day(state))
        parts: list[np.ndarray] = []
        total = 0
        while total < need and day <= now:
            bars = self._day_bars(state, c.TIMEFRAME_M1, day, cut=False)
            if len(bars) and bars["time"][0] < t:
                bars = bars[int(np.searchsorted(bars["time"], t, side="left")) :]
            if len(bars):
                parts.append(bars)
                total += len(bars)
            day += DAY
        if not parts:
            return _NO_BARS
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return out[:need]

    def _range(self, state: _State, timeframe: int, lo: int, hi: int, *, cut: bool = True) -> np.ndarray:
        """Bars with lo <= open time <= hi (and <= now), oldest first."""
        if timeframe in b.DAILY_TIMEFRAMES:
            series = self._daily(state, timeframe)
        else:
            hi = min(hi, self.now)
            lo = max(lo, self._first_day(state))
            if hi < lo:
                return _NO_BARS
            days = range(lo - lo % DAY, hi - hi % DAY + 1, DAY)
            parts = [p for p in (self._day_bars(state, timeframe, d, cut=cut) for d in days) if len(p)]
            if not parts:
                return _NO_BARS
            series = parts[0] if len(parts) == 1 else np.concatenate(parts)
        times = series["time"]
        return series[int(np.searchsorted(times, lo, side="left")) : int(np.searchsorted(times, hi, "right"))]

    # ----- quotes -----

    def tick(self, name: str) -> tuple[int, float, float]:
        """(time_msc, bid, ask) of the latest tick; stale while the market is closed."""
        state = self._state(name)
        if self._now_msc >= self._start_msc:
            return state.last
        if state.quote is None or state.quote[0] != self._now_msc:
            state.quote = (self._now_msc, self._synth_at(state, self._now_msc))
        return state.quote[1]

    def _synth_at(self, state: _State, time_msc: int) -> tuple[int, float, float]:
        """The synthesized tick at or before time_msc (from the M1 bar holding it or the last before)."""
        bars = self._last_bars(state, c.TIMEFRAME_M1, time_msc // 1000, 1, cut=False)
        if not len(bars):
            raise ValueError(f"{state.spec.name}: no price at or before {time_msc}")
        return _synth_one(bars[-1], time_msc, state.spec.digits)

    def price_at(self, name: str, time_msc: int) -> tuple[float, float]:
        """(bid, ask) of the latest tick at or before time_msc (never after the clock)."""
        state = self._state(name)
        time_msc = min(time_msc, self._now_msc)
        if self._now_msc >= self._start_msc:
            held = state.buffer.times
            if len(held) and time_msc >= held[0]:
                return state.buffer.quote(int(np.searchsorted(held, time_msc, side="right")) - 1)
        _, bid, ask = self._synth_at(state, time_msc)
        return bid, ask

    def set_price(self, name: str, bid: float, ask: float | None, time_msc: int) -> np.ndarray:
        """Record a tick at time_msc (last tick time <= time_msc <= now); the walk continues from it."""
        state = self._state(name)
        spec = state.spec
        if self._now_msc < self._start_msc:
            raise ValueError(f"{name}: no live prices while the clock replays history")
        if not state.last[0] <= time_msc <= self._now_msc:
            raise ValueError(f"{name}: tick time {time_msc} outside [last tick, now]")
        bid_pts = _points(bid, spec)
        spread = spec.spread if ask is None else _points(ask, spec) - bid_pts
        if spread < 0:
            raise ValueError(f"{name}: ask below bid")
        walk = state.walk
        flags = (c.TICK_FLAG_BID if bid_pts != walk.bid_pts else 0) | (
            c.TICK_FLAG_ASK if bid_pts + spread != walk.bid_pts + walk.spread else 0
        )
        scale = 10.0**spec.digits
        tick = make_ticks(
            np.array([time_msc]),
            np.array([bid_pts / scale]),
            np.array([(bid_pts + spread) / scale]),
            flags or BID_ASK,
        )
        walk.log_price, walk.bid_pts, walk.spread, walk.time_msc = (
            math.log(bid_pts / scale),
            bid_pts,
            spread,
            time_msc,
        )
        self._live_moved = True
        self._record(state, tick)
        return tick.copy()

    def day_stats(self, name: str) -> tuple[float, float, float, float, float]:
        """(bidhigh, bidlow, askhigh, asklow, session open) of the last server day with trading."""
        state = self._state(name)
        # symbol_info asks this for every symbol on every call: unchanged until a tick or the clock moves
        key = (self._now_msc if self._now_msc < self._start_msc else self.now // DAY, state.last)
        if state.stats is None or state.stats[0] != key:
            state.stats = (key, self._day_stats(state))
        return state.stats[1]

    def _day_stats(self, state: _State) -> tuple[float, float, float, float, float]:
        now = self.now
        day, first = now - now % DAY, self._first_day(state)
        while day >= first:
            bars = self._day_bars(state, c.TIMEFRAME_D1, day)
            if len(bars):
                break
            day -= DAY
        else:
            bars = self._history(state).backfill()
        last = bars[-1]
        return (
            float(last["high"]),
            float(last["low"]),
            float(last["ask_high"]),
            float(last["ask_low"]),
            float(last["open"]),
        )

    # ----- clock -----

    def replay_from(self, time_msc: int) -> None:
        """Set the clock back to time_msc, before `start`, to replay history from there up to `start`.

        Only for a fresh engine (no live tick generated yet), and within the M1 history (history_days)."""
        if self._live_moved or self._now_msc != self._start_msc:
            raise ValueError("replay_from needs a fresh engine, before any live tick")
        earliest = (self._start_day - self._history_days * DAY) * 1000
        if not earliest <= time_msc < self._start_msc:
            raise ValueError("replay must begin before start and within history_days of it")
        self._now_msc = int(time_msc)

    def advance_to(self, time_msc: int) -> Mapping[str, np.ndarray]:
        """Move the clock to time_msc; the new ticks per symbol (symbols without new ticks omitted).

        Live ticks come as a dict; replayed ones (before `start`) are synthesized when a symbol is read."""
        chunks = list(self.advance_iter(time_msc))
        if len(chunks) == 1:
            return chunks[0]
        if all(isinstance(chunk, dict) for chunk in chunks):
            parts: dict[str, list[np.ndarray]] = {}
            for chunk in chunks:
                for name, ticks in chunk.items():
                    parts.setdefault(name, []).append(ticks)
            return {name: p[0] if len(p) == 1 else np.concatenate(p) for name, p in parts.items()}
        return NewTicks(self.names, [_reader(chunk) for chunk in chunks])

    def advance_iter(self, time_msc: int, chunk_ms: int = DAY * 1000) -> Iterator[Mapping[str, np.ndarray]]:
        """advance_to in steps of at most chunk_ms, yielding each step's new ticks (bounded memory)."""
        if time_msc < self._now_msc:
            raise ValueError("the clock cannot go back")
        while self._now_msc < time_msc:
            end = min(time_msc, self._now_msc + chunk_ms)
            if self._now_msc < self._start_msc:
                yield self._replay(min(end, self._start_msc))
            else:
                yield self._step(end)

    def _replay(self, end: int) -> NewTicks:
        begin = self._now_msc
        self._now_msc = end

        def ticks(name: str) -> np.ndarray:
            state = self._states[name]
            lo = -((59_000 - begin - 1) // 1000)  # first bar whose +59 s tick can be after begin
            bars = self._range(state, c.TIMEFRAME_M1, lo, end // 1000, cut=False)
            synth = synthesize(bars, state.spec.digits)
            times = synth["time_msc"]
            return synth[
                int(np.searchsorted(times, begin, "right")) : int(np.searchsorted(times, end, "right"))
            ]

        return NewTicks(self.names, [ticks])

    def _step(self, end: int) -> dict[str, np.ndarray]:
        begin = self._now_msc
        out: dict[str, np.ndarray] = {}
        for name, state in self._states.items():
            spec = state.spec
            chunks = [
                generate(spec, self._live_rng(state), state.walk, span, interval_s=self._interval,
                         sigma_per_s=state.sigma, gap_s=gap)
                for span, gap in self._windows(state, begin, end)
            ]  # fmt: skip
            ticks = chunks[0] if len(chunks) == 1 else np.concatenate(chunks or [_NO_TICKS])
            if len(ticks):
                self._record(state, ticks)
                out[name] = ticks
        self._now_msc = end
        self._live_moved = True
        return out

    def _live_rng(self, state: _State) -> np.random.Generator:
        if state.rng is None:
            state.rng = rng(self._seed, state.spec.name, _LIVE)
        return state.rng

    def _windows(self, state: _State, begin: int, end: int) -> Iterator[tuple[tuple[int, int, int], float]]:
        """Open spans in (begin, end] as ((lo, hi, anchor) ms, closed seconds skipped since the last tick)."""
        session = state.spec.session
        cursor = (begin + 1) // 1000
        while True:
            opened = next_open(session, cursor, self._always)
            if opened * 1000 > end:
                return
            closes = next_close(session, opened, self._always)
            began = window_start(session, opened, self._always) * 1000
            lo, hi = max(begin + 1, opened * 1000), min(end, closes * 1000 - 1)
            last = state.walk.time_msc  # read per window: generate() moves it
            anchor, gap = (began, (began - last) / 1000) if began > last else (last, 0.0)
            if lo <= hi:
                yield (lo, hi, anchor), gap
            if closes * 1000 > end:
                return
            cursor = closes

    # ----- bars -----

    def rates_from(self, name: str, timeframe: int, date_from: int, count: int) -> np.ndarray:
        """`count` bars with open time <= date_from, ascending (MT5 copy_rates_from)."""
        _check_count(count)
        b.check_timeframe(timeframe)
        return b.to_rates(self._last_bars(self._state(name), timeframe, date_from, count))

    def rates_from_pos(self, name: str, timeframe: int, start_pos: int, count: int) -> np.ndarray:
        """Bars by position, 0 = the current (last) bar; returned oldest-first."""
        _check_count(count)
        _check_count(start_pos)
        b.check_timeframe(timeframe)
        state = self._state(name)
        rates = self._last_bars(state, timeframe, self.now, start_pos + count)
        end = len(rates) - start_pos
        return b.to_rates(rates[max(0, end - count) : max(0, end)])

    def rates_range(self, name: str, timeframe: int, date_from: int, date_to: int) -> np.ndarray:
        """Bars with date_from <= open time <= date_to."""
        b.check_timeframe(timeframe)
        return b.to_rates(self._range(self._state(name), timeframe, date_from, date_to))

    # ----- ticks -----

    def _held(self, state: _State) -> np.ndarray:
        """Times of the retained live ticks (none while replaying: they all lie after the clock)."""
        return state.buffer.times if self._now_msc >= self._start_msc else _NO_TIMES

    def _synth(self, state: _State, bars: np.ndarray, lo_msc: int, held: np.ndarray) -> np.ndarray:
        """Ticks synthesized from M1 bars, from lo_msc up to the clock and before the oldest held tick."""
        synth = synthesize(bars, state.spec.digits)
        times = synth["time_msc"]
        upper = self._now_msc if not len(held) else min(self._now_msc, int(held[0]) - 1)
        return synth[
            int(np.searchsorted(times, lo_msc, "left")) : int(np.searchsorted(times, upper, "right"))
        ]

    def ticks_from(self, name: str, date_from_msc: int, count: int, flags: int) -> np.ndarray:
        """The first `count` ticks at or after date_from_msc."""
        _check_count(count)
        if not _wants_quotes(flags):
            return np.empty(0, TICK_DTYPE)
        state = self._state(name)
        held = self._held(state)
        old = _NO_TICKS
        if not len(held) or date_from_msc < held[0]:
            first_bar = -((59_000 - date_from_msc) // 1000)  # the first bar whose +59 s tick is not before
            old = self._synth(state, self._first_bars(state, first_bar, count), date_from_msc, held)
        lo = int(np.searchsorted(held, date_from_msc, side="left"))
        recent = state.buffer.slice(lo, lo + max(0, count - len(old)))
        return np.concatenate((old, recent))[:count]

    def ticks_range(self, name: str, date_from_msc: int, date_to_msc: int, flags: int) -> np.ndarray:
        """Ticks with date_from_msc <= time_msc <= date_to_msc."""
        if not _wants_quotes(flags):
            return np.empty(0, TICK_DTYPE)
        state = self._state(name)
        held = self._held(state)
        old = _NO_TICKS
        if not len(held) or date_from_msc < held[0]:
            first_bar = -((59_000 - date_from_msc) // 1000)
            bars = self._range(state, c.TIMEFRAME_M1, first_bar, date_to_msc // 1000, cut=False)
            old = self._synth(state, bars, date_from_msc, held)
            old = old[old["time_msc"] <= date_to_msc]
        lo = int(np.searchsorted(held, date_from_msc, side="left"))
        hi = int(np.searchsorted(held, date_to_msc, side="right"))
        return np.concatenate((old, state.buffer.slice(lo, hi)))


def _reader(chunk: Mapping[str, np.ndarray]) -> Callable[[str], np.ndarray]:
    return lambda name: chunk.get(name, _NO_TICKS)


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


def _synth_one(bar: np.void, time_msc: int, digits: int) -> tuple[int, float, float]:
    """The tick `synthesize` makes from one M1 bar that is the latest at or before time_msc (scalar path)."""
    o, h, lo, cl = float(bar["open"]), float(bar["high"]), float(bar["low"]), float(bar["close"])
    bids = (o, lo, h, cl) if cl >= o else (o, h, lo, cl)
    start = int(bar["time"]) * 1000
    k = sum(1 for offset in _SYNTH_OFFSETS if start + offset <= time_msc) - 1
    k = max(k, 0)
    while k > 0 and bids[k] == bids[k - 1]:  # synthesize drops a repeated price: the earlier tick holds it
        k -= 1
    scale = 10.0**digits
    return start + _SYNTH_OFFSETS[k], bids[k], (round(bids[k] * scale) + int(bar["spread"])) / scale


def _points(price: float, spec: SymbolSpec) -> int:
    """A price as int points, refusing prices that are not positive or not on the tick grid."""
    if not price > 0:
        raise ValueError(f"{spec.name}: price must be positive")
    ticks = price / spec.tick_size
    if abs(ticks - round(ticks)) > 1e-6:
        raise ValueError(f"{spec.name}: price {price} is not a multiple of tick size {spec.tick_size}")
    return round(ticks) * spec.tick_steps


def _check_count(value: int) -> None:
    if value < 0:
        raise ValueError("count and position must be >= 0")


def _wants_quotes(flags: int) -> bool:
    """COPY_TICKS_ALL / INFO return our bid/ask ticks; TRADE asks for last/volume ticks, which CFDs lack."""
    if flags in (c.COPY_TICKS_ALL, c.COPY_TICKS_INFO):
        return True
    if flags == c.COPY_TICKS_TRADE:
        return False
    raise ValueError(f"invalid copy ticks flags {flags!r}")
