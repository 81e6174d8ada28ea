"""Webhook mode: Telegram POSTs updates to a route on the service's own aiohttp app.

The request is authentic only if it carries the secret we registered with setWebhook in the header
`X-Telegram-Bot-Api-Secret-Token`; anything else could forge a button press, so it gets 403.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Protocol

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_UPDATE_BYTES = 1024 * 1024


class WebhookTarget(Protocol):
    """What the route needs from the running bot."""

    webhook_secret: str
    receiving: asyncio.Event

    @property
    def bot(self) -> Bot: ...

    async def feed(self, update: Update) -> None: ...


async def handle_webhook(request: web.Request, runner: WebhookTarget | None) -> web.Response:
    """Verify the secret in constant time, then queue the update for the Application."""
    if runner is None or not runner.receiving.is_set():
        return web.Response(status=503, text="telegram adapter not running")
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, runner.webhook_secret.encode()):
        log.warning("telegram webhook: wrong or missing secret from %s", request.remote)
        return web.Response(status=403, text="forbidden")
    if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
        return web.Response(status=413, text="too large")
    try:
        data = json.loads(await request.read())
        update = Update.de_json(data, runner.bot)
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("telegram webhook: unreadable update: %s", exc)
        return web.Response(status=400, text="bad update")
    await runner.feed(update)
    return web.Response(status=200)
