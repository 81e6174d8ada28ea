"""WebSocket tick fan-out on the real server: bursts only conflate, order per symbol holds, and a client
that never reads neither grows the server's memory nor delays the others."""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import socket
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp
import orjson

from api.keys import BUS
from api.ws import ws_hub
from api.ws_conn import Connection
from api.ws_protocol import Channel
from mt5bridge.trading.events import EventBus, TickEvent
from tests.api.conftest import TOKEN, Api
from tests.api.test_ws_helpers import eventually, on_channel, poller_settled, receive, send, wait_for, ws_url

SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"]
BASE = 1_000_000.0  # above every simulator quote; bid = BASE + round + symbol index / 10


def _publish_round(bus: EventBus, r: int, now_msc: int) -> None:
    now = datetime.now(UTC)
    for i, symbol in enumerate(SYMBOLS):
        bid = BASE + r + i / 10
        bus.publish(TickEvent(symbol=symbol, bid=bid, ask=bid + 1, time=now, time_msc=now_msc))


def _latest(rounds: int) -> dict[str, float]:
    return {s: BASE + rounds - 1 + i / 10 for i, s in enumerate(SYMBOLS)}


async def _subscribed(api: Api, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(ws_url(api))
    await send(ws, action="subscribe", channel="ticks", symbols=SYMBOLS)
    await wait_for(ws, on_channel("ack"))
    return ws


async def _read_in_order(
    ws: aiohttp.ClientWebSocketResponse, latest: dict[str, float]
) -> dict[str, list[float]]:
    """Every bench tick per symbol, in arrival order, until the latest of each symbol has arrived."""
    seen: dict[str, list[float]] = {s: [] for s in latest}
    while any(not seen[s] or seen[s][-1] != bid for s, bid in latest.items()):
        msg = await receive(ws, within=10)
        if msg["channel"] == "ticks" and msg["data"]["bid"] >= BASE:
            seen[msg["data"]["symbol"]].append(msg["data"]["bid"])
    return seen


def _strictly_increasing(values: list[float]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


async def test_a_burst_only_conflates_and_keeps_each_symbols_order(api: Api) -> None:
    rounds = 400
    probe = await poller_settled(api, SYMBOLS)
    async with aiohttp.ClientSession() as http:
        clients = [await _subscribed(api, http) for _ in range(12)]
        await eventually(lambda: api.app[BUS].tick_symbols() == frozenset(SYMBOLS))
        latest = _latest(rounds)
        readers = [asyncio.create_task(_read_in_order(ws, latest)) for ws in clients]
        bus = api.app[BUS]
        for r in range(rounds):
            _publish_round(bus, r, api.sim.now_msc)
            if r % 7 == 0:
                await asyncio.sleep(0)  # several rounds between the pumps' turns: those conflate
        results = await asyncio.wait_for(asyncio.gather(*readers), 20)
        for ws in clients:
            await ws.close()
    conflated = 0
    for seen in results:
        for symbol, bids in seen.items():
            assert bids[-1] == latest[symbol]  # the latest price of every symbol arrives...
            assert _strictly_increasing(bids), (symbol, bids[:20])  # ...and nothing older after newer
            conflated += rounds - len(bids)
    assert conflated > 0  # the burst did outrun the pumps, so the test saw conflation at work
    probe.close()


async def _never_reading_client(api: Api) -> asyncio.StreamWriter:
    """A raw WebSocket client that subscribes to SYMBOLS and then never reads (tiny receive buffer)."""
    host, port = urlsplit(api.url).hostname, urlsplit(api.url).port
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /api/v1/ws?token={TOKEN} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    payload = orjson.dumps({"action": "subscribe", "channel": "ticks", "symbols": SYMBOLS})
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(bytes((0x81, 0x80 | len(payload))) + mask + masked)
    assert isinstance(writer.transport, asyncio.ReadTransport)
    writer.transport.pause_reading()  # from here on, nothing is read
    return writer


async def test_a_client_that_never_reads_stays_bounded_and_delays_no_one(api: Api) -> None:
    rounds = 3000  # 15,000 ticks, about 3 MB of messages for the client that never reads
    probe = await poller_settled(api, SYMBOLS)
    stalled = await _never_reading_client(api)
    hub = ws_hub(api.app)
    await eventually(lambda: any(c.tick_symbols == set(SYMBOLS) for c in hub.connections))
    stuck: Connection = next(iter(hub.connections))
    assert stuck._transport is not None
    # Loopback socket buffers auto-tune to megabytes: shrink the server's send side, as over a slow link.
    stuck._transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    async with aiohttp.ClientSession() as http:
        readers_ws = [await _subscribed(api, http) for _ in range(3)]
        latest = _latest(rounds)
        readers = [asyncio.create_task(_read_in_order(ws, latest)) for ws in readers_ws]
        bus, sub = api.app[BUS], stuck._subs[Channel.TICKS]
        worst_buffer = worst_pending = 0
        for r in range(rounds):
            _publish_round(bus, r, api.sim.now_msc)
            worst_pending = max(worst_pending, sub.pending)
            worst_buffer = max(worst_buffer, stuck._transport.get_write_buffer_size())
            await asyncio.sleep(0)
        published_at = time.monotonic()
        results = await asyncio.wait_for(asyncio.gather(*readers), 10)
        caught_up = time.monotonic() - published_at
        for ws in readers_ws:
            await ws.close()
    assert caught_up < 2.0  # the readers were not held up by the socket that does not drain
    for seen in results:
        assert all(_strictly_increasing(b) and b[-1] == latest[s] for s, b in seen.items())
    # What the server holds for the client that never reads: one tick per symbol, and its own write
    # buffer up to the transport's high-water mark (64 KiB) plus one batch.
    assert worst_pending <= len(SYMBOLS)
    assert worst_buffer < 96 * 1024, worst_buffer
    assert sub.delivered < rounds * len(SYMBOLS) // 10  # the rest was conflated, not queued
    assert not stuck.closing  # still connected: slow is not an error
    stalled.close()
    probe.close()
