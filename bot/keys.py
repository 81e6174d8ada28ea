"""App keys of the chat layer: the chat core and its notifier, reached by every chat adapter."""

from __future__ import annotations

from aiohttp import web

from bot.core import ChatCore
from bot.core.notify import Notifier

CHAT_CORE = web.AppKey("chat_core", ChatCore)
NOTIFIER = web.AppKey("notifier", Notifier)
