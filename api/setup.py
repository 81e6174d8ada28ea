"""Mounting the REST and WebSocket API on the service's aiohttp application."""

from __future__ import annotations

from aiohttp import web

from api import rest, security, ws
from api.security import security_middlewares
from mt5bot.keys import SETTINGS


def setup_api(app: web.Application) -> None:
    """Middlewares (security first, then the error envelope) and every route under /api/v1."""
    settings = app[SETTINGS]
    app.middlewares.extend(security_middlewares(settings))
    app.middlewares.extend(rest.middlewares())
    rest.setup_routes(app)
    ws.setup_routes(app)
    security.setup_routes(app)
