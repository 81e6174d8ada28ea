"""The simulator's market data: a seeded random-walk price engine with MT5-shaped ticks and bars.

Times are server epochs (seconds, or milliseconds for *_msc). History before `start` is generated lazily per
symbol from an RNG seeded by (seed, symbol), so answers never depend on the order symbols are asked for.
Live ticks come from advance_to/set_price; live bars are built from those ticks.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mt5bridge import constants as c
from mt5bridge.simulator import bars as b
from mt5bridge.simulator.sessions import DAY, SESSIONS, is_open, next_close, next_open, window_start
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.simulator.ticks import BID_ASK, TICK_DTYPE, TickBuffer, Walk, generate, make_ticks, synthesize

BACKFILL_DAYS = 1050
"""Trading days of daily backfill before the M1 history, so D1 always has at least 1000 bars."""
MIN_H1_BARS = 1010
"""M1 history always spans at least this many H1 bars (more days for symbols with short sessions)."""
_P0, _HISTORY, _LIVE = 0, 1, 2


def _rng(seed: int, name: str, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**64, zlib.crc32(name.encode()), purpose])


@dataclass(slots=True)
class _History:
    m1: np.ndarray
    d1: np.ndarray


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
    history: _History | None = None
    version: int = 0
    cache: dict[tuple[str, int], tuple[int, np.ndarray]] = field(default_factory=dict)


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
        tick_buffer: int = 200_000,
        start_prices: Mapping[str, float] | None = None,
    ) -> None:
        if history_days < 7 or tick_interval <= 0:
            raise ValueError("history_days must be >= 7 and tick_interval > 0")
        self._seed = seed
        self._start = int(start)
        self._always = always_open
        self._history_days = history_days
        self._interval = tick_interval
        self._tick_buffer = tick_buffer
        self._now_msc = self._start * 1000
        # Resuming a saved simulator: history is generated to end at the saved Bid, so no gap appears.
        self._start_prices = dict(start_prices or {})
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
    def names(self) -> tuple[str, ...]:
        """Canonical names of the engine's symbols."""
        return tuple(self._states)

    # ----- state -----

    def _day_seconds(self, spec: SymbolSpec) -> float:
        return float(DAY) if self._always else SESSIONS[spec.session].seconds_per_trading_day

    def _new_state(self, spec: SymbolSpec) -> _State:
        shock = _rng(self._seed, spec.name, _P0).standard_normal() * spec.daily_vol * 3
        level = self._start_prices.get(spec.name, spec.base_price * math.exp(shock))
        p0_pts = int(b.quantize(np.array([level]), spec)[0])
        scale = 10.0**spec.digits
        p0, ask0 = p0_pts / scale, (p0_pts + spec.spread) / scale
        start_msc = self._start * 1000
        when = start_msc if is_open(spec.session, self._start, self._always) else self._last_close_msc(spec)
        walk = Walk(math.log(p0), p0_pts, spec.spread, when)
        sigma = spec.daily_vol / math.sqrt(self._day_seconds(spec))
        state = _State(spec, p0_pts, sigma, walk, (when, p0, ask0), TickBuffer(self._tick_buffer))
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
        state.version += 1
        last = ticks[-1]
        state.last = (int(last["time_msc"]), float(last["bid"]), float(last["ask"]))

    def _history(self, state: _State) -> _History:
        if state.history is None:
            spec = state.spec
            rng = _rng(self._seed, spec.name, _HISTORY)
            day0, minutes = self._history_minutes(spec)
            p0 = state.p0_pts / 10.0**spec.digits
            m1 = b.history_m1(spec, rng, minutes, p0, self._interval, self._day_seconds(spec))
            first = float(m1["open"][0]) if len(m1) else p0
            days = b.trading_days_before(spec.session, day0, BACKFILL_DAYS, self._always)
            d1 = b.backfill_d1(spec, rng, days, first, self._interval, self._day_seconds(spec))
            state.history = _History(m1, d1)
        return state.history

    def _history_minutes(self, spec: SymbolSpec) -> tuple[int, np.ndarray]:
        """First history day and open minutes up to start: >= history_days and >= MIN_H1_BARS hours."""
        end = self._start - self._start % 60
        days = self._history_days
        while True:
            day0 = self._start - self._start % DAY - days * DAY
            minutes = b.open_minutes(spec.session, day0, end, self._always)
            hours = len(np.unique(minutes // 3600))
            if hours >= MIN_H1_BARS:
                return day0, minutes
            # short sessions (HK50) need more calendar days for the same number of H1 bars
            days = math.ceil(days * MIN_H1_BARS / max(hours, 1)) + 7

    def _cached(self, state: _State, key: tuple[str, int], build: Callable[[], np.ndarray]) -> np.ndarray:
        hit = state.cache.get(key)
        if hit is not None and hit[0] == state.version:
            return hit[1]
        value = build()
        state.cache[key] = (state.version, value)
        return value

    def _m1(self, state: _State) -> np.ndarray:
        return self._cached(
            state, ("m1", 0), lambda: np.concatenate((self._history(state).m1, state.live.bars))
        )

    def _d1(self, state: _State) -> np.ndarray:
        def build() -> np.ndarray:
            m1 = self._m1(state)
            return np.concatenate(
                (self._history(state).d1, b.aggregate(m1, b.bucket(c.TIMEFRAME_D1, m1["time"])))
            )

        return self._cached(state, ("d1", 0), build)

    def _rates(self, name: str, timeframe: int) -> np.ndarray:
        b.check_timeframe(timeframe)
        state = self._state(name)

        def build() -> np.ndarray:
            if timeframe == c.TIMEFRAME_M1:
                return b.to_rates(self._m1(state))
            src = self._d1(state) if timeframe in b.DAILY_TIMEFRAMES else self._m1(state)
            return b.to_rates(b.aggregate(src, b.bucket(timeframe, src["time"])))

        return self._cached(state, ("rates", timeframe), build)

    # ----- quotes -----

    def tick(self, name: str) -> tuple[int, float, float]:
        """(time_msc, bid, ask) of the latest tick; stale while the market is closed."""
        return self._state(name).last

    def price_at(self, name: str, time_msc: int) -> tuple[float, float]:
        """(bid, ask) of the latest tick at or before time_msc."""
        state = self._state(name)
        held = state.buffer.ticks
        if len(held) and time_msc >= held["time_msc"][0]:
            i = int(np.searchsorted(held["time_msc"], time_msc, side="right")) - 1
            return float(held["bid"][i]), float(held["ask"][i])
        m1 = self._m1(state)
        j = int(np.searchsorted(m1["time"] * 1000, time_msc, side="right")) - 1
        if j < 0:
            raise ValueError(f"{name}: no price at or before {time_msc}")
        synth = synthesize(m1[j : j + 1], state.spec.digits)
        k = int(np.searchsorted(synth["time_msc"], time_msc, side="right")) - 1
        return float(synth["bid"][k]), float(synth["ask"][k])

    def set_price(self, name: str, bid: float, ask: float | None, time_msc: int) -> np.ndarray:
        """Record a tick at time_msc (last tick time <= time_msc <= now); the walk continues from it."""
        state = self._state(name)
        spec = state.spec
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
        self._record(state, tick)
        return tick.copy()

    def day_stats(self, name: str) -> tuple[float, float, float, float, float]:
        """(bidhigh, bidlow, askhigh, asklow, session open) of the last server day with trading."""
        last = self._d1(self._state(name))[-1]
        return (
            float(last["high"]),
            float(last["low"]),
            float(last["ask_high"]),
            float(last["ask_low"]),
            float(last["open"]),
        )

    # ----- clock -----

    def advance_to(self, time_msc: int) -> dict[str, np.ndarray]:
        """Move the clock to time_msc; the new ticks per symbol (symbols without new ticks omitted)."""
        parts: dict[str, list[np.ndarray]] = {}
        for chunk in self.advance_iter(time_msc):
            for name, ticks in chunk.items():
                parts.setdefault(name, []).append(ticks)
        return {name: np.concatenate(p) for name, p in parts.items()}

    def advance_iter(self, time_msc: int, chunk_ms: int = DAY * 1000) -> Iterator[dict[str, np.ndarray]]:
        """advance_to in steps of at most chunk_ms, yielding each step's new ticks (bounded memory)."""
        if time_msc < self._now_msc:
            raise ValueError("the clock cannot go back")
        while self._now_msc < time_msc:
            yield self._step(min(time_msc, self._now_msc + chunk_ms))

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
            ticks = chunks[0] if len(chunks) == 1 else np.concatenate(chunks or [np.empty(0, TICK_DTYPE)])
            if len(ticks):
                self._record(state, ticks)
                out[name] = ticks
        self._now_msc = end
        return out

    def _live_rng(self, state: _State) -> np.random.Generator:
        if state.rng is None:
            state.rng = _rng(self._seed, state.spec.name, _LIVE)
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
        rates = self._rates(name, timeframe)
        end = int(np.searchsorted(rates["time"], date_from, side="right"))
        return rates[max(0, end - count) : end].copy()

    def rates_from_pos(self, name: str, timeframe: int, start_pos: int, count: int) -> np.ndarray:
        """Bars by position, 0 = the current (last) bar; returned oldest-first."""
        _check_count(count)
        _check_count(start_pos)
        rates = self._rates(name, timeframe)
        end = len(rates) - start_pos
        return rates[max(0, end - count) : max(0, end)].copy()

    def rates_range(self, name: str, timeframe: int, date_from: int, date_to: int) -> np.ndarray:
        """Bars with date_from <= open time <= date_to."""
        rates = self._rates(name, timeframe)
        lo = int(np.searchsorted(rates["time"], date_from, side="left"))
        hi = int(np.searchsorted(rates["time"], date_to, side="right"))
        return rates[lo:hi].copy()

    # ----- ticks -----

    def ticks_from(self, name: str, date_from_msc: int, count: int, flags: int) -> np.ndarray:
        """The first `count` ticks at or after date_from_msc."""
        _check_count(count)
        if not _wants_quotes(flags):
            return np.empty(0, TICK_DTYPE)
        state = self._state(name)
        held = state.buffer.ticks
        old = np.empty(0, TICK_DTYPE)
        if not len(held) or date_from_msc < held["time_msc"][0]:
            m1 = self._m1(state)
            i = int(np.searchsorted(m1["time"] * 1000 + 59_000, date_from_msc, side="left"))
            old = self._synth_before(state, m1[i : i + count], date_from_msc)
        recent = held[int(np.searchsorted(held["time_msc"], date_from_msc, side="left")) :]
        return np.concatenate((old, recent[: max(0, count - len(old))]))[:count]

    def ticks_range(self, name: str, date_from_msc: int, date_to_msc: int, flags: int) -> np.ndarray:
        """Ticks with date_from_msc <= time_msc <= date_to_msc."""
        if not _wants_quotes(flags):
            return np.empty(0, TICK_DTYPE)
        state = self._state(name)
        held = state.buffer.ticks
        old = np.empty(0, TICK_DTYPE)
        if not len(held) or date_from_msc < held["time_msc"][0]:
            m1 = self._m1(state)
            times = m1["time"] * 1000
            i = int(np.searchsorted(times + 59_000, date_from_msc, side="left"))
            j = int(np.searchsorted(times, date_to_msc, side="right"))
            old = self._synth_before(state, m1[i:j], date_from_msc)
            old = old[old["time_msc"] <= date_to_msc]
        lo = int(np.searchsorted(held["time_msc"], date_from_msc, side="left"))
        hi = int(np.searchsorted(held["time_msc"], date_to_msc, side="right"))
        return np.concatenate((old, held[lo:hi]))

    def _synth_before(self, state: _State, bars: np.ndarray, date_from_msc: int) -> np.ndarray:
        """Ticks synthesized from M1 bars, from date_from_msc up to (excluding) the oldest held tick."""
        synth = synthesize(bars, state.spec.digits)
        oldest = state.buffer.oldest_msc
        keep = synth["time_msc"] >= date_from_msc
        if oldest is not None:
            keep &= synth["time_msc"] < oldest
        return synth[keep]


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
