"""Ticks for the simulator: random-walk generation, a bounded buffer, ticks synthesized from M1 bars, and the
lazy mapping of new ticks the engine hands out while it replays."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mt5bridge.simulator.bars import quantize
from mt5bridge.simulator.sessions import DAY
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as c
from mt5bridge.terminal.structs import TICKS_DTYPE

TICK_DTYPE = TICKS_DTYPE
"""Ticks are kept in the MT5 layout itself, so returning them needs no conversion."""

BID_ASK = c.TICK_FLAG_BID | c.TICK_FLAG_ASK
# Spreads triple for a few minutes around server midnight, the daily rollover, as at real brokers.
_ROLLOVER_BEFORE = 5 * 60
_ROLLOVER_AFTER = 10 * 60
_MAX_GAP = 2 * DAY
SYNTH_OFFSETS = (0, 20_000, 40_000, 59_000)  # where synthesize places its four ticks in an M1 bar


@dataclass(slots=True)
class Walk:
    """Where a symbol's random walk stands: last tick and the unrounded log price."""

    log_price: float
    bid_pts: int
    spread: int
    time_msc: int


def make_ticks(times: np.ndarray, bid: np.ndarray, ask: np.ndarray, flags: np.ndarray | int) -> np.ndarray:
    """An MT5 ticks array (no last/volume: forex and CFDs quote bid/ask only)."""
    out = np.empty(len(times), TICKS_DTYPE)
    out["time"] = times // 1000
    out["bid"] = bid
    out["ask"] = ask
    out["last"] = 0.0
    out["volume"] = 0
    out["time_msc"] = times
    out["flags"] = flags
    out["volume_real"] = 0.0
    return out


def _tick_times(rng: np.random.Generator, lo: int, hi: int, interval_ms: float) -> np.ndarray:
    """Poisson arrival times in [lo, hi] ms, strictly increasing."""
    span = hi - lo
    offset = float(rng.exponential(interval_ms))
    if offset > span:
        # the common case for short real-time steps: no tick at all
        return np.empty(0, dtype=np.int64)
    parts = [np.array([offset])]
    while offset <= span:
        times = offset + np.cumsum(
            rng.exponential(interval_ms, int((span - offset) / interval_ms * 1.05) + 16)
        )
        parts.append(times)
        offset = float(times[-1])
    at = np.floor(np.concatenate(parts)).astype(np.int64) + lo
    at = at[at <= hi]
    if len(at) > 1:
        keep = np.ones(len(at), dtype=bool)
        keep[1:] = at[1:] > at[:-1]
        at = at[keep]
    return at


