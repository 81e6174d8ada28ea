"""The adapter proper: a callback goes to the chat core, its Replies come back as WeCom messages.

Callbacks are processed one at a time from a queue (a user's messages keep their order; the route
has already answered WeCom). A reply with buttons becomes button_interaction cards (6 buttons each;
the button `key` is the core's action); a press comes back as `Incoming.action`, and `Reply(edit=True)`
greys out the pressed card's buttons (update_template_card with the press's ResponseCode) and sends
the reply as a new message: WeCom cannot rewrite a card's text in place for our plain replies.
Sending never raises into the worker: a WeCom failure is logged and the next callback is served.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from pydantic import ValidationError

from bot.messages import FAILURE, MAX_ACTION_BYTES, Button, ChatHandler, Incoming, Outgoing, Reply
from bot.wecom.api import CARD_MAX_BUTTONS, Card, CardButton, WeComAPI, WeComError
from bot.wecom.callback import CallbackEvent, Deduper, EventKind
from bot.wecom.crypto import WeComCrypto
from mt5bridge.common.tasks import TaskSet

log = logging.getLogger(__name__)

PLATFORM = "wecom"
TITLE_MAX = 26  # main_title.title: WeCom shows about 26 characters
BODY_MAX = 112  # sub_title_text: about 112 characters
BUTTON_TEXT_MAX = 10  # button text: about 10 characters
DONE_LABEL = "已处理"
INCOMING_TEXT_MAX = 4096
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Origin:
    """The card whose button was pressed: what `Reply(edit=True)` retires."""

    user: str
    task_id: str | None
    response_code: str | None


@dataclass(frozen=True, slots=True)
class CardPlan:
    """How a reply with buttons is drawn: an optional full-text message first, then the cards."""

    preface: str | None
    cards: tuple[Card, ...]


def trim(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _labels(buttons: list[Button]) -> tuple[list[str], list[str]]:
    """Short button labels, and legend lines giving the full texts of the shortened ones."""
    labels = [trim(b.text, BUTTON_TEXT_MAX) for b in buttons]
    if len(set(labels)) < len(labels):  # two cut labels look alike: number them all
        labels = [trim(f"{i}.{b.text}", BUTTON_TEXT_MAX) for i, b in enumerate(buttons, 1)]
    legend = [f"{label} = {b.text}" for label, b in zip(labels, buttons, strict=True) if label != b.text]
    return labels, legend


def new_task_id() -> str:
    """A unique task_id ([A-Za-z0-9_-@], at most 128 bytes)."""
    return f"mt5bot-{uuid.uuid4().hex}"


def plan_cards(reply: Reply) -> CardPlan:
    """Cards for a reply with buttons; the full text goes first as a message when a card cannot hold it."""
    buttons = [b for row in reply.buttons for b in row]
    labels, legend = _labels(buttons)
    head, _, rest = reply.text.strip().partition("\n")
    body = "\n".join([rest.strip(), *legend]).strip()
    fits = len(head) <= TITLE_MAX and len(body) <= BODY_MAX
    preface = None if fits else "\n".join([reply.text, "", *legend]).strip()
    title = trim(head or "mt5bot", TITLE_MAX)
    chunks = [
        list(zip(labels[i : i + CARD_MAX_BUTTONS], buttons[i : i + CARD_MAX_BUTTONS], strict=True))
        for i in range(0, len(buttons), CARD_MAX_BUTTONS)
    ]
    cards = []
    for n, chunk in enumerate(chunks, 1):
        card_buttons = tuple(CardButton(text=label, key=b.action) for label, b in chunk)
        card_title = title if len(chunks) == 1 else trim(f"({n}/{len(chunks)}) {head or 'mt5bot'}", TITLE_MAX)
        card_body = trim(body, BODY_MAX) if n == 1 else ""
        cards.append(Card(task_id=new_task_id(), title=card_title, body=card_body, buttons=card_buttons))
    return CardPlan(preface=preface, cards=tuple(cards))


def to_incoming(event: CallbackEvent) -> Incoming | None:
    """The chat core's input for a callback, or None when it cannot be one of ours."""
    try:
        if event.kind is EventKind.TEXT:
            text = (event.text or "")[:INCOMING_TEXT_MAX]
            return Incoming(platform=PLATFORM, user_id=event.user, chat_id=event.user, text=text)
        key = event.event_key or ""
        if len(key.encode()) > MAX_ACTION_BYTES:
            log.warning("wecom card event with a key longer than any action of ours: ignored")
            return None
        return Incoming(platform=PLATFORM, user_id=event.user, chat_id=event.user, action=key)
    except ValidationError as exc:
        log.warning("wecom callback not usable as input: %s", exc.errors()[0].get("msg"))
        return None


