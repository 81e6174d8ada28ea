"""The simulator's market data: a seeded random-walk price engine with MT5-shaped ticks and bars.

Times are server epochs (seconds, or milliseconds for *_msc). Each symbol's prices have two parts:

- before `start`, M1 history, generated a server day at a time when somebody needs it (barstore.py keeps
  the bars of every timeframe, history.py makes the days);
- from `start` on, live ticks (advance_to/set_price, made here) and the M1 bars built from them.

The clock may begin before `start` (replay_from): it then replays the history, quoting the ticks that are
synthesized from its M1 bars (open, low/high, high/low, close at +0/+20/+40/+59 s), as MT5's tester does
on M1 data. That is how the demo account gets a month of trading without generating a month of ticks.
Nothing after the clock is visible: quotes, bars and ticks all stop at `now`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from mt5bridge.simulator import bars as b
from mt5bridge.simulator.barstore import BarStore, Clock, SymbolState, day_seconds
from mt5bridge.simulator.history import BACKFILL_DAYS, MIN_H1_BARS, ByteLRU, rng
from mt5bridge.simulator.past_reads import PastReads
from mt5bridge.simulator.sessions import DAY, is_open, next_close, next_open, window_start
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.simulator.ticks import (
    BID_ASK,
    TICK_DTYPE,
    NewTicks,
    TickBuffer,
    Walk,
    generate,
    make_ticks,
    synth_one,
    synthesize,
)
from mt5bridge.terminal import constants as c

__all__ = ["BACKFILL_DAYS", "MIN_H1_BARS", "PriceEngine"]

_P0, _LIVE = 0, 2
_NO_TICKS = np.empty(0, TICK_DTYPE)
TICK_BUFFER = 100_000
"""Live ticks kept per symbol (about 2.3 days at one tick per 2 s, 2.6 MB); older ones are synthesized."""
CACHE_BYTES = 16 << 20
"""Default budget of the engine's cache of generated days (a day of M1 bars is at most 109 KB)."""


