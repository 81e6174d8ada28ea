"""REST routes under /api/v1 (being built; see issue 5)."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Middleware

from mt5bot import __version__
from mt5bot.keys import CLIENT, HEARTBEAT, STARTED, WS_CONNECTIONS
from mt5bridge.heartbeat import LinkState


def middlewares() -> list[Middleware]:
    return []


async def health(request: web.Request) -> web.Response:
    """GET /api/v1/health: is the service up and the terminal connected (no authentication)."""
    app = request.app
    client, heartbeat = app[CLIENT], app[HEARTBEAT]
    connected = client.connected and heartbeat.state is LinkState.CONNECTED
    server_time = await client.server_time() if connected else None
    data = {
        "status": "ok" if connected else "degraded",
        "mt5_connected": connected,
        "connected_since": heartbeat.connected_since.isoformat() if heartbeat.connected_since else None,
        "uptime": round(time.monotonic() - app[STARTED], 3),
        "active_ws_connections": len(app[WS_CONNECTIONS]),
        "version": __version__,
        "server_time": server_time.isoformat() if server_time else None,
    }
    return web.json_response({"success": True, "data": data})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/health", health)
