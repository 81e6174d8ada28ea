"""The adapter proper: a callback goes to the chat core, its Replies go back as passive replies.

Messages are handled in a task per chat (order kept within a chat, chats independent), after the route has
acknowledged the platform. Every reply names the message it answers (msg_id) with the next msg_seq; the
platform has no buttons, so the core renders numbered/typed fallbacks (Incoming.buttons = False). For
notifications there is no proactive push: `send` answers the chat's latest message while its window is
open and otherwise raises NoReplyWindow. Delivery of replies never raises into the chat's task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pydantic import ValidationError

from bot.core.outbox import DeliveryError, Outbox, Policy
from bot.dedup import Deduper
from bot.lanes import ChatLanes
from bot.messages import FAILURE, ChatHandler, Incoming, Outgoing, Reply
from bot.qqbot.api import ErrCode, PassiveRef, QQBotAPI, QQBotError, Scene, Target
from bot.qqbot.events import MessageEvent
from bot.qqbot.plan import ImagePart, Part, TextPart, plan
from bot.qqbot.settings import QQBotSettings
from bot.qqbot.signing import Signer
from bot.qqbot.window import Anchor, NoReplyWindow, ReplyBook

log = logging.getLogger(__name__)

PLATFORM = "qqbot"
GROUP_PREFIX = "g"  # openids are upper-case hex: a lower-case prefix cannot clash
MAX_PENDING_PER_CHAT = 50
MAX_AUTHORS_LOGGED = 1000
NOTICE_POLICY = Policy(attempts=3, backoff_sec=2.0, max_age_sec=120.0)  # the reply windows are short anyway


def chat_id(event: MessageEvent) -> str:
    """Our chat id: the user's openid for a private chat, "g" + group_openid for a group."""
    return GROUP_PREFIX + event.group_openid if event.group_openid else event.author


def target_of(chat: str) -> Target:
    """Where a chat id's messages go."""
    if chat.startswith(GROUP_PREFIX):
        return Target(Scene.GROUP, chat.removeprefix(GROUP_PREFIX))
    return Target(Scene.C2C, chat)


def to_incoming(event: MessageEvent) -> Incoming | None:
    """The chat core's input for a message, or None when it cannot be one."""
    try:
        return Incoming(
            platform=PLATFORM,
            user_id=event.author,
            chat_id=chat_id(event),
            text=event.content,
            is_group=event.is_group,
            addressed=True,  # group messages reach a bot only when they @-mention it
            buttons=False,
        )
    except ValidationError as exc:
        log.warning("qqbot message not usable as input: %s", exc.errors()[0].get("msg"))
        return None


class QQBotAdapter:
    """Callback -> Incoming -> core -> Replies -> passive replies (text, images)."""

    def __init__(
        self,
        handler: ChatHandler,
        api: QQBotAPI,
        settings: QQBotSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.secret is None or not settings.app_id:
            raise ValueError("qqbot is not configured (app_id, secret)")
        self._handler = handler
        self._api = api
        self._settings = settings
        self._signer = Signer(settings.secret.get_secret_value())
        self._app_id = settings.app_id
        self.book = ReplyBook(settings.replies_per_message, clock=clock)
        self._dedup = Deduper()
        self._lanes: ChatLanes[tuple[MessageEvent, Anchor]] = ChatLanes(
            "qqbot", self._process_item, max_pending=MAX_PENDING_PER_CHAT
        )
        # notifications: retried when the platform is busy; a chat with no open window fails at once
        self.outbox = Outbox(PLATFORM, self._deliver_notice, NOTICE_POLICY, clock=clock)
        self._authors: set[str] = set()

    @property
    def signer(self) -> Signer:
        return self._signer

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def max_age_sec(self) -> float:
        return self._settings.max_callback_age_sec

    def submit(self, event: MessageEvent) -> bool:
        """Queue a verified message unless it is a retry; False when dropped."""
        if self._dedup.seen(event.dedup_keys):
            log.debug("qqbot callback retry dropped")
            return False
        self._dedup.record(event.dedup_keys)
        chat = chat_id(event)
        window = (
            self._settings.group_reply_window_sec if event.is_group else self._settings.c2c_reply_window_sec
        )
        anchor = self.book.received(chat, event.msg_id, window)
        return self._lanes.put(chat, (event, anchor))

    async def _process_item(self, item: tuple[MessageEvent, Anchor]) -> None:
        await self.process(*item)

    async def drain(self) -> None:
        """Wait until every queued message has been handled and every notification sent."""
        await self._lanes.join()
        await self.outbox.drain()

    async def process(self, event: MessageEvent, anchor: Anchor) -> None:
        """One message through the chat core and back as replies to it."""
        incoming = to_incoming(event)
        if incoming is None:
            return
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a qqbot message from %s", event.author)
            replies = [FAILURE]
        await self.deliver(anchor, replies)

    async def deliver(self, anchor: Anchor, replies: list[Reply]) -> None:
        """Send the replies as answers to `anchor`; a failed part is logged and the rest still go."""
        target = target_of(anchor.chat_id)
        for part in plan(replies, self.book.remaining(anchor), images=self._settings.images):
            try:
                await self._send_part(target, part, lambda: self.book.take(anchor))
            except NoReplyWindow as exc:
                log.warning("qqbot reply to %s not sent: %s", anchor.chat_id, exc.message)
                return
            except QQBotError as exc:
                log.warning("qqbot delivery to %s failed: %s", anchor.chat_id, exc)

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver a notification as a reply to the chat's latest message; raises QQBotError (NoReplyWindow
        when that chat has not written within its window) so the notifier counts the failure."""
        if outgoing.platform != PLATFORM:
            raise ValueError(f"not a qqbot message: platform {outgoing.platform!r}")
        anchor = self.book.latest(outgoing.chat_id)
        budget = self.book.remaining(anchor) if anchor is not None else 0
        parts = plan([outgoing.reply], budget, images=self._settings.images)
        if not parts:
            if budget == 0:  # nowhere to send it: let the book say why
                self.book.take_latest(outgoing.chat_id)
            return
        target = target_of(outgoing.chat_id)
        for part in parts:
            await self._send_part(target, part, lambda: self.book.take_latest(outgoing.chat_id))

    async def _send_part(self, target: Target, part: Part, take: Callable[[], PassiveRef]) -> None:
        if isinstance(part, ImagePart):
            try:
                file_info = await self._api.upload_image(target, part.png)
            except QQBotError as exc:  # the chart is a bonus: its text follows as its own part
                log.warning("qqbot image upload to %s failed; sending the text only: %s", target.scene, exc)
                return
            ref = take()
            await self._api.send_image(target, file_info, ref)
        elif isinstance(part, TextPart):
            await self._api.send_text(target, part.text, take())

    async def close(self) -> None:
        """Stop handling messages; those still queued are dropped, unsent notifications logged."""
        await self._lanes.close()
        await self.outbox.close()

    async def _deliver_notice(self, chat: str, reply: Reply) -> None:
        """The outbox's way out: `send`, its failures as DeliveryErrors."""
        try:
            await self.send(Outgoing(platform=PLATFORM, chat_id=chat, reply=reply))
        except NoReplyWindow as exc:
            raise DeliveryError("no_reply_window", exc.message) from None
        except QQBotError as exc:
            retry = exc.code in (ErrCode.RATE_LIMITED, ErrCode.TRANSPORT)
            raise DeliveryError(f"qqbot_{exc.code}", exc.message, retryable=retry) from None
