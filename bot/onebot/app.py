"""Wiring: the reverse-WebSocket route and the adapter's lifetime inside the service's aiohttp app.

The route authenticates itself (access token, X-Self-ID), so the API's bearer-token guard must skip
the route named "onebot-ws".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.keys import CHAT_CORE, NOTIFIER
from bot.onebot.adapter import OneBotAdapter
from bot.onebot.protocol import PLATFORM
from bot.onebot.settings import OneBotSettings

log = logging.getLogger(__name__)

ONEBOT = web.AppKey("onebot", OneBotAdapter)
ONEBOT_SETTINGS = web.AppKey("onebot_settings", OneBotSettings)
ROUTE_NAME = "onebot-ws"


def enabled(settings: OneBotSettings) -> bool:
    """QQ is on when a non-empty access token is set (an empty one would let anyone in)."""
    return settings.access_token is not None and bool(settings.access_token.get_secret_value())


async def onebot_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the adapter over the chat core, registered with the notifier as platform "qq"."""
    adapter = OneBotAdapter(app[ONEBOT_SETTINGS], app[CHAT_CORE])
    app[ONEBOT] = adapter
    notifier = app.get(NOTIFIER)
    if notifier is not None:
        notifier.register(PLATFORM, adapter.outbox, buttons=False)
    yield
    await adapter.close()


async def _close_sockets(app: web.Application) -> None:
    # An open WebSocket would hold the server's shutdown for its whole timeout: close it first.
    adapter = app.get(ONEBOT)
    if adapter is not None:
        await adapter.close()


async def _ws(request: web.Request) -> web.StreamResponse:
    adapter = request.app.get(ONEBOT)
    if adapter is None:
        raise web.HTTPServiceUnavailable(text="qq adapter not running")
    return await adapter.ws_handler(request)


def setup_onebot(app: web.Application, settings: OneBotSettings) -> None:
    """Wire the adapter into the app at build time (routes cannot be added once it runs)."""
    if not enabled(settings):
        if settings.access_token is not None:
            log.warning("onebot.access_token is empty: the qq adapter stays off")
        return
    app[ONEBOT_SETTINGS] = settings
    app.router.add_get(settings.path, _ws, name=ROUTE_NAME)
    app.cleanup_ctx.append(onebot_context)
    app.on_shutdown.append(_close_sockets)
