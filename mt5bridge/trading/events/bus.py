"""`EventBus`: in-process fan-out of events to subscribers that read at their own pace.

`publish()` is synchronous and never awaits a subscriber, so one slow or dead consumer cannot hold up the
publisher or the others. Ticks are conflated per subscriber: one slot per symbol, the newest tick wins, so
a slow reader sees the latest price of each symbol and memory stays bounded by the number of symbols.
Every other event goes to a bounded per-subscriber queue; on overflow the oldest is dropped and counted.
`symbols` filters ticks only (None = ticks of every polled symbol); other events are filtered by kind.
Must be used from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime

from mt5bridge.common.tasks import TaskSet
from mt5bridge.trading.events.models import (
    Event,
    EventKind,
    TerminalDisconnected,
    TerminalReconnected,
    TickEvent,
)

log = logging.getLogger(__name__)
DEFAULT_QUEUE_SIZE = 1000


class SubscriptionClosed(Exception):
    """Raised by `Subscription.get()` once the subscription is closed and drained."""


class Subscription:
    """One subscriber's mailbox: `async for event in sub`, `await sub.get()`, `sub.close()`."""

    def __init__(
        self, bus: EventBus, name: str, kinds: frozenset[EventKind] | None, symbols: set[str] | None,
        queue_size: int,
    ) -> None:  # fmt: skip
        self.name = name
        self.kinds = kinds
        self._bus = bus
        self._symbols = None if symbols is None else set(symbols)
        self._events: deque[Event] = deque()
        self._size = queue_size
        self._ticks: dict[str, TickEvent] = {}
        self._wake = asyncio.Event()
        self.dropped = 0
        self.delivered = 0
        self.closed = False

    @property
    def symbols(self) -> frozenset[str] | None:
        """Tick symbols of this subscription; None = all polled symbols."""
        return None if self._symbols is None else frozenset(self._symbols)

    def wants(self, kind: EventKind) -> bool:
        return self.kinds is None or kind in self.kinds

    def add_symbols(self, symbols: Iterable[str]) -> None:
        """Receive ticks of these symbols too (a subscription to all symbols stays so)."""
        if self._symbols is not None and not self.closed:
            added = set(symbols) - self._symbols
            self._symbols |= added
            self._bus._index_ticks(self, added, add=True)

    def remove_symbols(self, symbols: Iterable[str]) -> None:
        """Stop ticks of these symbols; a pending tick of theirs is discarded."""
        if self._symbols is not None and not self.closed:
            removed = set(symbols) & self._symbols
            self._symbols -= removed
            self._bus._index_ticks(self, removed, add=False)
            for symbol in removed:
                self._ticks.pop(symbol, None)

    def _put(self, event: Event) -> None:
        if len(self._events) >= self._size:
            self._events.popleft()
            self.dropped += 1
            if self.dropped == 1:
                log.warning("subscriber %s is too slow: its queue of %d is full, dropping oldest events",
                            self.name, self._size)  # fmt: skip
        self._events.append(event)
        self._wake.set()

    @property
    def pending(self) -> int:
        """Events waiting to be read (queued events plus conflated tick slots)."""
        return len(self._events) + len(self._ticks)

    def get_nowait(self) -> Event | None:
        """The next event if one is waiting, else None; trade/account events before ticks."""
        if self._events:
            event: Event = self._events.popleft()
        elif self._ticks:
            symbol = next(iter(self._ticks))
            event = self._ticks.pop(symbol)
        else:
            return None
        self.delivered += 1
        return event

    def take_ticks(self) -> list[TickEvent]:
        """Every waiting tick at once (at most one per symbol), for a reader that sends them together."""
        if not self._ticks:
            return []
        ticks = list(self._ticks.values())
        self._ticks.clear()
        self.delivered += len(ticks)
        return ticks

    async def wait(self) -> None:
        """Until an event or a tick is waiting (without taking it); SubscriptionClosed once closed."""
        while not (self._events or self._ticks):
            if self.closed:
                raise SubscriptionClosed(self.name)
            self._wake.clear()
            await self._wake.wait()

    async def get(self) -> Event:
        """Wait for the next event; SubscriptionClosed once closed and nothing is left."""
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self.closed:
                raise SubscriptionClosed(self.name)
            self._wake.clear()
            await self._wake.wait()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.get()
        except SubscriptionClosed:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Unsubscribe; what is already queued can still be read, then iteration ends."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            self._wake.set()


