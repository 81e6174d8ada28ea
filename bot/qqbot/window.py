"""Passive replies: which message of a chat may still be answered, and the msg_seq of each answer.

The platform sends only replies: each must name a message it received (`msg_id`) within that message's
window (group @-messages 5 minutes, private messages 60 minutes), at most 5 times, each with a distinct
`msg_seq`. This book remembers the latest message of every chat and counts its answers. Pure logic over
an injected clock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.qqbot.api import ErrCode, PassiveRef, QQBotError

MARGIN_SEC = 10.0  # we learn of a message a little after the platform stamped it


class NoReplyWindow(QQBotError):
    """Nothing of that chat may be answered now: the platform forbids proactive messages."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrCode.NO_REPLY_WINDOW, message)


@dataclass(slots=True)
class Anchor:
    """A received message that replies can reference."""

    chat_id: str
    msg_id: str
    received_at: float
    window_sec: float
    used: int = 0  # msg_seq values handed out so far

    def open_at(self, now: float) -> bool:
        return now < self.received_at + self.window_sec - MARGIN_SEC


class ReplyBook:
    """The latest message per chat, and the msg_seq counter of every message still remembered."""

    def __init__(
        self, budget: int = 5, *, clock: Callable[[], float] = time.monotonic, size: int = 4096
    ) -> None:
        self._budget = budget
        self._clock = clock
        self._size = size
        self._latest: OrderedDict[str, Anchor] = OrderedDict()

    def received(self, chat_id: str, msg_id: str, window_sec: float) -> Anchor:
        """Record a message the platform delivered now; it becomes the chat's latest."""
        anchor = Anchor(chat_id, msg_id, self._clock(), window_sec)
        self._latest[chat_id] = anchor
        self._latest.move_to_end(chat_id)
        while len(self._latest) > self._size:
            self._latest.popitem(last=False)
        return anchor

    def latest(self, chat_id: str) -> Anchor | None:
        """The chat's latest message, if any was received (open or not)."""
        return self._latest.get(chat_id)

    def remaining(self, anchor: Anchor) -> int:
        """How many more replies `anchor` can take."""
        return max(self._budget - anchor.used, 0)

    def take(self, anchor: Anchor) -> PassiveRef:
        """The reference for one more reply to `anchor`; NoReplyWindow when it expired or is used up."""
        if not anchor.open_at(self._clock()):
            minutes = anchor.window_sec / 60
            raise NoReplyWindow(
                f"message {anchor.msg_id} of chat {anchor.chat_id} is older than its {minutes:g}-minute "
                "reply window"
            )
        if anchor.used >= self._budget:
            raise NoReplyWindow(f"message {anchor.msg_id} already has its {self._budget} replies")
        anchor.used += 1
        return PassiveRef(anchor.msg_id, anchor.used)

    def take_latest(self, chat_id: str) -> PassiveRef:
        """A reference for a message of our own (a notification): the chat's latest message, if still open."""
        anchor = self._latest.get(chat_id)
        if anchor is None:
            raise NoReplyWindow(
                f"chat {chat_id} has not written since the service started: QQ bots may only reply, "
                "so it can be reached after its next message"
            )
        try:
            return self.take(anchor)
        except NoReplyWindow as exc:
            raise NoReplyWindow(
                f"chat {chat_id} has not written recently ({exc.message}): QQ bots may only reply, "
                "so it can be reached after its next message"
            ) from None
