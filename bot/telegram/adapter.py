"""The adapter proper: an Update goes to the chat core, its Replies come back as Telegram messages.

It knows the chat core only as "something with `async handle(Incoming) -> list[Reply]`". Sending never
raises into the update loop: a Telegram failure is logged and the next update is served.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.messages import FAILURE, ChatHandler, Outgoing, Reply
from bot.telegram.incoming import PLATFORM, to_incoming
from bot.telegram.render import ActionTooLong, Body, body, keyboard, plain
from bot.text import split_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Origin:
    """The message whose button was pressed: what `Reply(edit=True)` replaces."""

    chat_id: int
    message_id: int
    has_text: bool


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    try:
        return keyboard(reply)
    except ActionTooLong as exc:
        # Drawing the message without its buttons refuses the action instead of guessing at it.
        log.error("buttons dropped: %s", exc)
        return None


def _parse_error(exc: BadRequest) -> bool:
    return "can't parse entities" in exc.message.lower() or "can't find end" in exc.message.lower()


class TelegramAdapter:
    """Update -> Incoming -> core -> Replies -> sendMessage / sendPhoto / editMessageText."""

    def __init__(self, handler: ChatHandler, bot: Bot) -> None:
        self._handler = handler
        self._bot = bot

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The python-telegram-bot callback for every update."""
        incoming = to_incoming(update, self._bot.bot)
        query = update.callback_query
        if query is not None:
            try:  # always, or the user's client keeps spinning
                await query.answer()
            except TelegramError as exc:
                log.warning("could not answer a callback query: %s", exc)
        if incoming is None or (incoming.is_group and not incoming.addressed):
            return
        origin = None
        if query is not None and isinstance(query.message, Message):
            origin = Origin(query.message.chat.id, query.message.message_id, query.message.text is not None)
        try:
            replies = await self._handler.handle(incoming)
        except Exception:
            log.exception("the chat core failed on a telegram update from user %s", incoming.user_id)
            replies = [FAILURE]
        await self.deliver(int(incoming.chat_id), replies, origin)

    async def deliver(self, chat_id: int, replies: list[Reply], origin: Origin | None = None) -> None:
        """Draw the replies in order; a failed one is logged and the rest still go out."""
        for reply in replies:
            try:
                if reply.edit and origin is not None:
                    await self._edit(origin, reply)
                else:
                    await self._send(chat_id, reply)
            except Forbidden as exc:
                log.info("telegram chat %s refuses messages: %s", chat_id, exc)
                return
            except TelegramError as exc:
                log.warning("telegram delivery to chat %s failed: %s", chat_id, exc)

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver a notification; raises TelegramError so the notifier can count the failure."""
        if outgoing.platform != PLATFORM:
            raise ValueError(f"not a telegram message: platform {outgoing.platform!r}")
        await self._send(int(outgoing.chat_id), outgoing.reply)

    async def _send(self, chat_id: int, reply: Reply) -> None:
        if reply.image is not None:
            await self._send_photo(chat_id, reply)
            return
        formatted = body(reply)
        if len(formatted.text) <= MessageLimit.MAX_TEXT_LENGTH:
            await self._send_text(chat_id, reply, formatted)
            return
        # Too long for one message: split the plain variant (HTML cannot be cut safely).
        parts = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH, keep_breaks=True)
        for part in parts[:-1]:
            await self._bot.send_message(chat_id, part)
        await self._bot.send_message(chat_id, parts[-1], reply_markup=_markup(reply))

    async def _send_text(self, chat_id: int, reply: Reply, formatted: Body) -> None:
        markup = _markup(reply)
        try:
            await self._bot.send_message(
                chat_id, formatted.text, parse_mode=formatted.parse_mode, reply_markup=markup
            )
        except BadRequest as exc:
            if not _parse_error(exc) or formatted.parse_mode is None:
                raise
            log.warning("telegram rejected the formatted text (%s); sending it plain", exc.message)
            await self._bot.send_message(chat_id, reply.text, reply_markup=markup)

    async def _send_photo(self, chat_id: int, reply: Reply) -> None:
        assert reply.image is not None  # noqa: S101 - checked by the caller
        formatted = body(reply)
        fits = len(formatted.text) <= MessageLimit.CAPTION_LENGTH
        caption = formatted if fits else None
        try:
            await self._send_photo_once(chat_id, reply, caption)
        except BadRequest as exc:
            if caption is None or caption.parse_mode is None or not _parse_error(exc):
                raise
            log.warning("telegram rejected the formatted caption (%s); sending it plain", exc.message)
            caption = plain(reply)
            fits = len(caption.text) <= MessageLimit.CAPTION_LENGTH
            await self._send_photo_once(chat_id, reply, caption if fits else None)
        if not fits:
            await self._send(chat_id, reply.model_copy(update={"image": None}))

    async def _send_photo_once(self, chat_id: int, reply: Reply, caption: Body | None) -> None:
        """The photo, with the caption and the buttons when a caption goes along (else both come after)."""
        assert reply.image is not None  # noqa: S101 - checked by the caller
        await self._bot.send_photo(
            chat_id,
            reply.image,
            caption=caption.text if caption else None,
            parse_mode=caption.parse_mode if caption else None,
            reply_markup=_markup(reply) if caption else None,
        )

    async def _edit(self, origin: Origin, reply: Reply) -> None:
        formatted = body(reply)
        too_long = len(formatted.text) > MessageLimit.MAX_TEXT_LENGTH
        if reply.image is not None or not origin.has_text or too_long:
            # Telegram cannot turn this message into that one: retire its buttons, send the new one.
            await self._remove_buttons(origin)
            await self._send(origin.chat_id, reply)
            return
        markup = _markup(reply)  # None drops the keyboard: a pressed confirmation cannot be pressed again
        for attempt in (formatted, plain(reply)):
            try:
                await self._bot.edit_message_text(
                    attempt.text,
                    chat_id=origin.chat_id,
                    message_id=origin.message_id,
                    parse_mode=attempt.parse_mode,
                    reply_markup=markup,
                )
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return
                if attempt.parse_mode is None or not _parse_error(exc):
                    raise
                log.warning("telegram rejected the formatted edit (%s); editing it plain", exc.message)

    async def _remove_buttons(self, origin: Origin) -> None:
        try:
            await self._bot.edit_message_reply_markup(
                chat_id=origin.chat_id, message_id=origin.message_id, reply_markup=None
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
