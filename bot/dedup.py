"""Platforms retry callbacks (WeCom up to three times, the QQ bot platform may push a message twice):
remembering the last few thousand keys lets an adapter act on each message once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable


class Deduper:
    """Remembers the last `size` keys."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def seen(self, keys: Iterable[Hashable]) -> bool:
        """True if any of `keys` was already recorded."""
        return any(k in self._seen for k in keys)

    def record(self, keys: Iterable[Hashable]) -> None:
        """Record `keys`, forgetting the oldest beyond the size."""
        for key in keys:
            self._seen[key] = None
            self._seen.move_to_end(key)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