def generate(
    spec: SymbolSpec,
    rng: np.random.Generator,
    walk: Walk,
    span: tuple[int, int, int],
    *,
    interval_s: float,
    sigma_per_s: float,
    gap_s: float,
) -> np.ndarray:
    """Ticks continuing the walk, span = (lo, hi, anchor) ms: times in [lo, hi], the first tick's move
    measured from anchor (the later of the last tick and the window opening); gap_s = closed time skipped."""
    lo, hi, anchor = span
    times = _tick_times(rng, lo, hi, interval_s * 1000.0)
    n = len(times)
    if n == 0:
        return np.empty(0, TICK_DTYPE)
    dt = np.diff(times, prepend=anchor) / 1000.0
    steps = rng.standard_normal(n) * sigma_per_s * np.sqrt(np.maximum(dt, 0.0))
    if gap_s > 0:
        # weekend / daily-break gap: a fraction of the variance the closed time would carry
        steps[0] += rng.standard_normal() * sigma_per_s * math.sqrt(min(gap_s, _MAX_GAP)) * 0.3
    log_price = walk.log_price + np.cumsum(steps)
    bid = quantize(np.exp(log_price), spec)
    spread = spec.spread + (rng.random(n) * (spec.spread * 0.3 + 1)).astype(np.int64)
    sec = (times // 1000) % DAY
    spread[(sec >= DAY - _ROLLOVER_BEFORE) | (sec < _ROLLOVER_AFTER)] *= 3
    step = spec.tick_steps
    spread = (spread + step - 1) // step * step
    ask = bid + spread
    prev_bid = np.empty_like(bid)
    prev_bid[0], prev_bid[1:] = walk.bid_pts, bid[:-1]
    prev_ask = np.empty_like(ask)
    prev_ask[0], prev_ask[1:] = walk.bid_pts + walk.spread, ask[:-1]
    flags = np.where(bid != prev_bid, c.TICK_FLAG_BID, 0) | np.where(ask != prev_ask, c.TICK_FLAG_ASK, 0)
    keep = flags != 0
    walk.log_price = float(log_price[-1])
    walk.bid_pts = int(bid[-1])
    walk.spread = int(spread[-1])
    walk.time_msc = int(times[-1])
    scale = 10.0**spec.digits
    if keep.all():
        return make_ticks(times, bid / scale, ask / scale, flags)
    return make_ticks(times[keep], bid[keep] / scale, ask[keep] / scale, flags[keep])


def synthesize(bars: np.ndarray, digits: int) -> np.ndarray:
    """Four ticks per M1 bar at +0 s, +20 s, +40 s, +59 s: open, low/high, high/low, close (bid).

    Rising bars visit the low first, falling bars the high first; ask = bid + the bar's spread.
    Repeated prices inside a bar are dropped, as MT5 sends no tick without a change.
    """
    n = len(bars)
    if n == 0:
        return np.empty(0, TICK_DTYPE)
    rising = bars["close"] >= bars["open"]
    first = np.where(rising, bars["low"], bars["high"])
    second = np.where(rising, bars["high"], bars["low"])
    bid = np.stack([bars["open"], first, second, bars["close"]], axis=1).ravel()
    offsets = np.array([0, 20_000, 40_000, 59_000], dtype=np.int64)
    times = (bars["time"][:, None] * 1000 + offsets).ravel()
    spread = np.repeat(bars["spread"], 4)
    scale = 10.0**digits
    ask = (np.rint(bid * scale) + spread) / scale
    changed = np.ones(len(bid), dtype=bool)
    changed[1:] = (bid[1:] != bid[:-1]) | (ask[1:] != ask[:-1])
    changed[::4] = True
    return make_ticks(times[changed], bid[changed], ask[changed], BID_ASK)


class TickBuffer:
    """The most recent `capacity` ticks of one symbol, stored compactly, read back time-ascending.

    A tick is kept as its time, Bid in points, spread in points and flags: 21 bytes instead of the
    60 of MT5's layout, which `ticks` rebuilds on reading. Prices are exact either way: the engine's
    prices are points / 10**digits, and so are the rebuilt ones. The columns are linear arrays a
    quarter longer than the capacity; when they fill, the ticks to keep move to the front.
    """

    def __init__(self, capacity: int, digits: int = 5) -> None:
        if capacity < 1:
            raise ValueError("tick buffer capacity must be positive")
        self._capacity = capacity
        self._size = capacity + max(capacity // 4, 1024)  # the columns' full length
        self._scale = 10.0**digits
        self._lo = self._hi = 0  # the retained ticks are [lo, hi)
        self._alloc(min(self._size, 4096))

    def _alloc(self, size: int) -> None:
        n = self._hi - self._lo
        cols: list[np.ndarray] = [
            np.empty(size, np.int64),  # time_msc
            np.empty(size, np.int64),  # bid points
            np.empty(size, np.int32),  # spread points
            np.empty(size, np.uint8),  # flags
        ]
        if n:
            for new, old in zip(cols, self._cols(), strict=True):
                new[:n] = old[self._lo : self._hi]
        self._time, self._bid, self._spread, self._flags = cols
        self._lo, self._hi = 0, n

    def _cols(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self._time, self._bid, self._spread, self._flags

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def nbytes(self) -> int:
        """Memory held by the columns."""
        return sum(col.nbytes for col in self._cols())

    @property
    def times(self) -> np.ndarray:
        """time_msc of the retained ticks, ascending (a view: do not modify or keep)."""
        return self._time[self._lo : self._hi]

    @property
    def oldest_msc(self) -> int | None:
        """Time of the oldest retained tick, None when empty."""
        return int(self._time[self._lo]) if self._hi > self._lo else None

    def quote(self, i: int) -> tuple[float, float]:
        """(bid, ask) of the i-th retained tick."""
        bid = int(self._bid[self._lo + i])
        return bid / self._scale, (bid + int(self._spread[self._lo + i])) / self._scale

    def slice(self, i: int = 0, j: int | None = None) -> np.ndarray:
        """Retained ticks i to j (positions among the retained, as in a list) in MT5's layout."""
        i, j, _ = slice(i, j).indices(len(self))
        a, b = self._lo + i, self._lo + max(i, j)
        bid = self._bid[a:b]
        return make_ticks(
            self._time[a:b], bid / self._scale, (bid + self._spread[a:b]) / self._scale, self._flags[a:b]
        )

    @property
    def ticks(self) -> np.ndarray:
        """Every retained tick, oldest first, in MT5's layout (a new array)."""
        return self.slice()

    def append(self, new: np.ndarray) -> None:
        """Add ticks (time ascending, not older than the newest held), dropping the oldest beyond capacity."""
        cap = self._capacity
        new = new[-cap:]
        k = len(new)
        if self._hi + k > len(self._time):  # full: keep what survives, at the front of (larger) columns
            keep = min(self._hi - self._lo, cap - k)
            self._lo = self._hi - keep
            self._alloc(min(self._size, max(len(self._time), 2 * (keep + k))))
        a, b = self._hi, self._hi + k
        bid = np.rint(new["bid"] * self._scale).astype(np.int64)
        self._time[a:b] = new["time_msc"]
        self._bid[a:b] = bid
        self._spread[a:b] = np.rint(new["ask"] * self._scale).astype(np.int64) - bid
        self._flags[a:b] = new["flags"]
        self._hi = b
        self._lo = max(self._lo, b - cap)


def synth_one(bar: np.void, time_msc: int, digits: int) -> tuple[int, float, float]:
    """The tick `synthesize` makes from one M1 bar that is the latest at or before time_msc (scalar path)."""
    o, h, lo, cl = float(bar["open"]), float(bar["high"]), float(bar["low"]), float(bar["close"])
    bids = (o, lo, h, cl) if cl >= o else (o, h, lo, cl)
    start = int(bar["time"]) * 1000
    k = sum(1 for offset in SYNTH_OFFSETS if start + offset <= time_msc) - 1
    k = max(k, 0)
    while k > 0 and bids[k] == bids[k - 1]:  # synthesize drops a repeated price: the earlier tick holds it
        k -= 1
    scale = 10.0**digits
    return start + SYNTH_OFFSETS[k], bids[k], (round(bids[k] * scale) + int(bar["spread"])) / scale


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
