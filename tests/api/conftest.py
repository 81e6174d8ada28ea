"""The whole service on 127.0.0.1 (real aiohttp server, simulator, SQLite), for API tests.

`start_api(tmp_path, **overrides)` starts one with settings overridden as nested dicts, e.g.
`start_api(tmp_path, security={"requests_per_minute": 5})`; the `api` fixture is the default one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from api.keys import HEARTBEAT
from mt5bot.app import create_app
from mt5bot.config import Settings
from mt5bot.keys import SIMULATOR
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.heartbeat import LinkState
from reports.keys import REPORT_SCHEDULER

TOKEN = "test-master-token-0123456789"
READ_ONLY_TOKEN = "test-read-only-token-0123456789"
JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789"


@dataclass
class Api:
    url: str  # http://127.0.0.1:PORT
    app: web.Application
    runner: web.AppRunner

    @property
    def sim(self) -> Simulator:
        return self.app[SIMULATOR]

    def headers(self, token: str = TOKEN) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def api_settings(tmp_path: Path, **overrides: Any) -> Settings:
    raw: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": 0},
        "security": {
            "token": TOKEN,
            "read_only_token": READ_ONLY_TOKEN,
            "jwt_secret": JWT_SECRET,
            "requests_per_minute": 100_000,
        },
        "mt5": {
            "backend": "simulator",
            "heartbeat_interval_sec": 1.0,
            "simulator": {
                "demo_days": 0,
                "market_hours": "always",
                "realtime": False,
                "state_file": str(tmp_path / "sim-state.json"),
            },
        },
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path}/api.db", "snapshot_interval_sec": 3600},
        "logging": {"file": None},
    }
    return Settings.model_validate(_merge(raw, overrides))


async def start_api(tmp_path: Path, **overrides: Any) -> Api:
    app = create_app(api_settings(tmp_path, **overrides))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # Ready as a user would find it: the trading core refuses orders until the heartbeat has seen the
    # terminal connected, which its first check does shortly after start (a backend that cannot connect
    # simply times out here and the test sees it disconnected).
    for _ in range(1000):  # 10 s at most
        if app[HEARTBEAT].state is LinkState.CONNECTED:
            break
        await asyncio.sleep(0.01)
    scheduler = app.get(REPORT_SCHEDULER)
    if scheduler is not None:  # the start's report catch-up has looked at the database and is done
        await scheduler.drain()
    return Api(f"http://127.0.0.1:{port}", app, runner)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    started = await start_api(tmp_path)
    yield started
    await started.runner.cleanup()
