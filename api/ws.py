"""WebSocket API at /api/v1/ws (docs/websocket.md): live ticks, account, trades and positions.

The hub lives under the `WS_HUB` app key; `set_ws_options` changes its timing and limits (tests use short
ping intervals) for connections opened afterwards.
"""

from __future__ import annotations

from aiohttp import web

from api.ws_hub import WS_PATH, WsHub, WsOptions

WS_HUB = web.AppKey("ws_hub", WsHub)

__all__ = ["WS_HUB", "WS_PATH", "WsHub", "WsOptions", "set_ws_options", "setup_routes", "ws_hub"]


def setup_routes(app: web.Application, options: WsOptions | None = None) -> None:
    """Mount the WebSocket route, close sockets at shutdown, and listen on `server.ws_port` if set."""
    hub = WsHub(app, options)
    app[WS_HUB] = hub
    app.router.add_get(WS_PATH, hub.handle)
    app.on_shutdown.append(hub.close_all)
    app.cleanup_ctx.append(hub.second_port)


def ws_hub(app: web.Application) -> WsHub:
    return app[WS_HUB]


def set_ws_options(app: web.Application, options: WsOptions) -> None:
    """Replace the hub's options (connections already open keep theirs)."""
    app[WS_HUB].options = options
