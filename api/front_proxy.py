"""Relaying a request to an account's bridge: REST as bytes, the WebSocket frame by frame.

The caller was authenticated and its role checked by the front (api/front.py); the bridge sees the
front's token for it (`BridgeSettings.token`). What goes over: the method, the path, the query without
`account`, the body bytes and `Content-Type`, `Idempotency-Key`, `Accept`. What comes back: the bridge's
status, body and content type unchanged (its idempotent replays, error envelopes, PNG charts), except:

- no connection could be made: 503 `bridge_unreachable` (nothing was sent; a GET tries to connect twice);
  a GET whose answer is lost is the same 503 once it was sent twice (aiohttp itself sends an idempotent
  request again once when its connection drops) or timed out once;
- any other request whose answer was lost after it was sent (reset, timeout): never re-sent; 502
  `order_outcome_unknown` on the order routes with the `Idempotency-Key` it went under (the front makes
  one when the caller gave none) in `idempotency_key`, so the same request with that key learns the
  outcome; 502 `bridge_answer_lost` on the other routes;
- the bridge refused the front's token (401): 502 `bridge_unauthorized` (the caller's token is fine; the
  front's configuration is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import aiohttp
from aiohttp import hdrs, web

from api.envelope import ApiError
from api.jsonio import fail
from api.keys import SECURITY, WS_CONNECTIONS
from api.routing import BASE
from api.security.auth import SUBPROTOCOL, authenticate, bearer, offered
from mt5bridge.remote.client import IDEMPOTENCY_HEADER, RemoteTrading

log = logging.getLogger(__name__)

WS_ROUTE = BASE + "/ws"
_SENT_HEADERS = (hdrs.CONTENT_TYPE, IDEMPOTENCY_HEADER, hdrs.ACCEPT)
_RELAYED_HEADERS = (hdrs.RETRY_AFTER, hdrs.CACHE_CONTROL, hdrs.ALLOW)
_ORDER_ROUTES = frozenset(
    BASE + p for p in ("/order/open", "/order/close", "/order/modify", "/order/cancel", "/order/close_all")
)
_READS = frozenset({"GET", "HEAD"})
_CHUNK = 64 * 1024
_WS_MAX_MESSAGE = 64 * 1024  # the bridge's own limit (api/ws_hub.py WsOptions)
_CLOSE_GOING_AWAY = 1001

RELAYS = web.AppKey("ws_relays", set[web.WebSocketResponse])


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unreachable(account: str, exc: BaseException) -> ApiError:
    return ApiError(
        503, "bridge_unreachable", f"account {account}: its bridge cannot be reached ({_describe(exc)}); "
        "nothing was sent", account=account,
    )  # fmt: skip


def _lost(account: str, route: str, key: str | None, exc: BaseException) -> ApiError:
    if route in _ORDER_ROUTES:
        return ApiError(
            502, "order_outcome_unknown", f"account {account}: the order reached its bridge and the answer "
            f"was lost ({_describe(exc)}); it was not re-sent. Send the same request with the same "
            f"Idempotency-Key ({key}) to learn its outcome", account=account, idempotency_key=key,
        )  # fmt: skip
    return ApiError(
        502, "bridge_answer_lost", f"account {account}: the request reached its bridge and the answer was "
        f"lost ({_describe(exc)}); it was not re-sent", account=account,
    )  # fmt: skip


async def forward(
    request: web.Request, account: str, remote: RemoteTrading, route: str
) -> web.StreamResponse:
    """`request` relayed to `remote`, its answer relayed back (module docstring)."""
    rel = request.rel_url  # `account` was taken out by api.front.account_param
    path = rel.raw_path.removeprefix(BASE)
    body = await request.read() if request.body_exists else None
    headers = {h: request.headers[h] for h in _SENT_HEADERS if h in request.headers}
    key = headers.get(IDEMPOTENCY_HEADER)
    if route in _ORDER_ROUTES and key is None:
        key = headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex  # so a lost answer can be asked again
    tries = 2 if request.method in _READS else 1
    for attempt in range(tries):
        try:
            async with remote.forward(
                request.method, path, query=rel.raw_query_string, body=body, headers=headers
            ) as answer:
                return await _relay(request, account, answer)
        except aiohttp.ClientConnectorError as exc:  # no connection: nothing was sent
            if attempt + 1 == tries:
                raise _unreachable(account, exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            # A read cut off was already sent again once by aiohttp itself (its retry of idempotent
            # methods on a dropped connection); one that timed out is not waited for twice.
            if request.method in _READS:
                raise _unreachable(account, exc) from None
            log.warning("account %s: %s %s: answer lost (%s)", account, request.method, route, exc)
            raise _lost(account, route, key, exc) from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _relay(request: web.Request, account: str, answer: aiohttp.ClientResponse) -> web.StreamResponse:
    """The bridge's answer as this one: whole when its length is known, else streamed as it comes."""
    if answer.status == 401:
        raise ApiError(
            502, "bridge_unauthorized", f"account {account}: its bridge refused the front's token; "
            "fix accounts[].token", account=account,
        )  # fmt: skip
    headers = {h: answer.headers[h] for h in _RELAYED_HEADERS if h in answer.headers}
    if hdrs.CONTENT_TYPE in answer.headers:
        headers[hdrs.CONTENT_TYPE] = answer.headers[hdrs.CONTENT_TYPE]
    if answer.content_length is not None or request.method == "HEAD":
        body = await answer.read()
        return web.Response(status=answer.status, body=body, headers=headers)
    # Chunked (a long rates range): the first piece is awaited before answering, so a bridge that fails
    # at once is still an envelope; after that a failure aborts the connection (api/bulk.py's rule).
    first = await answer.content.read(_CHUNK)
    response = web.StreamResponse(status=answer.status, headers=headers)
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        chunk = first
        while chunk:
            await response.write(chunk)
            chunk = await answer.content.read(_CHUNK)
        await response.write_eof()
    except ConnectionError:
        pass  # the caller went away
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("account %s: %s cut short: %s", account, request.path, _describe(exc))
        if request.transport is not None:
            request.transport.abort()
    return response


