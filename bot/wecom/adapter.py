"""The adapter proper: a callback goes to the chat core, its Replies come back as WeCom messages.

Callbacks are served per user (one user's messages in order, different users at once); the route has
already answered WeCom. Everything sent to a member goes through the outbox: at most 30 messages a
minute and 1,000 an hour (past that WeCom drops them without a word), merged when notifications
pile up, retried when WeCom is busy or limiting. A reply is drawn as in draw.py; a card press comes
back as `Incoming.action`, and `Reply(edit=True)` greys out the pressed card's buttons
(update_template_card with the press's ResponseCode) before the reply goes out as new messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import ValidationError

from bot.core.outbox import Outbox, Policy, Rate
from bot.dedup import Deduper
from bot.lanes import ChatLanes
from bot.messages import FAILURE, MAX_ACTION_BYTES, ChatHandler, Incoming, Media, Reply
from bot.wecom.api import ErrCode, WeComAPI, WeComError
from bot.wecom.callback import CallbackEvent, EventKind
from bot.wecom.crypto import WeComCrypto
from bot.wecom.draw import card_of, pieces
from bot.wecom.errors import delivery_error
from bot.wecom.settings import WeComSettings

log = logging.getLogger(__name__)

PLATFORM = "wecom"
DONE_LABEL = "已处理"
INCOMING_TEXT_MAX = 4096
MERGE_MAX_CHARS = 600  # merged notifications stay one message (2,000 bytes is ~660 Chinese characters)
MAX_AGE_SEC = 12 * 3600.0  # a report waits its turn behind the rate limits, up to half a day


@dataclass(frozen=True, slots=True)
class Origin:
    """The card whose button was pressed: what `Reply(edit=True)` retires."""

    user: str
    task_id: str | None
    response_code: str | None


def policy(
    settings: WeComSettings, rates: tuple[Rate, ...] | None = None, merge_max_chars: int = MERGE_MAX_CHARS
) -> Policy:
    """How WeCom sends are paced and retried; by default the member limits of the send-message page
    (90236). The group robots pass their own rate and text size (app.py)."""
    if rates is None:
        rates = (Rate(settings.per_member_minute, 60.0), Rate(settings.per_member_hour, 3600.0))
    return Policy(
        rates=rates,
        max_age_sec=MAX_AGE_SEC,
        merge_max_chars=merge_max_chars,
        attempts=settings.send_attempts,
        backoff_sec=settings.send_retry_sec,
    )


def to_incoming(event: CallbackEvent) -> Incoming | None:
    """The chat core's input for a callback, or None when it cannot be one of ours."""
    # buttons=False: the core numbers every choice into the text, so a typed "1" works on WeChat too
    common = {"platform": PLATFORM, "user_id": event.user, "chat_id": event.user, "buttons": False}
    try:
        if event.kind is EventKind.TEXT:
            return Incoming(**common, text=(event.text or "")[:INCOMING_TEXT_MAX])
        if event.kind is EventKind.MEDIA:
            return Incoming(**common, media=Media(event.media) if event.media in set(Media) else Media.OTHER)
        key = event.event_key or ""
        if len(key.encode()) > MAX_ACTION_BYTES:
            log.warning("wecom card event with a key longer than any action of ours: ignored")
            return None
        return Incoming(**common, action=key)
    except ValidationError as exc:
        log.warning("wecom callback not usable as input: %s", exc.errors()[0].get("msg"))
        return None


class WeComAdapter:
    """Callback -> Incoming -> core -> Replies -> outbox -> message/send, media/upload, cards."""

    def __init__(
        self,
        handler: ChatHandler,
        api: WeComAPI,
        crypto: WeComCrypto,
        settings: WeComSettings,
        *,
        no_cards: frozenset[str] = frozenset(),
        pacing: Policy | None = None,
    ) -> None:
        self._handler = handler
        self._api = api
        self._crypto = crypto
        self._settings = settings
        self._no_cards = no_cards  # users whose client shows no cards (WeChat): numbered text only
        self._dedup = Deduper()
        self._lanes: ChatLanes[CallbackEvent] = ChatLanes("wecom", self.process)
        self.outbox = Outbox(PLATFORM, self._deliver, pacing or policy(settings), split=self._pieces)

    @property
    def crypto(self) -> WeComCrypto:
        return self._crypto

    @property
    def agent_id(self) -> int | None:
        return self._api.agent_id

    @property
    def max_age_sec(self) -> int:
        return self._settings.callback_max_age_sec

    async def close(self) -> None:
        """Stop serving callbacks and sending; what is still queued is logged as not delivered."""
        await self._lanes.close()
        await self.outbox.close()

    def submit(self, event: CallbackEvent) -> bool:
        """Queue a verified callback behind the user's earlier ones unless it is a retry."""
        key = (event.dedup_key,)
        if self._dedup.seen(key):
            log.debug("wecom callback retry dropped")
            return False
        self._dedup.record(key)
        return self._lanes.put(event.user, event)

    async def drain(self) -> None:
        """Wait until every callback has been processed and every message sent (tests, shutdown)."""
        await self._lanes.join()
        await self.outbox.drain()

    async def process(self, event: CallbackEvent) -> None:
        """One callback through the chat core; its replies are queued for the user."""
        incoming = to_incoming(event)
        if incoming is None:
            return
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a wecom message from user %s", event.user)
            replies = [FAILURE]
        origin = (
            Origin(event.user, event.task_id, event.response_code) if event.kind is EventKind.CARD else None
        )
        for reply in replies:
            if reply.edit and origin is not None:
                await self._retire(origin)
                origin = None  # a ResponseCode is good for one update only
            self.outbox.post(event.user, reply)

    def _pieces(self, user: str, reply: Reply) -> list[Reply]:
        return pieces(reply, cards=user not in self._no_cards)

    async def _deliver(self, user: str, piece: Reply) -> None:
        """Send one piece (see draw.pieces); a WeCom failure becomes the outbox's DeliveryError."""
        try:
            if piece.image is not None:
                media_id = await self._api.upload_image(piece.image)
                await self._api.send_image(user, media_id)
            elif piece.buttons:
                await self._api.send_card(user, card_of(piece))
            else:
                await self._api.send_text(user, piece.text)
        except WeComError as exc:
            raise delivery_error(
                exc.errcode, exc.errmsg, transport=exc.errcode == ErrCode.TRANSPORT
            ) from None

    async def _retire(self, origin: Origin) -> None:
        """Grey out the pressed card's buttons; a failure here must not stop the reply itself."""
        if not origin.response_code:
            log.info("wecom card press without ResponseCode: the card keeps its buttons")
            return
        try:
            await self._api.update_card_buttons(origin.user, origin.response_code, DONE_LABEL)
        except WeComError as exc:
            log.warning("wecom could not update card %s: %s", origin.task_id, exc)
