"""Wiring: the webhook route and the adapter's lifetime inside the service's aiohttp app.

The route authenticates every request itself (ed25519 signature, X-Bot-Appid), so the API's bearer-token
guard must skip the route named "qqbot-callback".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.keys import CHAT_CORE, NOTIFIER
from bot.qqbot.adapter import PLATFORM, QQBotAdapter
from bot.qqbot.api import QQBotAPI
from bot.qqbot.callback import handle_post
from bot.qqbot.settings import QQBotSettings

log = logging.getLogger(__name__)

QQBOT = web.AppKey("qqbot", QQBotAdapter)
QQBOT_SETTINGS = web.AppKey("qqbot_settings", QQBotSettings)
ROUTE_NAME = "qqbot-callback"


async def qqbot_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: HTTP session, API client and adapter; registered with the notifier as "qqbot"."""
    settings = app[QQBOT_SETTINGS]
    session = aiohttp.ClientSession()
    try:
        adapter = QQBotAdapter(app[CHAT_CORE], QQBotAPI(settings, session), settings)
        app[QQBOT] = adapter
        notifier = app.get(NOTIFIER)
        if notifier is not None:
            notifier.register(PLATFORM, adapter.outbox, buttons=False)
        log.info("qqbot adapter ready (app %s, callback %s)", settings.app_id, settings.callback_path)
        yield
        await adapter.close()
    finally:
        await session.close()


async def _post(request: web.Request) -> web.Response:
    adapter = request.app.get(QQBOT)
    if adapter is None:
        raise web.HTTPServiceUnavailable(text="qqbot adapter not running")
    return await handle_post(request, adapter)


def setup_qqbot(app: web.Application, settings: QQBotSettings) -> None:
    """Wire the adapter into the app at build time (routes cannot be added once it runs)."""
    if not settings.configured:
        return
    app[QQBOT_SETTINGS] = settings
    app.router.add_post(settings.callback_path, _post, name=ROUTE_NAME)
    app.cleanup_ctx.append(qqbot_context)