class EventBus:
    """Publish/subscribe for `Event`s; see the module doc for the delivery guarantees."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subs: list[Subscription] = []
        self._by_kind: dict[EventKind, set[Subscription]] = {kind: set() for kind in EventKind}
        self._tick_all: set[Subscription] = set()
        self._tick_by_symbol: dict[str, set[Subscription]] = {}
        self.tasks = TaskSet("event-bus")
        self.published = 0

    def subscribe(
        self, kinds: Iterable[EventKind] | None = None, symbols: Iterable[str] | None = None, *, name: str,
        queue_size: int | None = None,
    ) -> Subscription:  # fmt: skip
        """A new subscription to `kinds` (None = all) and, for ticks, `symbols` (None = all)."""
        kind_set = None if kinds is None else frozenset(kinds)
        sub = Subscription(self, name, kind_set, None if symbols is None else set(symbols),
                           queue_size or self.queue_size)  # fmt: skip
        self._subs.append(sub)
        for kind in EventKind:
            if kind is not EventKind.TICK and sub.wants(kind):
                self._by_kind[kind].add(sub)
        if sub.wants(EventKind.TICK):
            if sub.symbols is None:
                self._tick_all.add(sub)
            else:
                self._index_ticks(sub, sub.symbols, add=True)
        return sub

    def _index_ticks(self, sub: Subscription, symbols: Iterable[str], *, add: bool) -> None:
        if not sub.wants(EventKind.TICK):
            return
        for symbol in symbols:
            subs = self._tick_by_symbol.setdefault(symbol, set())
            if add:
                subs.add(sub)
            else:
                subs.discard(sub)
                if not subs:
                    del self._tick_by_symbol[symbol]

    def _remove(self, sub: Subscription) -> None:
        self._subs.remove(sub)
        for subs in self._by_kind.values():
            subs.discard(sub)
        self._tick_all.discard(sub)
        for symbol in list(self._tick_by_symbol):
            self._index_ticks(sub, [symbol], add=False)

    def publish(self, event: Event) -> None:
        """Hand `event` to every interested subscriber; never blocks, never raises for a subscriber."""
        self.published += 1
        if isinstance(event, TickEvent):
            symbol = event.symbol
            for subs in (self._tick_all, self._tick_by_symbol.get(symbol, ())):
                for sub in subs:  # inline, as this runs per tick and subscriber
                    # Assigning keeps the symbol's place in the round: a busy one cannot starve a quiet one.
                    sub._ticks[symbol] = event
                    sub._wake.set()
            return
        for sub in self._by_kind[event.kind]:
            sub._put(event)

    def tick_symbols(self) -> frozenset[str]:
        """Symbols some subscriber asked ticks for: what the tick poller should poll."""
        return frozenset(self._tick_by_symbol)

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._subs)

    def consume(
        self, handler: Callable[[Event], Awaitable[None]], kinds: Iterable[EventKind] | None = None,
        symbols: Iterable[str] | None = None, *, name: str,
    ) -> Subscription:  # fmt: skip
        """Run `handler` on each event in a background task; a failing call is logged and skipped."""
        sub = self.subscribe(kinds, symbols, name=name)
        self.tasks.spawn(_pump(sub, handler), name)
        return sub

    async def close(self) -> None:
        """Close every subscription and stop the consumer tasks."""
        for sub in list(self._subs):
            sub.close()
        await self.tasks.close()


async def _pump(sub: Subscription, handler: Callable[[Event], Awaitable[None]]) -> None:
    async for event in sub:
        try:
            await handler(event)
        except Exception:
            # one bad event (or a notifier that is down) must not end the subscriber's stream
            log.exception("subscriber %s failed on %s", sub.name, event.kind)


class BusLinkListener:
    """The heartbeat's link changes as `TerminalDisconnected` / `TerminalReconnected` events on a bus."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def link_lost(self, at: datetime, reason: str, code: str | None, mt5_code: int | None) -> None:
        self.bus.publish(TerminalDisconnected(time=at, reason=reason, code=code, mt5_code=mt5_code))

    def link_restored(self, at: datetime, downtime_sec: float, attempts: int) -> None:
        self.bus.publish(
            TerminalReconnected(time=at, connected_since=at, downtime_sec=downtime_sec, attempts=attempts)
        )
