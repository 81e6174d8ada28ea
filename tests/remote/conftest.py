"""Real bridges on 127.0.0.1 (tests.api.conftest.start_api on the simulator) and clients of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from api.keys import TRADING
from mt5bot.app import create_app
from mt5bridge.remote import BridgeSettings, RemoteTrading
from mt5bridge.trading.models import Actor
from mt5bridge.trading.service import TradingService
from tests.api.conftest import TOKEN, Api, api_settings, start_api

ADMIN = Actor(platform="front", user_id="tester", role="admin")


def settings_of(api: Api | str, name: str = "main", token: str = TOKEN, **extra: Any) -> BridgeSettings:
    url = api if isinstance(api, str) else api.url
    return BridgeSettings.model_validate({"name": name, "url": url, "token": token, **extra})


def core_of(api: Api) -> TradingService:
    """The bridge's own trading core, to compare the client's answers with."""
    return api.app[TRADING]


async def start_on_port(tmp_path: Path, port: int, **overrides: Any) -> web.AppRunner:
    """The bridge of `tmp_path` (same simulator state and database) again, on a given port."""
    app = create_app(api_settings(tmp_path, **overrides))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def bridge(tmp_path: Path) -> AsyncIterator[Api]:
    started = await start_api(tmp_path / "main")
    yield started
    await started.runner.cleanup()


@pytest.fixture
async def remote(bridge: Api) -> AsyncIterator[RemoteTrading]:
    client = RemoteTrading(settings_of(bridge))
    yield client
    await client.close()
