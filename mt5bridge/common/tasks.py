"""`TaskSet`: the one way background tasks are started here (named, referenced, failures logged), and
`poll_forever`, the loop of every poller."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """Owns background tasks: keeps a reference (so none is garbage-collected), logs any that fail."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start `coro` as task `<owner>:<name>`."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    @property
    def running(self) -> list[str]:
        """Names of the tasks still running."""
        return sorted(t.get_name() for t in self._tasks if not t.done())

    async def join(self) -> None:
        """Wait until every task (including those started meanwhile) has ended."""
        while tasks := [t for t in self._tasks if not t.done()]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel every task and wait for them to end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def poll_forever(interval: float, step: Callable[[], Awaitable[Any]]) -> None:
    """Run `step` every `interval` seconds until cancelled (the loop of every poller)."""
    while True:
        await step()
        await asyncio.sleep(interval)