async def relay_ws(request: web.Request, account: str, remote: RemoteTrading) -> web.StreamResponse:
    """`/api/v1/ws` of a bridge: the caller's token checked here (any role may subscribe, as on the
    service's own socket), then text and binary frames relayed both ways until either side closes."""
    token = request.query.get("token") or bearer(request.headers.get(hdrs.AUTHORIZATION)) or offered(request)
    if (authenticate(request.app[SECURITY], token) if token else None) is None:
        return fail(401, "unauthorized", "missing or invalid token")
    # the dashboard's token comes as a subprotocol: the same one is selected as on the service's own socket
    ws = web.WebSocketResponse(
        autoping=True, compress=False, max_msg_size=_WS_MAX_MESSAGE, protocols=(SUBPROTOCOL,)
    )
    if not ws.can_prepare(request).ok:
        return fail(400, "bad_request", "expected a WebSocket upgrade")
    try:
        upstream = await remote.connect_ws()
    except aiohttp.WSServerHandshakeError as exc:
        if exc.status == 401:
            return fail(
                502, "bridge_unauthorized", f"account {account}: its bridge refused the front's token"
            )
        return fail(503, "bridge_unreachable", f"account {account}: its WebSocket refused ({exc.status})",
                    account=account)  # fmt: skip
    except (aiohttp.ClientError, TimeoutError) as exc:
        error = _unreachable(account, exc)
        return fail(error.status, error.code, error.message, **error.extra)
    relays, counted = request.app[RELAYS], request.app.get(WS_CONNECTIONS)
    try:
        await ws.prepare(request)
        relays.add(ws)
        if counted is not None:
            counted.add(ws)
        await _pump(ws, upstream)
    finally:
        relays.discard(ws)
        if counted is not None:
            counted.discard(ws)
        await upstream.close()
    return ws


async def _copy(
    source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
) -> None:
    """Text and binary frames from `source` to `sink` until `source` closes."""
    async for msg in source:
        if msg.type is aiohttp.WSMsgType.TEXT:
            await sink.send_str(msg.data)
        elif msg.type is aiohttp.WSMsgType.BINARY:
            await sink.send_bytes(msg.data)


async def _pump(ws: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Both directions until one side closes; the other is then closed with its code."""
    tasks = [asyncio.create_task(_copy(ws, upstream)), asyncio.create_task(_copy(upstream, ws))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if not ws.closed:  # the bridge went: tell the caller with its code (1001 when it gave none)
        await ws.close(code=_sendable(upstream.close_code))
    await upstream.close()


def _sendable(code: int | None) -> int:
    """A close code that may go in a close frame (1005, 1006 and 1015 only describe a missing one)."""
    if code is None or code in (1004, 1005, 1006, 1015) or not 1000 <= code <= 4999:
        return _CLOSE_GOING_AWAY
    return code


def setup(app: web.Application) -> None:
    """The relayed sockets' set, closed (1001) at shutdown so stopping does not wait for them."""
    app[RELAYS] = set()

    async def close_all(app: web.Application) -> None:
        relays = app[RELAYS]
        await asyncio.gather(
            *(ws.close(code=_CLOSE_GOING_AWAY, message=b"server shutdown") for ws in tuple(relays)),
            return_exceptions=True,
        )

    app.on_shutdown.append(close_all)
