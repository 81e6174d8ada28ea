"""Wiring: the callback routes and the adapter's lifetime inside the service's aiohttp app.

The routes authenticate every request themselves (msg_signature, receive id), so the API's
bearer-token guard must skip the route named "wecom-callback".
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.keys import CHAT_CORE, NOTIFIER
from bot.wecom.adapter import PLATFORM, WeComAdapter
from bot.wecom.api import WeComAPI
from bot.wecom.callback import handle_get, handle_post
from bot.wecom.crypto import WeComCrypto
from bot.wecom.settings import WeComSettings

log = logging.getLogger(__name__)

WECOM = web.AppKey("wecom", WeComAdapter)
WECOM_SETTINGS = web.AppKey("wecom_settings", WeComSettings)
ROUTE_NAME = "wecom-callback"


def build_crypto(settings: WeComSettings) -> WeComCrypto:
    """The callback crypto for these settings (configured ones: the validator checked completeness)."""
    if settings.corp_id is None or settings.token is None or settings.encoding_aes_key is None:
        raise ValueError("wecom.corp_id, token and encoding_aes_key are needed")
    return WeComCrypto(
        settings.token.get_secret_value(), settings.encoding_aes_key.get_secret_value(), settings.corp_id
    )


async def wecom_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: HTTP session, API client and adapter; registered with the notifier as "wecom"."""
    settings = app[WECOM_SETTINGS]
    session = aiohttp.ClientSession()
    try:
        adapter = WeComAdapter(app[CHAT_CORE], WeComAPI(settings, session), build_crypto(settings))
        app[WECOM] = adapter
        notifier = app.get(NOTIFIER)
        if notifier is not None:
            notifier.register(PLATFORM, adapter.send)
        adapter.start()
        log.info("wecom adapter ready (agent %s, callback %s)", settings.agent_id, settings.callback_path)
        yield
        await adapter.close()
    finally:
        await session.close()


def _adapter(request: web.Request) -> WeComAdapter:
    adapter = request.app.get(WECOM)
    if adapter is None:
        raise web.HTTPServiceUnavailable(text="wecom adapter not running")
    return adapter


async def _get(request: web.Request) -> web.Response:
    return await handle_get(request, _adapter(request))


async def _post(request: web.Request) -> web.Response:
    return await handle_post(request, _adapter(request))


def setup_wecom(app: web.Application, settings: WeComSettings) -> None:
    """Wire the adapter into the app at build time (routes cannot be added once it runs)."""
    if not settings.configured:
        return
    app[WECOM_SETTINGS] = settings
    app.router.add_get(settings.callback_path, _get, name=ROUTE_NAME, allow_head=False)
    app.router.add_post(settings.callback_path, _post, name=ROUTE_NAME)
    app.cleanup_ctx.append(wecom_context)
