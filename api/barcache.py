"""Encoded JSON of closed bars, reused across requests: the rates answer's cost is mostly formatting
1,000 bars, and all but the newest bar are the same from one request to the next.

The key holds a hash of the closed bars' raw bytes, so a history correction from the broker (or any other
change) is a different key: the cache can only save work, never serve stale bars.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np
from aiohttp import web

from api.jsonio import dumps

CacheKey = tuple[str, int, int, int, bytes]


class BarCache:
    """A small LRU of (symbol, timeframe, offset, bar count, bar bytes digest) -> encoded closed bars."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> bytes | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return found

    def put(self, key: CacheKey, value: bytes) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


BAR_CACHE = web.AppKey("bar_cache", BarCache)


def iso_seconds(epochs: np.ndarray) -> list[str]:
    """`YYYY-MM-DDTHH:MM:SS` of each epoch (no offset)."""
    return np.datetime_as_string(epochs.astype("datetime64[s]"), unit="s").tolist()


def bars_json(rates: np.ndarray, offset: int) -> list[dict[str, Any]]:
    """Bars as JSON-ready dicts; the times of a column are formatted by numpy in one call."""
    epochs = rates["time"].astype(np.int64)
    times = [t + "Z" for t in iso_seconds(epochs - offset)]
    walls = iso_seconds(epochs)
    cols = [
        rates[n].tolist() for n in ("open", "high", "low", "close", "tick_volume", "spread", "real_volume")
    ]
    return [
        {"time": t, "time_server": w, "open": o, "high": h, "low": lo, "close": c,
         "tick_volume": tv, "spread": sp, "real_volume": rv}
        for t, w, o, h, lo, c, tv, sp, rv in zip(times, walls, *cols, strict=True)
    ]  # fmt: skip


def _digest(closed: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(closed).tobytes(), digest_size=16).digest()


def encode_rates(
    cache: BarCache, symbol: str, tf: str, tf_code: int, rates: np.ndarray, offset: int
) -> bytes:
    """The whole success envelope of a rates answer, reusing the encoded closed bars when unchanged."""
    closed, newest = rates[:-1], rates[-1:]
    key = (symbol, tf_code, offset, len(closed), _digest(closed))
    body = cache.get(key)
    if body is None:
        body = dumps(bars_json(closed, offset))[1:-1]  # without the list's brackets
        cache.put(key, body)
    last = dumps(bars_json(newest, offset))[1:-1]
    rows = body + (b"," if body and last else b"") + last
    head = dumps({"symbol": symbol, "tf": tf, "count": len(rates)})[:-1]
    return b'{"success":true,"data":' + head + b',"rates":[' + rows + b"]}}"
