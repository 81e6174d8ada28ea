"""The outbox: how every adapter sends, so that nothing is lost to a platform's limits or a bad minute.

Each recipient (chat) has a lane: its messages leave in order, one at a time, no faster than the
platform's send rates for that chat (WeCom silently drops what exceeds 30 a minute to one member;
QQ's risk controls punish bursts). While messages wait, consecutive plain notifications merge into
one. A failure the adapter marks retryable (busy, rate-limited, network, not connected) is tried
again with backoff; a message waits at most `max_age_sec` and is then given up, with a log line.
Every outcome is logged. Adapters stay translators: they hand over a `Deliver` and raise
`DeliveryError`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.messages import Outgoing, Reply
from mt5bridge.common.tasks import TaskSet

log = logging.getLogger(__name__)

MERGE_SEPARATOR = "\n\n"


class DeliveryError(Exception):
    """A send failed. `retryable`: worth another attempt (after `retry_after` s when the platform said);
    `offline`: the platform cannot be reached now; waits until the message expires, attempts uncounted."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        offline: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable or offline
        self.offline = offline
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `count` messages per `per_sec` seconds."""

    count: int
    per_sec: float


@dataclass(frozen=True, slots=True)
class Policy:
    """How one platform's outbox paces, merges and retries."""

    rates: tuple[Rate, ...] = ()
    max_queue: int = 500  # per chat; past it the oldest waiting message is given up
    max_age_sec: float = 3600.0  # a message still undelivered after this is given up
    attempts: int = 5  # for retryable failures (offline waits do not count)
    backoff_sec: float = 2.0  # first retry; doubles up to backoff_max_sec
    backoff_max_sec: float = 60.0
    merge_max_chars: int = 1800  # merged notifications stay below the platform's text limit


class Outcome(StrEnum):
    """How a queued message ended."""

    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts
    EXPIRED = "expired"  # waited longer than max_age_sec
    OVERFLOW = "overflow"  # the chat's queue was full
    CLOSED = "closed"  # the service stopped first


Deliver = Callable[[str, Reply], Awaitable[None]]
Cost = Callable[[Reply], int]
Split = Callable[[str, Reply], list[Reply]]  # (chat, reply) -> the messages it becomes


class Window:
    """Send times of one chat, checked against every rate (a sliding window per rate)."""

    def __init__(self, rates: tuple[Rate, ...]) -> None:
        self._rates = rates
        self._times: deque[float] = deque()
        self._span = max((r.per_sec for r in rates), default=0.0)

    def delay(self, now: float, cost: int = 1) -> float:
        """Seconds until `cost` more messages fit every rate (0: now)."""
        while self._times and self._times[0] <= now - self._span:
            self._times.popleft()
        wait = 0.0
        for rate in self._rates:
            recent = [t for t in self._times if t > now - rate.per_sec]
            excess = len(recent) + min(cost, rate.count) - rate.count
            if excess > 0:  # the oldest `excess` sends must leave the window first
                wait = max(wait, recent[excess - 1] + rate.per_sec - now)
        return wait

    def record(self, now: float, cost: int = 1) -> None:
        self._times.extend([now] * cost)


@dataclass(eq=False, slots=True)
class Parcel:
    reply: Reply
    posted: float
    merge: bool
    done: asyncio.Future[Outcome]


def mergeable(reply: Reply) -> bool:
    """A plain notification: no buttons, image, edit or quote, so that several can become one message."""
    return not reply.buttons and reply.image is None and not reply.edit and reply.reply_to is None


def merged(replies: list[Reply]) -> Reply:
    """Several plain replies as one; rich variants survive only when every part has one."""
    if len(replies) == 1:
        return replies[0]
    html = [r.html for r in replies]
    markdown = [r.markdown for r in replies]
    return Reply(
        text=MERGE_SEPARATOR.join(r.text for r in replies),
        html=MERGE_SEPARATOR.join(h for h in html if h) if all(html) else None,
        markdown="\n\n".join(m for m in markdown if m) if all(markdown) else None,
    )


