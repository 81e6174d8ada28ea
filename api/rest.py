"""REST routes under /api/v1: the route table of every module, the error envelope and OpenAPI.

Handlers live in routes_account / routes_trade / routes_market; this module mounts them, serves
/health, and builds the OpenAPI document and /docs page from the same table.
"""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Middleware

from api import (
    envelope,
    routes_account,
    routes_audit,
    routes_auth,
    routes_chat,
    routes_market,
    routes_reports,
    routes_rules,
    routes_status,
    routes_trade,
)
from api.barcache import BAR_CACHE, BarCache
from api.clock import SERVER_CLOCK, ServerClock
from api.jsonio import ok
from api.keys import CLIENT, HEARTBEAT, STARTED, WS_CONNECTIONS
from api.openapi import setup_openapi
from api.routing import Endpoint, add_routes
from api.schemas_out import HealthOut
from api.security.routes import LOGIN_DOC
from mt5bridge.common.version import __version__
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.heartbeat import LinkState


def middlewares() -> list[Middleware]:
    """The error envelope middleware (inside the security middlewares)."""
    return envelope.middlewares()


async def health(request: web.Request) -> web.Response:
    """GET /api/v1/health: is the service up and the terminal connected (no authentication)."""
    app = request.app
    client, heartbeat = app[CLIENT], app[HEARTBEAT]
    connected = client.connected and heartbeat.state is LinkState.CONNECTED
    server_time = None
    if connected:
        try:
            server_time = await client.server_time()
        except MT5Error:
            connected = False  # the link dropped between the heartbeat's check and this call
    data = HealthOut(
        status="ok" if connected else "degraded",
        mt5_connected=connected,
        connected_since=heartbeat.connected_since if connected else None,
        uptime=round(time.monotonic() - app[STARTED], 3),
        active_ws_connections=len(app[WS_CONNECTIONS]),
        version=__version__,
        server_time=server_time,
    )
    return ok(data.model_dump(mode="json"))


HEALTH = Endpoint(
    "GET", "/health", health, "Service and terminal status", "service", HealthOut, errors=(), public=True
)
ENDPOINTS: tuple[Endpoint, ...] = (
    HEALTH,
    *routes_account.ENDPOINTS,
    *routes_trade.ENDPOINTS,
    *routes_rules.ENDPOINTS,
    *routes_market.ENDPOINTS,
    *routes_chat.ENDPOINTS,
    *routes_reports.ENDPOINTS,
    *routes_status.ENDPOINTS,
    *routes_audit.ENDPOINTS,
    *routes_auth.ENDPOINTS,
)


def setup_routes(app: web.Application) -> None:
    """Every REST route, plus /api/v1/openapi.json and /docs."""
    app[BAR_CACHE] = BarCache()
    app[SERVER_CLOCK] = ServerClock()
    add_routes(app, ENDPOINTS)
    setup_openapi(app, (*ENDPOINTS, LOGIN_DOC))
