"""`Worker`: the one thread on which every blocking terminal call runs, resolving asyncio futures.

Measured against `loop.run_in_executor` on a one-thread pool (benchmarks/bench_client.py): a plain thread
with a SimpleQueue and `call_soon_threadsafe` adds less per call and keeps calls strictly in order.

A call submitted with a `key` is shared: while one with the same key still waits in the queue (not yet
started), a new submission gets that call's future instead of queueing another. Sixteen clients asking
for the account at once cost one terminal call and one thread hop; each answer still comes from a call
that started after it was asked for, so it reflects every change made before (calls run in order).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Worker:
    """One daemon thread running submitted callables in order and resolving asyncio futures."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._waiting: dict[Hashable, asyncio.Future[Any]] = {}  # shared calls not started yet
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], T], key: Hashable | None = None) -> tuple[asyncio.Future[T], bool]:
        """Queue `fn`; with a `key`, join a queued, not yet started call of the same key instead.
        Returns the future and whether it is a new call (False: joined).

        A shared future must be awaited through `asyncio.shield`: one caller's timeout or cancellation
        must not cancel the others' answer."""
        loop = asyncio.get_running_loop()
        if key is None:
            future: asyncio.Future[T] = loop.create_future()
            self._queue.put((fn, future, loop, None))
            return future, True
        key = (loop, key)
        with self._lock:
            waiting = self._waiting.get(key)
            if waiting is not None and not waiting.done():  # done: it timed out while queued
                return waiting, False
            future = self._waiting[key] = loop.create_future()
            self._queue.put((fn, future, loop, key))
        return future, True

    def stop(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, future, loop, key = item
            if key is not None:
                with self._lock:  # from here on, a new submission queues a call of its own
                    if self._waiting.get(key) is future:
                        del self._waiting[key]
            try:
                result = fn()
            except BaseException as exc:  # handed to the awaiting coroutine, which re-raises it
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():  # the caller gave up (timeout) before the terminal answered
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
