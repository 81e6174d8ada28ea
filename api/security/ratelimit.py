"""Token-bucket rate limiting per key (a token subject, an address), O(1) memory per key.

Each key holds a bucket of `per_minute` requests refilled continuously at `per_minute / 60` per second,
so a quiet caller may burst up to the full minute's budget and a busy one is held to the average rate.
Buckets that have refilled completely carry no information and are swept out once a minute, which
bounds memory by the number of keys active in the last minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

_SWEEP_EVERY_SEC = 60.0


class RateLimiter:
    """Token buckets keyed by string; `take` charges one request to every key or to none."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        # key -> [tokens, last update]; a list so the hot path mutates in place.
        self._buckets: dict[str, list[float]] = {}
        self._next_sweep = clock() + _SWEEP_EVERY_SEC

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, keys: Sequence[str]) -> float:
        """Charge one request to each key: 0.0 if allowed, else the seconds to wait (nothing charged)."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        buckets = [self._refilled(key, now) for key in keys]
        short = [1.0 - bucket[0] for bucket in buckets if bucket[0] < 1.0]
        if short:
            return max(short) / self.rate
        for bucket in buckets:
            bucket[0] -= 1.0
        return 0.0

    def _refilled(self, key: str, now: float) -> list[float]:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = [self.capacity, now]
            return bucket
        elapsed = now - bucket[1]
        if elapsed > 0:
            bucket[0] = min(self.capacity, bucket[0] + elapsed * self.rate)
            bucket[1] = now
        return bucket

    def _sweep(self, now: float) -> None:
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket[0] + (now - bucket[1]) * self.rate < self.capacity
        }
        self._next_sweep = now + _SWEEP_EVERY_SEC


def retry_after_header(wait: float) -> str:
    """The `Retry-After` value (whole seconds, at least 1) for a wait in seconds."""
    return str(max(1, math.ceil(wait)))
