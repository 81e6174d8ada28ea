"""The price engine's reads of the past: bars of any timeframe and ticks, MT5's copy_* functions.

Mixed into `PriceEngine` (prices.py), whose state it reads: the bar store, the clock and each symbol's
retained live ticks. Ticks older than the retained ones are synthesized from M1 bars, as MT5's tester does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mt5bridge.simulator import bars as b
from mt5bridge.simulator.barstore import BarStore, Clock, SymbolState
from mt5bridge.simulator.ticks import TICK_DTYPE, synthesize
from mt5bridge.terminal import constants as c

_NO_TICKS = np.empty(0, TICK_DTYPE)
_NO_TIMES = np.empty(0, np.int64)


class PastReads:
    """Bars and ticks up to the engine's clock."""

    _bars: BarStore
    _clock: Clock
    _start_msc: int
    if TYPE_CHECKING:  # PriceEngine's

        @property
        def now(self) -> int: ...
        def _state(self, name: str) -> SymbolState: ...

    def rates_from(self, name: str, timeframe: int, date_from: int, count: int) -> np.ndarray:
        """`count` bars with open time <= date_from, ascending (MT5 copy_rates_from)."""
        _check_count(count)
        b.check_timeframe(timeframe)
        return b.to_rates(self._bars.last_bars(self._state(name), timeframe, date_from, count))

    def rates_from_pos(self, name: str, timeframe: int, start_pos: int, count: int) -> np.ndarray:
        """Bars by position, 0 = the current (last) bar; returned oldest-first."""
        _check_count(count)
        _check_count(start_pos)
        b.check_timeframe(timeframe)
        state = self._state(name)
        rates = self._bars.last_bars(state, timeframe, self.now, start_pos + count)
        end = len(rates) - start_pos
        return b.to_rates(rates[max(0, end - count) : max(0, end)])

    def rates_range(self, name: str, timeframe: int, date_from: int, date_to: int) -> np.ndarray:
        """Bars with date_from <= open time <= date_to."""
        b.check_timeframe(timeframe)
        return b.to_rates(self._bars.between(self._state(name), timeframe, date_from, date_to))

    def _held(self, state: SymbolState) -> np.ndarray:
        """Times of the retained live ticks (none while replaying: they all lie after the clock)."""
        return state.buffer.times if self._clock.now_msc >= self._start_msc else _NO_TIMES

    def _synth(self, state: SymbolState, bars: np.ndarray, lo_msc: int, held: np.ndarray) -> np.ndarray:
        """Ticks synthesized from M1 bars, from lo_msc up to the clock and before the oldest held tick."""
        synth = synthesize(bars, state.spec.digits)
        times = synth["time_msc"]
        upper = self._clock.now_msc if not len(held) else min(self._clock.now_msc, int(held[0]) - 1)
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
            old = self._synth(state, self._bars.first_bars(state, first_bar, count), date_from_msc, held)
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
            bars = self._bars.between(state, c.TIMEFRAME_M1, first_bar, date_to_msc // 1000, cut=False)
            old = self._synth(state, bars, date_from_msc, held)
            old = old[old["time_msc"] <= date_to_msc]
        lo = int(np.searchsorted(held, date_from_msc, side="left"))
        hi = int(np.searchsorted(held, date_to_msc, side="right"))
        return np.concatenate((old, state.buffer.slice(lo, hi)))


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
