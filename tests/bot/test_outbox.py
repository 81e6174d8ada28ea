"""The outbox on its own: pacing windows, merging, retries, expiry, overflow and offline waits."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.outbox import DeliveryError, Outbox, Outcome, Policy, Rate, Window, merged
from bot.messages import Button, Reply


class Recorder:
    """A platform: records what it was given; fails as told."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []
        self.failures: list[DeliveryError] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, chat: str, reply: Reply) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.got.append((chat, reply.text))


def test_window_waits_for_the_oldest_send_to_leave() -> None:
    window = Window((Rate(2, 10.0), Rate(3, 100.0)))
    assert window.delay(0.0) == 0
    window.record(0.0)
    window.record(1.0)
    assert window.delay(2.0) == pytest.approx(8.0)  # the first leaves the 10 s window at 10
    assert window.delay(10.5) == 0
    window.record(10.5)
    assert window.delay(21.0) == pytest.approx(79.0)  # three in 100 s: wait for the first to age out
    assert window.delay(100.5, cost=2) == pytest.approx(0.5)  # two more: the send at 1.0 must age out


def test_merged_keeps_rich_text_only_when_every_part_has_it() -> None:
    a, b = Reply(text="a", html="<b>a</b>"), Reply(text="b", html="<b>b</b>")
    assert merged([a, b]) == Reply(text="a\n\nb", html="<b>a</b>\n\n<b>b</b>")
    assert merged([a, Reply(text="c")]).html is None
    assert merged([a]) is a


async def test_order_is_kept_and_buttons_or_images_never_merge() -> None:
    platform = Recorder()
    platform.gate = asyncio.Event()
    outbox = Outbox("t", platform)
    button = [[Button(text="ok", action="c:1:y")]]
    for text in ("n1", "n2"):
        outbox.post("u", Reply(text=text), merge=True)
    outbox.post("u", Reply(text="q", buttons=button), merge=True)
    outbox.post("u", Reply(text="n3"), merge=True)
    outbox.post("u", Reply(text="n4"), merge=True)
    platform.gate.set()
    await outbox.drain()
    # the notifications on either side of the question merge; the question stays itself
    assert [t for _, t in platform.got] == ["n1\n\nn2", "q", "n3\n\nn4"]


async def test_retry_after_is_respected_and_offline_waits_do_not_use_attempts() -> None:
    platform = Recorder()
    offline = DeliveryError("offline", "not connected", offline=True)
    platform.failures = [offline] * 6 + [DeliveryError("busy", "later", retryable=True, retry_after=0.01)]
    outbox = Outbox("t", platform, Policy(attempts=2, backoff_sec=0.01))
    [done] = outbox.post("u", Reply(text="x"))
    assert await done is Outcome.SENT
    assert platform.got == [("u", "x")]


async def test_wake_retries_at_once() -> None:
    platform = Recorder()
    platform.failures = [DeliveryError("offline", "down", offline=True)]
    outbox = Outbox("t", platform, Policy(backoff_sec=30))
    [done] = outbox.post("u", Reply(text="x"))
    await asyncio.sleep(0.05)
    assert outbox.waiting() == {"u": 1}
    outbox.wake("someone-else")
    await asyncio.sleep(0.05)
    assert not done.done()
    outbox.wake()
    assert await asyncio.wait_for(done, 1) is Outcome.SENT


async def test_expired_and_overflowing_messages_are_given_up_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    platform = Recorder()
    platform.failures = [DeliveryError("offline", "down", offline=True)]
    outbox = Outbox(
        "t", platform, Policy(max_age_sec=10, max_queue=2, backoff_sec=0.01), clock=lambda: now[0]
    )
    with caplog.at_level(logging.INFO):
        [first] = outbox.post("u", Reply(text="old"))
        await asyncio.sleep(0.001)
        now[0] = 11.0  # "old" has waited past max_age while the platform was down
        [second] = outbox.post("u", Reply(text="new"))
        [third] = outbox.post("u", Reply(text="newer"))
        [fourth] = outbox.post("u", Reply(text="newest"))  # the queue holds 2: the oldest goes
        outbox.wake()
        await outbox.drain()
    assert await first is Outcome.OVERFLOW or await first is Outcome.EXPIRED
    assert await second in (Outcome.OVERFLOW, Outcome.EXPIRED)
    assert (await third, await fourth) == (Outcome.SENT, Outcome.SENT)
    assert [t for _, t in platform.got] == ["newer", "newest"]
    assert "not delivered" in caplog.text


async def test_close_logs_what_is_left_and_refuses_new_posts(caplog: pytest.LogCaptureFixture) -> None:
    platform = Recorder()
    platform.gate = asyncio.Event()
    outbox = Outbox("t", platform)
    [done] = outbox.post("u", Reply(text="x"))
    await asyncio.sleep(0.01)
    await outbox.close()
    assert await done is Outcome.CLOSED
    [late] = outbox.post("u", Reply(text="y"))
    assert await late is Outcome.CLOSED
    assert "the service stopped" in caplog.text


async def test_an_adapter_bug_fails_the_message_but_not_the_lane() -> None:
    calls: list[str] = []

    async def buggy(chat: str, reply: Reply) -> None:
        calls.append(reply.text)
        if reply.text == "bad":
            raise KeyError("bug")

    outbox = Outbox("t", buggy)
    [bad] = outbox.post("u", Reply(text="bad"))
    [good] = outbox.post("u", Reply(text="good"))
    assert (await bad, await good) == (Outcome.FAILED, Outcome.SENT)
