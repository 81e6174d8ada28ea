"""A front on 127.0.0.1: a full service whose own terminal is account `a`, plus real bridges (each a full
`mt5bot serve` on the simulator, tests.api.conftest.start_api) as `b` (hedging, another seed and balance)
and `c` (netting), set on the app as `api.keys.ACCOUNTS` the way the composition root does on a front."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from api.keys import ACCOUNTS, HEARTBEAT, TRADING
from mt5bot.app import create_app
from mt5bridge.remote import BridgeFeed, BridgeSettings, RemoteTrading
from mt5bridge.remote.directory import AccountDirectory, AccountEntry, AccountWatch
from mt5bridge.terminal.heartbeat import LinkState
from tests.api.conftest import TOKEN, Api, api, api_settings, start_api

__all__ = ["api"]  # the single-account service fixture, for these tests too

BRIDGE_B = {"seed": 7, "balance": 2500.0}
BRIDGE_C = {"seed": 11, "balance": 4000.0, "margin_mode": "netting"}


async def until(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for `check()` to hold, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.02)


@dataclass
class Front:
    api: Api  # the front itself (its own terminal is account "a")
    bridges: dict[str, Api]
    directory: AccountDirectory
    feeds: list[BridgeFeed] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.api.url


def bridge_settings(name: str, url: str, **extra: Any) -> BridgeSettings:
    return BridgeSettings.model_validate({"name": name, "url": url, "token": TOKEN, **extra})


async def start_front(tmp_path: Path, bridges: dict[str, str], *, feeds: tuple[str, ...] = ()) -> Front:
    """The front with its own terminal as `a` and the bridges at `bridges` (name -> URL) after it."""
    app = create_app(api_settings(tmp_path / "front"))
    holder: dict[str, Any] = {}

    async def accounts(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession()
        entries = [AccountEntry("a", "Local demo", app[TRADING])]
        started: list[BridgeFeed] = []
        for name, url in bridges.items():
            settings = bridge_settings(name, url, read_timeout=3.0, reconnect_initial=0.05, reconnect_max=0.5)
            remote = RemoteTrading(settings, session)
            feed = None
            if name in feeds:
                feed = BridgeFeed(settings, on_event=lambda _event: None, session=session)
                feed.start()
                started.append(feed)
            entries.append(AccountEntry(name, f"Bridge {name.upper()}", remote, remote, feed=feed))
        directory = AccountDirectory(entries)
        await AccountWatch(directory).check()
        app[ACCOUNTS] = directory
        holder["directory"], holder["feeds"] = directory, started
        yield
        for feed in started:
            await feed.stop()
        await session.close()

    app.cleanup_ctx.append(accounts)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    for _ in range(1000):
        if app[HEARTBEAT].state is LinkState.CONNECTED:
            break
        await asyncio.sleep(0.01)
    api = Api(f"http://127.0.0.1:{runner.addresses[0][1]}", app, runner)
    return Front(api, {}, holder["directory"], holder["feeds"])


@pytest.fixture
async def front(tmp_path: Path) -> AsyncIterator[Front]:
    b = await start_api(tmp_path / "b", mt5={"simulator": BRIDGE_B})
    c = await start_api(tmp_path / "c", mt5={"simulator": BRIDGE_C})
    started = await start_front(tmp_path, {"b": b.url, "c": c.url}, feeds=("b",))
    started.bridges = {"b": b, "c": c}
    yield started
    await started.api.runner.cleanup()
    for bridge in (b, c):
        await bridge.runner.cleanup()  # a second cleanup of a runner a test stopped is harmless


async def call(
    url: str, method: str, path: str, body: Any = None, *, token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, aiohttp.ClientResponse]:  # fmt: skip
    """One request; (status, decoded JSON or raw bytes, the response)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as http, http.request(
        method, url + "/api/v1" + path, json=body, headers=sent
    ) as resp:  # fmt: skip
        raw = await resp.read()
        if resp.content_type == "application/json":
            return resp.status, await resp.json(), resp
        return resp.status, raw, resp
