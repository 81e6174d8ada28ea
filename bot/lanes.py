"""Incoming work per chat: one chat's items in order, different chats at the same time.

A user who sends "平仓黄金" then "确认" must see them handled in that order, while another user's
question is answered without waiting for the first user's trade to go through the terminal.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from mt5bridge.common.tasks import TaskSet

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChatLanes(Generic[T]):
    """One worker per busy chat; `max_pending` bounds what one flooding chat may queue."""

    def __init__(self, name: str, work: Callable[[T], Awaitable[None]], *, max_pending: int = 50) -> None:
        self.name = name
        self._work = work
        self._max = max_pending
        self._tasks = TaskSet(name)
        self._queues: dict[str, deque[T]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def put(self, chat: str, item: T) -> bool:
        """Queue `item` behind the chat's earlier ones; False (logged) when the chat has too many pending."""
        queue = self._queues.get(chat)
        if queue is None:
            queue = self._queues[chat] = deque()
            self._workers[chat] = self._tasks.spawn(self._drain(chat, queue), f"chat-{chat}")
        if len(queue) >= self._max:
            log.warning("%s chat %s: %d messages pending; this one is dropped", self.name, chat, self._max)
            return False
        queue.append(item)
        return True

    async def _drain(self, chat: str, queue: deque[T]) -> None:
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._work(item)
                except Exception:  # one bad message must not stop the chat
                    log.exception("%s chat %s: handling a message failed", self.name, chat)
        finally:
            del self._queues[chat]
            del self._workers[chat]

    @property
    def busy(self) -> int:
        """Chats with work queued or running."""
        return len(self._queues)

    async def join(self) -> None:
        """Wait until every chat's queue has been worked off."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop every worker; queued items are abandoned."""
        await self._tasks.close()
