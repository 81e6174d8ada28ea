"""Telegram's failures as outbox outcomes: what time can fix is retried, what it cannot is not.

python-telegram-bot's AIORateLimiter already waits out 429 flood answers (up to 3 times) before an
error reaches us. BadRequest and Forbidden (the user blocked the bot, the chat is gone) would fail
the same way again; a network error or a Bot API server error may pass.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.core.outbox import DeliveryError


class NotReady(TelegramError):
    """The bot is not connected to Telegram yet (still bringing itself up)."""


def delivery_error(exc: TelegramError) -> DeliveryError:
    """The outbox's view of a failed send."""
    name = type(exc).__name__
    if isinstance(exc, NotReady):
        return DeliveryError("not_ready", exc.message, offline=True)
    if isinstance(exc, RetryAfter):
        return DeliveryError("retry_after", exc.message, retryable=True, retry_after=_seconds(exc))
    if isinstance(exc, BadRequest | Forbidden | InvalidToken):
        return DeliveryError(name, exc.message)
    return DeliveryError(name, exc.message, retryable=isinstance(exc, NetworkError))


def _seconds(exc: RetryAfter) -> float:
    # PTB 22 keeps a timedelta inside; its public `retry_after` warns while it changes type (int -> timedelta)
    value = getattr(exc, "_retry_after", None)
    return value.total_seconds() if isinstance(value, timedelta) else 1.0
