"""Is a replied-to message the bot's own? Known for what this process sent; otherwise asked via get_msg.

A group message that replies to the bot addresses it. The ids the bot sent are remembered, but a
restart forgets them, so an unknown id is looked up with the `get_msg` action (spec: api/public.md):
its `sender.user_id` equal to the bot's QQ number means the bot wrote it. Answers are cached; a failed
lookup (timeout, retcode, no connection) counts as "not the bot's" and is not cached, so a later reply
to the same message asks again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.onebot.connections import OneBotError
from bot.onebot.protocol import ActionResponse, StoredMessage

log = logging.getLogger(__name__)

REMEMBERED_MESSAGES = 1000  # (account, message id) -> the bot's own or not

Lookup = Callable[[str, int], Awaitable[ActionResponse]]  # (self id, message id) -> get_msg's answer


class BotMessages:
    """Which messages each bot account wrote: those it sent here, and what get_msg answered."""

    def __init__(self, lookup: Lookup, size: int = REMEMBERED_MESSAGES) -> None:
        self._lookup = lookup
        self._known: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._size = size

    def remember(self, self_id: str, message_id: str, *, own: bool = True) -> None:
        """Record whether `self_id` wrote `message_id` (beyond `size` answers the oldest is forgotten)."""
        key = (self_id, message_id)
        self._known[key] = own
        self._known.move_to_end(key)
        if len(self._known) > self._size:
            self._known.popitem(last=False)

    def known(self, self_id: str, message_id: str) -> bool | None:
        """The cached answer, None when not known."""
        return self._known.get((self_id, message_id))

    async def is_own(self, self_id: str, message_id: str) -> bool:
        """Did account `self_id` write message `message_id`? False when it cannot be found out."""
        cached = self.known(self_id, message_id)
        if cached is not None:
            return cached
        if not message_id.lstrip("-").isdigit():
            return False  # get_msg takes a number; nothing else can be one of ours
        try:
            response = await self._lookup(self_id, int(message_id))
            stored = StoredMessage.model_validate(response.data)
        except (OneBotError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            log.debug(
                "qq get_msg %s for account %s failed (taken as not the bot's): %s", message_id, self_id, exc
            )
            return False
        own = stored.sent_by(self_id)
        self.remember(self_id, message_id, own=own)
        return own