class PriceEngine(PastReads):
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
        self._clock = Clock(self._start_msc)
        self._live_moved = False
        # Resuming a saved simulator: history is generated to end at the saved Bid, so no gap appears;
        # before `history_end` (when the first simulator started) it is the seeded history it had.
        self._start_prices = dict(start_prices or {})
        self._bars = BarStore(
            self._clock, seed=seed, start=self._start, always_open=always_open, history_days=history_days,
            tick_interval=tick_interval, cache_bytes=cache_bytes,
            history_end=history_end if history_end is not None and history_end < self._start else None,
        )  # fmt: skip
        self._states = {spec.name: self._new_state(spec) for spec in specs}

    @property
    def now(self) -> int:
        """Server epoch seconds of the virtual clock."""
        return self._clock.now_msc // 1000

    @property
    def now_msc(self) -> int:
        """Server epoch milliseconds of the virtual clock."""
        return self._clock.now_msc

    @property
    def start(self) -> int:
        """Server epoch seconds at which history ends and live ticks begin."""
        return self._start

    @property
    def replaying(self) -> bool:
        """True while the clock is before `start` (quotes come from the history)."""
        return self._clock.now_msc < self._start_msc

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names of the engine's symbols."""
        return tuple(self._states)

    @property
    def cache(self) -> ByteLRU:
        """The cache of generated and aggregated days (for tests and memory figures)."""
        return self._bars.cache

    # ----- state -----

    def _new_state(self, spec: SymbolSpec) -> SymbolState:
        shock = rng(self._seed, spec.name, _P0).standard_normal() * spec.daily_vol * 3
        seeded = spec.base_price * math.exp(shock)
        level = self._start_prices.get(spec.name, seeded)
        p0_pts = int(b.quantize(np.array([level]), spec)[0])
        scale = 10.0**spec.digits
        p0, ask0 = p0_pts / scale, (p0_pts + spec.spread) / scale
        start_msc = self._start_msc
        when = start_msc if is_open(spec.session, self._start, self._always) else self._last_close_msc(spec)
        walk = Walk(math.log(p0), p0_pts, spec.spread, when)
        sigma = spec.daily_vol / math.sqrt(day_seconds(spec, self._always))
        buffer = TickBuffer(self._tick_buffer, spec.digits)
        state = SymbolState(spec, p0_pts, sigma, walk, (when, p0, ask0), buffer)
        state.seeded_pts = int(b.quantize(np.array([seeded]), spec)[0])
        if when == start_msc:
            self._record(state, make_ticks(np.array([when]), np.array([p0]), np.array([ask0]), BID_ASK))
        return state

    def _last_close_msc(self, spec: SymbolSpec) -> int:
        """Time of the close tick of the last history M1 bar (market closed at start)."""
        floor = self._start - self._start % 60
        minutes = b.open_minutes(spec.session, floor - 8 * DAY, floor, self._always)
        return int(minutes[-1]) * 1000 + 59_000

    def _state(self, name: str) -> SymbolState:
        try:
            return self._states[name]
        except KeyError:
            raise KeyError(f"unknown symbol {name!r}") from None

    def _record(self, state: SymbolState, ticks: np.ndarray) -> None:
        state.buffer.append(ticks)
        state.live.add_ticks(ticks, state.spec.digits)
        last = ticks[-1]
        state.last = (int(last["time_msc"]), float(last["bid"]), float(last["ask"]))

    # ----- quotes -----

    def tick(self, name: str) -> tuple[int, float, float]:
        """(time_msc, bid, ask) of the latest tick; stale while the market is closed."""
        state = self._state(name)
        if self._clock.now_msc >= self._start_msc:
            return state.last
        if state.quote is None or state.quote[0] != self._clock.now_msc:
            state.quote = (self._clock.now_msc, self._synth_at(state, self._clock.now_msc))
        return state.quote[1]

    def _synth_at(self, state: SymbolState, time_msc: int) -> tuple[int, float, float]:
        """The synthesized tick at or before time_msc (from the M1 bar holding it or the last before)."""
        bars = self._bars.last_bars(state, c.TIMEFRAME_M1, time_msc // 1000, 1, cut=False)
        if not len(bars):
            raise ValueError(f"{state.spec.name}: no price at or before {time_msc}")
        return synth_one(bars[-1], time_msc, state.spec.digits)

    def price_at(self, name: str, time_msc: int) -> tuple[float, float]:
        """(bid, ask) of the latest tick at or before time_msc (never after the clock)."""
        state = self._state(name)
        time_msc = min(time_msc, self._clock.now_msc)
        if self._clock.now_msc >= self._start_msc:
            held = state.buffer.times
            if len(held) and time_msc >= held[0]:
                return state.buffer.quote(int(np.searchsorted(held, time_msc, side="right")) - 1)
        _, bid, ask = self._synth_at(state, time_msc)
        return bid, ask

    def set_price(self, name: str, bid: float, ask: float | None, time_msc: int) -> np.ndarray:
        """Record a tick at time_msc (last tick time <= time_msc <= now); the walk continues from it."""
        state = self._state(name)
        spec = state.spec
        if self._clock.now_msc < self._start_msc:
            raise ValueError(f"{name}: no live prices while the clock replays history")
        if not state.last[0] <= time_msc <= self._clock.now_msc:
            raise ValueError(f"{name}: tick time {time_msc} outside [last tick, now]")
        bid_pts = b.to_points(bid, spec)
        spread = spec.spread if ask is None else b.to_points(ask, spec) - bid_pts
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
        key = (self._clock.now_msc if self._clock.now_msc < self._start_msc else self.now // DAY, state.last)
        if state.stats is None or state.stats[0] != key:
            state.stats = (key, self._bars.day_stats(state))
        return state.stats[1]

    # ----- clock -----

    def replay_from(self, time_msc: int) -> None:
        """Set the clock back to time_msc, before `start`, to replay history from there up to `start`.

        Only for a fresh engine (no live tick generated yet), and within the M1 history (history_days)."""
        if self._live_moved or self._clock.now_msc != self._start_msc:
            raise ValueError("replay_from needs a fresh engine, before any live tick")
        earliest = (self._start_day - self._history_days * DAY) * 1000
        if not earliest <= time_msc < self._start_msc:
            raise ValueError("replay must begin before start and within history_days of it")
        self._clock.now_msc = int(time_msc)

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
        if time_msc < self._clock.now_msc:
            raise ValueError("the clock cannot go back")
        while self._clock.now_msc < time_msc:
            end = min(time_msc, self._clock.now_msc + chunk_ms)
            if self._clock.now_msc < self._start_msc:
                yield self._replay(min(end, self._start_msc))
            else:
                yield self._step(end)

    def _replay(self, end: int) -> NewTicks:
        begin = self._clock.now_msc
        self._clock.now_msc = end

        def ticks(name: str) -> np.ndarray:
            state = self._states[name]
            lo = -((59_000 - begin - 1) // 1000)  # first bar whose +59 s tick can be after begin
            bars = self._bars.between(state, c.TIMEFRAME_M1, lo, end // 1000, cut=False)
            synth = synthesize(bars, state.spec.digits)
            times = synth["time_msc"]
            return synth[
                int(np.searchsorted(times, begin, "right")) : int(np.searchsorted(times, end, "right"))
            ]

        return NewTicks(self.names, [ticks])

    def _step(self, end: int) -> dict[str, np.ndarray]:
        begin = self._clock.now_msc
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
        self._clock.now_msc = end
        self._live_moved = True
        return out

    def _live_rng(self, state: SymbolState) -> np.random.Generator:
        if state.rng is None:
            state.rng = rng(self._seed, state.spec.name, _LIVE)
        return state.rng

    def _windows(
        self, state: SymbolState, begin: int, end: int
    ) -> Iterator[tuple[tuple[int, int, int], float]]:
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


def _reader(chunk: Mapping[str, np.ndarray]) -> Callable[[str], np.ndarray]:
    return lambda name: chunk.get(name, _NO_TICKS)
