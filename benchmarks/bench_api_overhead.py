"""What the REST API adds over the trading core, at p50, for single sequential requests.

Runs the whole app in-process on 127.0.0.1 (auth and rate limiting on) and times the same reads twice:
directly on the TradingService, and as HTTP requests over one keep-alive connection. The difference is
an upper bound on the API's cost (it includes the HTTP client's own work). Target (issue 5): < 1 ms.
Run: .venv/bin/python benchmarks/bench_api_overhead.py [REQUESTS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from api.keys import TRADING
from mt5bot.app import create_app
from mt5bot.config import Settings

TOKEN = "overhead-bench-token-0123456789"


async def timed(fn: Callable[[], Awaitable[Any]], n: int) -> float:
    laps = []
    for _ in range(n):
        began = time.perf_counter()
        await fn()
        laps.append(time.perf_counter() - began)
    return statistics.median(laps) * 1000


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate(
            {
                "server": {"host": "127.0.0.1", "port": 0},
                "security": {"token": TOKEN, "requests_per_minute": 10**9},
                "mt5": {"backend": "simulator", "simulator": {"demo_days": 0, "realtime": False}},
                "database": {"url": f"sqlite+aiosqlite:///{Path(tmp)}/b.db", "snapshot_interval_sec": 3600},
                "logging": {"file": None, "level": "WARNING"},
            }
        )
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v1"
        trading = app[TRADING]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession(headers=headers) as http:

            async def get(path: str) -> None:
                async with http.get(base + path) as resp:
                    await resp.read()

            cases: list[tuple[str, Callable[[], Awaitable[Any]], str]] = [
                ("account", trading.account, "/account"),
                ("positions EURUSD", lambda: trading.positions(symbol="EURUSD"), "/positions?symbol=EURUSD"),
                ("quote XAUUSD", lambda: trading.quote("XAUUSD"), "/symbol/XAUUSD"),
            ]
            for name, core, path in cases:
                await timed(core, 50)
                await timed(lambda p=path: get(p), 50)  # warm-up both
                direct = await timed(core, n)
                over_http = await timed(lambda p=path: get(p), n)
                added = over_http - direct
                timings = f"core p50 {direct:.3f} ms, HTTP p50 {over_http:.3f} ms"
                print(f"{name:18} {timings}, added {added:.3f} ms")
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