@dataclass(eq=False)
class _Lane:
    chat: str
    window: Window
    queue: deque[Parcel] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class Outbox:
    """One platform's outbox: `post` a reply for a chat; lanes deliver in order, within the rates."""

    def __init__(
        self,
        platform: str,
        deliver: Deliver,
        policy: Policy | None = None,
        *,
        cost: Cost | None = None,
        split: Split | None = None,
        rates_for: Callable[[str], tuple[Rate, ...]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform = platform
        self.policy = policy or Policy()
        self._deliver = deliver
        self._cost = cost or (lambda _reply: 1)
        self._split = split or (lambda _chat, reply: [reply])
        self._rates_for = rates_for or (lambda _chat: self.policy.rates)
        self._clock = clock
        self._lanes: dict[str, _Lane] = {}
        self._tasks = TaskSet(f"outbox-{platform}")
        self._closed = False

    # -- posting -------------------------------------------------------------------------------

    def post(self, chat: str, reply: Reply, *, merge: bool = False) -> list[asyncio.Future[Outcome]]:
        """Queue `reply` for `chat` (as the pieces the platform sends one by one, so that a retry never
        repeats a piece that went out); the futures tell how each ended. `merge`: may join others."""
        pieces = self._split(chat, reply)
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Outcome]] = [loop.create_future() for _ in pieces]
        if self._closed:
            for done in futures:
                done.set_result(Outcome.CLOSED)
            return futures
        lane = self._lanes.get(chat)
        if lane is None:
            lane = self._lanes[chat] = _Lane(chat, Window(self._rates_for(chat)))
        for piece, done in zip(pieces, futures, strict=True):
            if len(lane.queue) >= self.policy.max_queue:
                self._finish(lane, lane.queue.popleft(), Outcome.OVERFLOW, "the chat's queue is full")
            lane.queue.append(Parcel(piece, self._clock(), merge and mergeable(piece), done))
        if lane.task is None:
            lane.task = self._tasks.spawn(self._run(lane), f"lane:{chat}")
        return futures

    async def send(self, outgoing: Outgoing) -> None:
        """Queue an `Outgoing` as a notification (mergeable) and return; the notifier itself uses `post`."""
        if outgoing.platform != self.platform:
            raise ValueError(f"not a {self.platform} message: platform {outgoing.platform!r}")
        self.post(outgoing.chat_id, outgoing.reply, merge=True)

    def wake(self, chat: str | None = None) -> None:
        """The platform is reachable again: lanes waiting to retry try now (`chat` None: every lane)."""
        lanes = (
            list(self._lanes.values()) if chat is None else [self._lanes[chat]] if chat in self._lanes else []
        )
        for lane in lanes:
            lane.wake.set()

    def waiting(self) -> dict[str, int]:
        """Messages still queued, by chat (for health pages and tests)."""
        return {chat: len(lane.queue) for chat, lane in self._lanes.items() if lane.queue}

    async def drain(self) -> None:
        """Wait until every lane is empty (tests, orderly shutdown)."""
        while tasks := [lane.task for lane in self._lanes.values() if lane.task is not None]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop; what is still queued is logged as not delivered."""
        self._closed = True
        await self._tasks.close()
        for lane in self._lanes.values():
            while lane.queue:
                self._finish(lane, lane.queue.popleft(), Outcome.CLOSED, "the service stopped")

    # -- the lane ------------------------------------------------------------------------------

    async def _run(self, lane: _Lane) -> None:
        try:
            while lane.queue:
                await self._step(lane)
        finally:
            lane.task = None
            if not lane.queue:
                self._lanes.pop(lane.chat, None)

    def _expire(self, lane: _Lane) -> None:
        limit = self._clock() - self.policy.max_age_sec
        while lane.queue and lane.queue[0].posted < limit:
            self._finish(lane, lane.queue.popleft(), Outcome.EXPIRED, "waited too long")

    def _batch(self, lane: _Lane) -> list[Parcel]:
        """The head of the queue, with the plain notifications right behind it when it is one too."""
        head = lane.queue[0]
        batch = [head]
        if not head.merge:
            return batch
        size = len(head.reply.text)
        for parcel in list(lane.queue)[1:]:
            size += len(MERGE_SEPARATOR) + len(parcel.reply.text)
            if not parcel.merge or size > self.policy.merge_max_chars:
                break
            batch.append(parcel)
        return batch

    async def _step(self, lane: _Lane) -> None:
        """Deliver the next message (or merged batch) of the lane, pacing and retrying as needed."""
        attempt = 0
        while True:
            self._expire(lane)
            if not lane.queue:
                return
            wait = lane.window.delay(self._clock(), self._cost(lane.queue[0].reply))
            if wait > 0:
                await asyncio.sleep(wait)  # more notifications may queue up meanwhile and merge
                continue
            batch = self._batch(lane)
            reply = merged([p.reply for p in batch])
            cost = self._cost(reply)
            failure: DeliveryError | None = None
            try:
                await self._deliver(lane.chat, reply)
            except DeliveryError as exc:
                failure = exc
            except Exception as exc:  # an adapter bug must not kill the lane
                log.exception("%s delivery to %s raised", self.platform, lane.chat)
                self._finish_batch(lane, batch, Outcome.FAILED, type(exc).__name__)
                return
            finally:
                # every attempt counts, when its answer is in: the platform saw the send before that, so
                # a window kept from here never lets the next send reach it early, whatever the delays
                lane.window.record(self._clock(), cost)
            if failure is None:
                self._finish_batch(
                    lane, batch, Outcome.SENT, f"{len(batch)} merged" if len(batch) > 1 else ""
                )
                return
            if not failure.offline:
                attempt += 1
            if not failure.retryable or attempt >= self.policy.attempts:
                self._finish_batch(lane, batch, Outcome.FAILED, str(failure))
                return
            pause = failure.retry_after or self._backoff(max(attempt, 1))
            log.info(
                "%s delivery to %s failed (%s); retrying in %.0f s", self.platform, lane.chat, failure, pause
            )
            await self._pause(lane, pause)

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.backoff_sec * 2 ** (attempt - 1), self.policy.backoff_max_sec)

    async def _pause(self, lane: _Lane, seconds: float) -> None:
        lane.wake.clear()
        try:
            await asyncio.wait_for(lane.wake.wait(), seconds)
        except TimeoutError:
            pass

    def _finish_batch(self, lane: _Lane, batch: list[Parcel], outcome: Outcome, detail: str) -> None:
        for parcel in batch:
            if lane.queue and lane.queue[0] is parcel:
                lane.queue.popleft()
        if outcome is Outcome.SENT:
            log.info("%s message to %s sent%s", self.platform, lane.chat, f" ({detail})" if detail else "")
            for parcel in batch:
                if not parcel.done.done():
                    parcel.done.set_result(outcome)
            return
        for parcel in batch:
            self._finish(lane, parcel, outcome, detail)

    def _finish(self, lane: _Lane, parcel: Parcel, outcome: Outcome, detail: str) -> None:
        if outcome is not Outcome.SENT:
            log.warning(
                "%s message to %s not delivered (%s: %s): %.60r",
                self.platform, lane.chat, outcome.value, detail, parcel.reply.text,
            )  # fmt: skip
        if not parcel.done.done():
            parcel.done.set_result(outcome)
