"""Telegram Update -> Incoming: who spoke, where, and whether the bot was addressed (pure, no I/O)."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from telegram import CallbackQuery, Chat, Message, MessageEntity, Update, User
from telegram.constants import MessageEntityType

from bot.messages import Incoming

log = logging.getLogger(__name__)

PLATFORM = "telegram"
_GROUP_TYPES = {Chat.GROUP, Chat.SUPERGROUP}


def language(code: str | None) -> str | None:
    """Telegram's IETF tag reduced to its primary language ("zh-hans" -> "zh")."""
    if not code:
        return None
    return code.split("-")[0].split("_")[0].lower() or None


def _name(user: User) -> str:
    return user.username or user.full_name


def _is_me(entity_text: str, me: User) -> bool:
    return bool(me.username) and entity_text.lower() == f"@{me.username}".lower()


def _strip_entity(message: Message, entity: MessageEntity, me: User) -> tuple[bool, str | None]:
    """(addressed to me?, what the entity's text becomes in the cleaned text; None = unchanged)."""
    text = message.parse_entity(entity)
    if entity.type == MessageEntityType.MENTION and _is_me(text, me):
        return True, ""
    if entity.type == MessageEntityType.TEXT_MENTION and entity.user and entity.user.id == me.id:
        return True, ""
    if entity.type == MessageEntityType.BOT_COMMAND and "@" in text:
        command, _, target = text.partition("@")
        # A command aimed at another bot is not for us; one aimed at us loses its suffix.
        return (True, command) if _is_me(f"@{target}", me) else (False, None)
    return False, None


def addressed_text(message: Message, me: User) -> tuple[bool, str]:
    """Whether a group message is for the bot (mention, /cmd@bot, reply to the bot) and its cleaned text."""
    text = message.text or ""
    replied = message.reply_to_message
    addressed = bool(replied and replied.from_user and replied.from_user.id == me.id)
    cleaned = text
    for entity in message.entities:
        hit, replacement = _strip_entity(message, entity, me)
        addressed = addressed or hit
        if hit and replacement is not None:
            cleaned = cleaned.replace(message.parse_entity(entity), replacement, 1)
    return addressed, " ".join(cleaned.split()) if addressed else text


def _from_callback(query: CallbackQuery) -> Incoming | None:
    message = query.message
    if not query.data or message is None:  # inline-mode messages carry no chat: not ours
        return None
    # The presser, not the chat, is the actor: in a group anyone can tap a button.
    user = query.from_user
    return Incoming(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        action=query.data,
        user_name=_name(user),
        is_group=message.chat.type in _GROUP_TYPES,
        addressed=True,
        lang=language(user.language_code),
    )


def _from_message(message: Message, me: User) -> Incoming | None:
    user = message.from_user
    if user is None or message.text is None or user.is_bot:
        return None
    is_group = message.chat.type in _GROUP_TYPES
    addressed, text = addressed_text(message, me) if is_group else (True, message.text)
    return Incoming(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        text=text,
        user_name=_name(user),
        is_group=is_group,
        addressed=addressed,
        lang=language(user.language_code),
    )


def to_incoming(update: Update, me: User) -> Incoming | None:
    """The update as an Incoming, or None when it is nothing the core handles (edits, stickers, channels)."""
    try:
        if update.callback_query is not None:
            return _from_callback(update.callback_query)
        if update.message is not None:
            return _from_message(update.message, me)
    except ValidationError as exc:
        log.warning("telegram update %s not usable: %s", update.update_id, exc.errors()[0]["msg"])
    return None
