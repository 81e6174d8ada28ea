"""Mounting the REST and WebSocket API on the service's aiohttp application."""

from __future__ import annotations

from aiohttp import web

from api import front, rest, security, ws
from api.dashboard import setup_dashboard
from api.keys import SECURITY, SERVER
from api.security import security_middlewares
from api.settings import SecuritySettings, ServerSettings


def setup_api(app: web.Application, server: ServerSettings, security_settings: SecuritySettings) -> None:
    """Middlewares (`?account=` taken out of the URL, security, the error envelope, then the account
    router: api/front.py) and every route under /api/v1."""
    app[SERVER], app[SECURITY] = server, security_settings
    app.middlewares.append(front.account_param)
    app.middlewares.extend(security_middlewares(security_settings))
    app.middlewares.extend(rest.middlewares())
    app.middlewares.append(front.account_router)
    rest.setup_routes(app)
    ws.setup_routes(app)
    security.setup_routes(app, security_settings)
    front.setup_routes(app)
    setup_dashboard(app)
