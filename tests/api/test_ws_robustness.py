"""WebSocket robustness on the real server: ping/pong timeout, slow consumers, bad messages, shutdown."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from api.keys import BUS
from api.ws import WsOptions, set_ws_options, ws_hub
from api.ws_protocol import Channel
from mt5bridge.trading.events import TickEvent
from tests.api.conftest import Api, start_api
from tests.api.test_ws_helpers import eventually, on_channel, poller_settled, receive, send, wait_for, ws_url

SHORT = WsOptions(ping_interval=0.1, pong_timeout=0.4)


async def _run_client(
    ws: aiohttp.ClientWebSocketResponse, seconds: float, *, app_pong: bool
) -> dict[str, int]:
    """Read for `seconds` (answering app pings if asked); counts of what arrived."""
    seen = {"ping_messages": 0, "ping_frames": 0, "lived_ms": 0}
    started = time.monotonic()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await ws.receive(timeout=left)
        except TimeoutError:
            break
        if msg.type is aiohttp.WSMsgType.PING:
            seen["ping_frames"] += 1
        elif msg.type is aiohttp.WSMsgType.TEXT and msg.json()["channel"] == "ping":
            seen["ping_messages"] += 1
            if app_pong:
                await send(ws, action="pong")
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            break
    seen["lived_ms"] = int((time.monotonic() - started) * 1000)
    return seen


async def test_silent_client_is_dropped_and_answering_clients_stay(api: Api) -> None:
    set_ws_options(api.app, SHORT)
    async with aiohttp.ClientSession() as http:
        silent = await http.ws_connect(ws_url(api), autoping=False)
        app_ponger = await http.ws_connect(ws_url(api), autoping=False)
        frame_ponger = await http.ws_connect(ws_url(api))  # aiohttp answers protocol pings itself
        results = await asyncio.gather(
            _run_client(silent, 3.0, app_pong=False),
            _run_client(app_ponger, 1.5, app_pong=True),
            _run_client(frame_ponger, 1.5, app_pong=False),
        )
        assert silent.closed and silent.close_code == 1008
        assert 450 <= results[0]["lived_ms"] < 1500  # first ping at 0.1 s, dropped 0.4 s later
        assert results[0]["ping_messages"] >= 1 and results[0]["ping_frames"] >= 1
        assert not app_ponger.closed and not frame_ponger.closed
        assert results[1]["ping_messages"] >= 5 and results[2]["ping_messages"] >= 5
        await eventually(lambda: len(ws_hub(api.app).connections) == 2)
        await app_ponger.close()
        await frame_ponger.close()


def _tiny_receive_buffer(addr_info: Any) -> socket.socket:
    family, kind, proto, _, _ = addr_info
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel holds little: the server must
    return sock


async def _read_until_latest(
    ws: aiohttp.ClientWebSocketResponse, latest: dict[str, float]
) -> tuple[int, dict[str, float]]:
    got: dict[str, float] = {}
    count = 0
    while any(got.get(s) != bid for s, bid in latest.items()):
        msg = await receive(ws, within=10)
        if msg["channel"] == "ticks":
            count += 1
            got[msg["data"]["symbol"]] = msg["data"]["bid"]
    return count, got


async def test_slow_consumer_gets_latest_per_symbol_and_does_not_delay_others(api: Api) -> None:
    symbols = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30"]
    rounds = 1000  # 5,000 ticks
    latest = {s: 1000.0 + rounds - 1 + i / 10 for i, s in enumerate(symbols)}
    probe = await poller_settled(api, symbols)
    slow_http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(socket_factory=_tiny_receive_buffer))
    async with slow_http, aiohttp.ClientSession() as http:
        slow = await slow_http.ws_connect(ws_url(api))
        fast = await http.ws_connect(ws_url(api))
        for ws in (slow, fast):
            await send(ws, action="subscribe", channel="ticks", symbols=symbols)
            await wait_for(ws, on_channel("ack"))
        await eventually(lambda: api.app[BUS].tick_symbols() == frozenset(symbols))
        slow_conn = next(c for c in ws_hub(api.app).connections if c.name == "ws-1")
        # Loopback socket buffers auto-tune to megabytes; shrink the server's send side so the
        # backlog shows within 5,000 ticks, as it would over a slow link.
        server_sock = slow_conn._transport.get_extra_info("socket") if slow_conn._transport else None
        assert server_sock is not None
        server_sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        slow_conn._transport.set_write_buffer_limits(high=4096)  # type: ignore[union-attr]
        fast_reader = asyncio.create_task(_read_until_latest(fast, latest))
        bus, now_msc, now = api.app[BUS], api.sim.now_msc, datetime.now(UTC)
        worst_pending = 0
        for r in range(rounds):
            for i, symbol in enumerate(symbols):
                bid = 1000.0 + r + i / 10
                bus.publish(TickEvent(symbol=symbol, bid=bid, ask=bid + 1, time=now, time_msc=now_msc))
            worst_pending = max(worst_pending, slow_conn._subs[Channel.TICKS].pending)
            await asyncio.sleep(0)
        published_at = time.monotonic()
        backlog_bytes = slow_conn._transport.get_write_buffer_size()  # type: ignore[union-attr]
        fast_count, fast_got = await asyncio.wait_for(fast_reader, 5)
        fast_delay = time.monotonic() - published_at
        slow_count, slow_got = await _read_until_latest(slow, latest)
        await slow.close()
        await fast.close()
    probe.close()
    assert fast_got == latest and slow_got == latest
    assert fast_delay < 1.0
    assert worst_pending <= len(symbols)  # memory: one slot per symbol, however far behind
    assert backlog_bytes < 256 * 1024  # the server's own buffer for the slow socket stays small
    # the client library and the kernel still hold some backlog (~2,600 ticks here), the rest conflated
    assert slow_count < 3500, (slow_count, fast_count)


BAD: list[tuple[Any, str]] = [
    ("not json", "invalid_json"),
    ([1, 2], "invalid_message"),
    ({"action": "dance"}, "unknown_action"),
    ({"action": "subscribe", "channel": "news"}, "unknown_channel"),
    ({"action": "subscribe"}, "missing_channel"),
    ({"action": "subscribe", "channel": "ticks"}, "missing_symbols"),
    ({"action": "unsubscribe", "channel": "ticks", "symbols": []}, "missing_symbols"),
    ({"action": "subscribe", "channel": "ticks", "symbols": "EURUSD"}, "invalid_message"),
    ({"action": "subscribe", "channel": "account", "symbols": ["EURUSD"]}, "unexpected_symbols"),
    ({"action": "pong", "extra": 1}, "invalid_message"),
    (b"\x00\x01", "binary_not_supported"),
]


async def _send_raw(ws: aiohttp.ClientWebSocketResponse, payload: Any) -> None:
    if isinstance(payload, bytes):
        await ws.send_bytes(payload)
    elif isinstance(payload, str):
        await ws.send_str(payload)
    else:
        await ws.send_json(payload)


async def test_bad_messages_get_errors_then_a_close_when_they_keep_coming(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        for payload, code in BAD:
            await _send_raw(ws, payload)
            reply = await receive(ws)
            assert reply["channel"] == "error", payload
            assert reply["data"]["code"] == code, (payload, reply)
            assert reply["data"]["message"]
        await send(ws, action="subscribe", channel="trades")
        assert (await receive(ws))["channel"] == "ack"  # still served
        for n in range(len(BAD), 21):
            await ws.send_str(f"garbage {n}")
            assert (await receive(ws))["data"]["code"] == "invalid_json"
        closing = await ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1008


async def test_oversized_message_closes_with_1009(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        await ws.send_str("x" * (WsOptions().max_message_bytes + 1))
        closing = await ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1009


async def test_shutdown_closes_sockets_promptly(tmp_path: Path) -> None:
    started = await start_api(tmp_path)
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(started)) as ws:
        await send(ws, action="subscribe", channel="ticks", symbols=["EURUSD"])
        await wait_for(ws, on_channel("ack"))
        t0 = time.monotonic()
        cleanup = asyncio.create_task(started.runner.cleanup())
        closing = await ws.receive(timeout=5)
        while closing.type is aiohttp.WSMsgType.TEXT:
            closing = await ws.receive(timeout=5)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 1001
        await asyncio.wait_for(cleanup, 10)
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("limit", [2])
async def test_symbol_limit_per_connection(api: Api, limit: int) -> None:
    set_ws_options(api.app, WsOptions(max_symbols=limit))
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        await send(ws, action="subscribe", channel="ticks", symbols=["EURUSD", "GBPUSD"])
        await wait_for(ws, on_channel("ack"))
        await send(ws, action="subscribe", channel="ticks", symbols=["USDJPY"])
        error, _ = await wait_for(ws, on_channel("error"))
        assert error["data"]["code"] == "too_many_symbols"
