"""`Poller`: the start/stop lifecycle every poller shares (trade watcher, tick poller, snapshots)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mt5bridge.common.tasks import TaskSet, poll_forever


class Poller:
    """Runs `step` every `interval` seconds in one tracked background task, from `start` until `stop`."""

    def __init__(self, name: str, interval: float, step: Callable[[], Awaitable[Any]]) -> None:
        self.interval = interval
        self._step = step
        self._tasks = TaskSet(name)

    async def run(self) -> None:
        """Poll every `interval` seconds until stopped."""
        await poll_forever(self.interval, self._step)

    def start(self) -> None:
        """Run in a background task."""
        self._tasks.spawn(self.run(), "poll")

    async def stop(self) -> None:
        """Cancel the background task and wait for it to end."""
        await self._tasks.close()