class WeComAdapter:
    """Callback -> Incoming -> core -> Replies -> message/send, media/upload, update_template_card."""

    def __init__(
        self,
        handler: ChatHandler,
        api: WeComAPI,
        crypto: WeComCrypto,
        *,
        queue_size: int = 256,
    ) -> None:
        self._handler = handler
        self._api = api
        self._crypto = crypto
        self._queue: asyncio.Queue[CallbackEvent] = asyncio.Queue(queue_size)
        self._dedup = Deduper()
        self._tasks = TaskSet("wecom")
        self._worker: asyncio.Task[None] | None = None

    @property
    def crypto(self) -> WeComCrypto:
        return self._crypto

    @property
    def agent_id(self) -> int | None:
        return self._api.agent_id

    def start(self) -> None:
        """Start the worker that serves queued callbacks."""
        if self._worker is None:
            self._worker = self._tasks.spawn(self._serve(), "worker")

    async def close(self) -> None:
        """Stop the worker; callbacks still queued are dropped (WeCom does not resend them)."""
        await self._tasks.close()
        self._worker = None

    def submit(self, event: CallbackEvent) -> bool:
        """Queue a verified callback unless it is a retry; False when dropped."""
        key = event.dedup_key
        if self._dedup.seen(key):
            log.debug("wecom callback retry dropped")
            return False
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("wecom callback queue full: a message from %s is dropped", event.user)
            return False
        self._dedup.record(key)
        return True

    async def _serve(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.process(event)
            except Exception:  # the worker must survive any one callback
                log.exception("wecom callback from %s failed", event.user)
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued callback has been processed (tests, orderly shutdown)."""
        await self._queue.join()

    async def process(self, event: CallbackEvent) -> None:
        """One callback through the chat core and back."""
        incoming = to_incoming(event)
        if incoming is None:
            return
        origin = None
        if event.kind is EventKind.CARD:
            origin = Origin(event.user, event.task_id, event.response_code)
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a wecom message from user %s", event.user)
            replies = [FAILURE]
        await self.deliver(event.user, replies, origin)

    async def deliver(self, user: str, replies: list[Reply], origin: Origin | None = None) -> None:
        """Draw the replies in order; a failed one is logged and the rest still go out."""
        for reply in replies:
            try:
                if reply.edit and origin is not None:
                    await self._retire(origin)
                    origin = None  # a ResponseCode is good for one update only
                await self._send(user, reply)
            except WeComError as exc:
                log.warning("wecom delivery to %s failed: %s", user, exc)

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver a notification; raises WeComError so the notifier can count the failure."""
        if outgoing.platform != PLATFORM:
            raise ValueError(f"not a wecom message: platform {outgoing.platform!r}")
        await self._send(outgoing.chat_id, outgoing.reply)

    async def _send(self, user: str, reply: Reply) -> None:
        if reply.image is not None:
            media_id = await self._api.upload_image(reply.image)
            await self._api.send_image(user, media_id)
        if reply.buttons:
            plan = plan_cards(reply)
            if plan.preface:
                await self._api.send_text(user, plan.preface)
            for card in plan.cards:
                await self._api.send_card(user, card)
        elif reply.text.strip():
            await self._api.send_text(user, reply.text)

    async def _retire(self, origin: Origin) -> None:
        """Grey out the pressed card's buttons; a failure here must not stop the reply itself."""
        if not origin.response_code:
            log.info("wecom card press without ResponseCode: the card keeps its buttons")
            return
        try:
            await self._api.update_card_buttons(origin.user, origin.response_code, DONE_LABEL)
        except WeComError as exc:
            log.warning("wecom could not update card %s: %s", origin.task_id, exc)
