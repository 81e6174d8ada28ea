"""Shared helpers for the WebSocket tests (no tests here): connect, read with timeouts, wait for a message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from api.keys import BUS
from mt5bridge.trading.events import EventKind, Subscription
from tests.api.conftest import TOKEN, Api

Message = dict[str, Any]


def ws_url(api: Api, token: str | None = TOKEN, port: int | None = None) -> str:
    base = api.url if port is None else f"http://127.0.0.1:{port}"
    return f"{base}/api/v1/ws" + (f"?token={token}" if token is not None else "")


async def receive(ws: aiohttp.ClientWebSocketResponse, within: float = 5.0) -> Message:
    """The next JSON message; fails on a close or after `within` seconds."""
    msg = await ws.receive(timeout=within)
    assert msg.type is aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg.type} {msg.data!r}"
    value: Message = msg.json()
    return value


async def wait_for(
    ws: aiohttp.ClientWebSocketResponse, pred: Callable[[Message], bool], within: float = 5.0
) -> tuple[Message, list[Message]]:
    """The first message matching `pred` and the ones skipped before it."""
    skipped: list[Message] = []
    deadline = time.monotonic() + within
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no matching message within {within} s; got {skipped[-5:]}"
        msg = await receive(ws, remaining)
        if pred(msg):
            return msg, skipped
        skipped.append(msg)


def is_tick(symbol: str, bid: float | None = None) -> Callable[[Message], bool]:
    def match(m: Message) -> bool:
        return (
            m["channel"] == "ticks"
            and m["data"]["symbol"] == symbol
            and (bid is None or m["data"]["bid"] == bid)
        )

    return match


def on_channel(channel: str) -> Callable[[Message], bool]:
    return lambda m: m["channel"] == channel


async def send(ws: aiohttp.ClientWebSocketResponse, **message: Any) -> None:
    await ws.send_json(message)


async def eventually(check: Callable[[], Any], within: float = 5.0) -> None:
    """Wait (polling the loop) until `check()` is true."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def poller_settled(api: Api, symbols: list[str]) -> Subscription:
    """Hold `symbols` polled and wait until the tick poller has published their quotes; close it at the end.

    The simulator's prices stand still in these tests, so the poller publishes a symbol once, when it
    starts polling it: waiting for that keeps it from landing after (and replacing) a test's last tick.
    The subscription keeps the symbols polled, since the poller forgets a symbol nobody wants.
    """
    probe = api.app[BUS].subscribe({EventKind.TICK}, symbols, name="test-probe")
    seen: set[str] = set()
    async with asyncio.timeout(5):
        while seen != set(symbols):
            await probe.wait()
            seen.update(t.symbol for t in probe.take_ticks())
    return probe
