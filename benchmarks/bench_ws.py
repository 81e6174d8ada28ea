"""WebSocket tick fan-out: N clients (in a second process) subscribed to S symbols on the real server.

The server process runs the whole app on the simulator and publishes TickEvents on its bus at a fixed
rate (as the tick poller would); the client process holds every connection in one loop and stamps each
tick on arrival. Prints delivered messages/s, what fraction conflation dropped, and the publish ->
receive delay (p50/p99/max). Pin the two processes to different cores for the issue's setup:

    .venv/bin/python benchmarks/bench_ws.py --clients 200 --symbols 20 --rate 25 --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from api.keys import BUS, CLIENT
from mt5bot.app import create_app
from mt5bot.config import Settings
from mt5bridge.trading.events import TickEvent

TOKEN = "bench-master-token-0123456789"
MARK = 100_000.0  # bench bids start here, so snapshots and poller ticks are told apart


def _settings(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "server": {"host": "127.0.0.1", "port": 0},
            "security": {"token": TOKEN, "requests_per_minute": 1_000_000},
            "mt5": {
                "backend": "simulator",
                "simulator": {
                    "demo_days": 0,
                    "market_hours": "always",
                    "realtime": False,
                    "state_file": str(tmp / "sim.json"),
                },
            },
            "database": {"url": f"sqlite+aiosqlite:///{tmp}/bench.db", "snapshot_interval_sec": 3600},
            "logging": {"file": None, "level": "WARNING"},
        }
    )


# --- client process ----------------------------------------------------------------------------
async def _client(http: aiohttp.ClientSession, url: str, symbols: list[str], stop: float,
                  delays: list[float]) -> int:  # fmt: skip
    got = 0
    async with http.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_json({"action": "subscribe", "channel": "ticks", "symbols": symbols})
        while (left := stop - time.time()) > 0:
            try:
                msg = await ws.receive(timeout=left)
            except TimeoutError:
                break
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            body = orjson.loads(msg.data)
            if body["channel"] == "ticks" and body["data"]["bid"] >= MARK:
                got += 1
                sent = datetime.fromisoformat(body["data"]["time"]).timestamp()
                delays.append(time.time() - sent)
    return got


async def _clients(port: int, n: int, symbols: list[str], start: float, seconds: float,
                   pipe: Pipe) -> None:  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/v1/ws?token={TOKEN}"
    delays: list[float] = []
    stop = start + seconds + 2.0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        tasks = [asyncio.create_task(_client(http, url, symbols, stop, delays)) for _ in range(n)]
        counts = await asyncio.gather(*tasks)
    pipe.send((sum(counts), delays))


def client_process(port: int, n: int, symbols: list[str], start: float, seconds: float, pipe: Pipe) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    asyncio.run(_clients(port, n, symbols, start, seconds, pipe))


# --- server process ----------------------------------------------------------------------------
async def bench(clients: int, n_symbols: int, rate: float, seconds: float) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(_settings(Path(tmp)))
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        symbols = [s.name for s in await app[CLIENT].symbols()][:n_symbols]
        start = time.time() + 3.0  # time for the clients to connect and subscribe
        ours, theirs = mp.get_context("spawn").Pipe()
        proc = mp.get_context("spawn").Process(
            target=client_process, args=(port, clients, symbols, start, seconds, theirs)
        )
        proc.start()
        theirs.close()  # only the child holds its end now: if it dies, recv() ends with EOFError
        published = await _publish(app, symbols, start, rate, seconds)
        try:
            delivered, delays = await asyncio.to_thread(ours.recv)
        except EOFError:
            proc.join()
            died = f"the client process died (exit code {proc.exitcode}); see its traceback"
            raise SystemExit(died) from None
        proc.join()
        await runner.cleanup()
    _report(clients, symbols, rate, seconds, published, delivered, delays)


async def _publish(
    app: web.Application, symbols: list[str], start: float, rate: float, seconds: float
) -> int:
    bus, offset = app[BUS], app[CLIENT].server_utc_offset
    await asyncio.sleep(max(0.0, start - time.time()))
    published, n = 0, 0
    while (now := time.time()) < start + seconds:
        msc = int(now * 1000) + offset * 1000
        for i, symbol in enumerate(symbols):
            bid = MARK + n + i / 100
            bus.publish(TickEvent(symbol=symbol, bid=bid, ask=bid + 1, time=datetime.now(UTC), time_msc=msc))
            published += 1
        n += 1
        await asyncio.sleep(max(0.0, start + n / rate - time.time()))
    return published


def _report(clients: int, symbols: list[str], rate: float, seconds: float, published: int, delivered: int,
            delays: list[float]) -> None:  # fmt: skip
    ordered = sorted(delays) or [0.0]
    p = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    print(f"clients={clients} symbols={len(symbols)} rounds/s={rate} seconds={seconds}")
    print(f"ticks published={published} ({published / seconds:.0f}/s), to deliver={published * clients}")
    print(f"delivered={delivered} ({delivered / seconds:,.0f} msg/s, "
          f"{delivered / max(1, published * clients):.1%}; rest conflated)")  # fmt: skip
    print(f"delay ms: p50={p(0.5):.1f} p99={p(0.99):.1f} max={ordered[-1] * 1000:.1f} "
          f"mean={statistics.fmean(ordered) * 1000:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--rate", type=float, default=25.0, help="publish rounds/s (a tick per symbol)")
    parser.add_argument("--seconds", type=float, default=8.0)
    args: Any = parser.parse_args()
    asyncio.run(bench(args.clients, args.symbols, args.rate, args.seconds))


if __name__ == "__main__":
    main()
