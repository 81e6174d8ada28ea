"""An expiring book: what the chat core offered and waits for (questions, menus, suggestions), by key.

Every entry lives `ttl` seconds on the core's clock; an expired entry is never returned and `sweep`
forgets them all. Confirmations keep their own book (confirm.py): they are a state machine, not a memo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class ExpiringBook(Generic[K, V]):
    """Values by key, each forgotten `ttl` seconds after it was put."""

    ttl: float
    clock: Callable[[], float]
    _items: dict[K, tuple[float, V]] = field(default_factory=dict)

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key` (replacing what was there) until the TTL runs out."""
        self._items[key] = (self.clock() + self.ttl, value)

    def get(self, key: K) -> V | None:
        """The live value under `key`, None if there is none or it expired (then it is forgotten)."""
        entry = self._items.get(key)
        if entry is None:
            return None
        if self.clock() >= entry[0]:
            del self._items[key]
            return None
        return entry[1]

    def pop(self, key: K) -> V | None:
        """The live value under `key`, removed (single use); None if there is none or it expired."""
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def discard(self, key: K) -> None:
        self._items.pop(key, None)

    def values(self) -> Iterator[V]:
        """Every value still held (expired ones included until the next sweep)."""
        return (value for _, value in self._items.values())

    def sweep(self) -> None:
        """Forget every expired entry."""
        now = self.clock()
        for key in [k for k, (expires, _) in self._items.items() if now >= expires]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)
