"""How the QQ outbox paces and cuts messages: QQ's risk controls restrict accounts that send in bursts,
so every chat gets a minimum interval and a per-minute cap (lower for groups), and a reply is sent as
the messages it becomes, one by one, so that a retry never repeats a part that went out."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.outbox import Policy, Rate
from bot.messages import Reply
from bot.onebot.protocol import GROUP_PREFIX, MAX_TEXT
from bot.onebot.settings import OneBotSettings
from bot.text import split_text

MERGE_MAX_CHARS = 1500  # merged notifications stay one QQ message


def policy(settings: OneBotSettings) -> Policy:
    """Queue bounds and retries from `onebot` settings (the rates come per chat from `rates_for`)."""
    return Policy(
        max_queue=settings.queue_size,
        max_age_sec=settings.queue_max_age_sec,
        backoff_sec=settings.send_retry_sec,
        merge_max_chars=MERGE_MAX_CHARS,
    )


def rates_for(settings: OneBotSettings) -> Callable[[str], tuple[Rate, ...]]:
    """The send rates of one chat: a group's cap, or a private chat's, and the minimum interval."""

    def rates(chat: str) -> tuple[Rate, ...]:
        per_minute = (
            settings.group_per_minute if chat.startswith(GROUP_PREFIX) else settings.private_per_minute
        )
        interval = (Rate(1, settings.min_interval_sec),) if settings.min_interval_sec > 0 else ()
        return (*interval, Rate(per_minute, 60.0))

    return rates


def pieces(_chat: str, reply: Reply) -> list[Reply]:
    """The QQ messages of one reply: its text in parts, the image and the quote with the first."""
    parts = split_text(reply.text, MAX_TEXT) if reply.text.strip() else [""]
    out = [Reply(text=part) for part in parts]
    out[0] = out[0].model_copy(update={"image": reply.image, "reply_to": reply.reply_to})
    if not out[0].text and out[0].image is None:
        return []
    return out
