"""The WebSocket hub: the handshake (token before upgrade), the set of connections, shared encoding,
the optional second port (`server.ws_port`) and closing every socket at shutdown.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import orjson
from aiohttp import web

from api.keys import BUS, CLIENT, SECURITY, SERVER, TRADING, WS_CONNECTIONS
from api.security.auth import SUBPROTOCOL, authenticate, bearer, offered
from api.tls import server_ssl_context
from api.ws_conn import CLOSE_GOING_AWAY, Connection
from api.ws_protocol import Channel, encode, event_data, text_frame, tick_data
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.events import Event, EventBus, TickEvent
from mt5bridge.trading.service import TradingService

log = logging.getLogger(__name__)

WS_PATH = "/api/v1/ws"
_ENCODED_CACHE = 4096


@dataclass(frozen=True, slots=True)
class WsOptions:
    """Timing and limits; connections take the options current when they open."""

    ping_interval: float = 30.0
    pong_timeout: float = 60.0
    bad_limit: int = 20  # more bad messages than this within bad_window -> close 1008
    bad_window: float = 60.0
    max_symbols: int = 200
    max_message_bytes: int = 64 * 1024
    event_queue: int = 256  # per connection and event channel; oldest dropped beyond
    max_connections: int = 1000
    close_timeout: float = 2.0


@dataclass(slots=True)
class _Encoded:
    """Each event is encoded once, as a whole text frame, and the bytes shared by every connection."""

    entries: dict[int, tuple[object, bytes]] = field(default_factory=dict)

    def get(self, event: object) -> bytes | None:
        hit = self.entries.get(id(event))
        return hit[1] if hit is not None and hit[0] is event else None

    def put(self, event: object, text: bytes) -> bytes:
        if len(self.entries) >= _ENCODED_CACHE:
            self.entries.clear()
        self.entries[id(event)] = (event, text)  # holding the event keeps its id from being reused
        return text


def _refusal(status: int, code: str, message: str) -> web.Response:
    body = orjson.dumps({"success": False, "error": message, "code": code})
    return web.Response(body=body, status=status, content_type="application/json")


class WsHub:
    """Every open WebSocket connection of one app."""

    def __init__(self, app: web.Application, options: WsOptions | None = None) -> None:
        self.app = app
        self.options = options or WsOptions()
        self.connections: set[Connection] = set()
        self.ws_port: int | None = None  # the bound `server.ws_port` listener, when configured
        self._ids = itertools.count(1)
        self._ticks = _Encoded()
        self._events = _Encoded()

    @property
    def bus(self) -> EventBus:
        return self.app[BUS]

    @property
    def trading(self) -> TradingService:
        return self.app[TRADING]

    @property
    def client(self) -> MT5Client:
        return self.app[CLIENT]

    def tick_frame(self, tick: TickEvent) -> bytes:
        """The tick's message as a text frame; encoded once, whichever connection asks first."""
        hit = self._ticks.entries.get(id(tick))  # _Encoded.get inlined: once per tick and connection
        if hit is not None and hit[0] is tick:
            return hit[1]
        return self._ticks.put(
            tick, text_frame(encode(Channel.TICKS, tick_data(tick, self.client.server_utc_offset)))
        )

    def event_frame(self, channel: Channel, event: Event) -> bytes:
        return self._events.get(event) or self._events.put(
            event, text_frame(encode(channel, event_data(event)))
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """GET /api/v1/ws: authenticate, upgrade, serve until the client leaves."""
        token = request.query.get("token") or bearer(request.headers.get("Authorization")) or offered(request)
        principal = authenticate(self.app[SECURITY], token) if token else None
        if principal is None:
            return _refusal(401, "unauthorized", "missing or invalid token")
        if len(self.connections) >= self.options.max_connections:
            return _refusal(503, "too_many_connections", "too many WebSocket connections")
        ws = web.WebSocketResponse(
            autoping=False, compress=False, max_msg_size=self.options.max_message_bytes,
            protocols=(SUBPROTOCOL,),
        )  # fmt: skip
        if not ws.can_prepare(request).ok:
            return _refusal(400, "bad_request", "expected a WebSocket upgrade")
        transport = request.transport
        await ws.prepare(request)
        conn = Connection(self, ws, principal, f"ws-{next(self._ids)}", transport, request.writer)
        self.connections.add(conn)
        self.app[WS_CONNECTIONS].add(ws)
        log.info("websocket %s: open (%s, %s)", conn.name, principal.subject, request.remote)
        try:
            await conn.serve()
        finally:
            self.connections.discard(conn)
            self.app[WS_CONNECTIONS].discard(ws)
            log.info("websocket %s: closed", conn.name)
        return ws

    async def close_all(self, app: web.Application) -> None:
        """on_shutdown: close every socket (1001) so the server's shutdown does not wait on them."""
        await asyncio.gather(
            *(c.close(CLOSE_GOING_AWAY, "server shutdown") for c in list(self.connections)),
            return_exceptions=True,
        )

    async def second_port(self, app: web.Application) -> AsyncIterator[None]:
        """Cleanup context: also listen on `server.ws_port` (WebSocket route only) when it is set."""
        server = app[SERVER]
        if server.ws_port is None or (server.ws_port == server.port and server.port != 0):
            yield
            return
        ws_app = web.Application()
        ws_app.router.add_get(WS_PATH, self.handle)
        runner = web.AppRunner(ws_app, handle_signals=False, access_log=None)  # tokens ride the query
        await runner.setup()
        site = web.TCPSite(runner, server.host, server.ws_port, ssl_context=server_ssl_context(server.tls))
        await site.start()
        address = runner.addresses[0]
        self.ws_port = int(address[1]) if isinstance(address, tuple) else None
        log.info("websocket also listening on port %s", self.ws_port)
        try:
            yield
        finally:
            await self.close_all(app)
            await runner.cleanup()
            self.ws_port = None
