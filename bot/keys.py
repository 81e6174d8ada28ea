"""App keys of the chat layer: the chat core and its notifier, reached by every chat adapter, and the
live parts the service status is gathered from."""

from __future__ import annotations

from aiohttp import web

from bot.core import ChatCore
from bot.core.notify import Notifier
from bot.core.status import StatusSources

CHAT_CORE = web.AppKey("chat_core", ChatCore)
NOTIFIER = web.AppKey("notifier", Notifier)
STATUS = web.AppKey("status_sources", StatusSources)  # what /status and GET /api/v1/status read
