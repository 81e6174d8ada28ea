"""The Telegram adapter: python-telegram-bot v22 inside the service's own asyncio loop.

`setup_telegram(app)` wires it into the aiohttp application (a cleanup context, plus the webhook route in
webhook mode); nothing is started when `telegram.token` is unset.
"""

from bot.telegram.adapter import ChatHandler, TelegramAdapter
from bot.telegram.app import TELEGRAM, TelegramRunner, setup_telegram, telegram_context

__all__ = [
    "TELEGRAM",
    "ChatHandler",
    "TelegramAdapter",
    "TelegramRunner",
    "setup_telegram",
    "telegram_context",
]
