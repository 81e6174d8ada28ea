"""Order latency (issue 15, orders): what `TradingService.execute` adds over the terminal's own `order_send`.

Three phases, on the simulator and a SQLite file database (`synchronous=FULL`, as shipped):

1. one writer: market opens and closes one after the other through `execute` (risk rules, idempotency
   lookup and claim, preview with quote/order_check/margin, order_send, result + audit line committed).
   The simulator's own `order_send` is timed inside the same calls; printed: p50/p99 of `execute`, of
   `order_send`, and of their difference per action (what we add). Target: added p50 < 3 ms.
2. 16 concurrent writers: 16 tasks, each opening and closing in a loop through `execute`. Printed: p50/p99
   per action, and the database's commits per action. Target: p99 < 100 ms.
3. (`--http`) 16 concurrent HTTP clients (aiohttp, keep-alive) POSTing /api/v1/order/open with an
   Idempotency-Key each to `mt5bot serve` (simulator with its journal fsync'd, as shipped). The server is
   pinned to CPU 0, the clients to CPU 1. Target: p99 < 100 ms.

Phases 1 and 2 run pinned to one CPU when `taskset` exists (the event loop and the database writer share
it, as in a one-core service). Timing on a shared machine is noisy: repeat, and compare the commit counts.

Run: .venv/bin/python benchmarks/bench_orders.py [--actions 600] [--http] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from mt5bridge.common.roles import Role
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, CloseRequest, OpenRequest
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

WRITERS = 16
ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789abcdef"
ACTOR = Actor(platform="bench", user_id="bench", role=Role.ADMIN)
BUY = OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.01)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def line(name: str, values: list[float]) -> str:
    return f"{name:34} p50 {pct(values, 0.5):7.3f} ms   p99 {pct(values, 0.99):7.3f} ms   (n={len(values)})"


class Timed:
    """The simulator's order_send, timed (the wall time of each call, in call order)."""

    def __init__(self, send: Callable[..., Any]) -> None:
        self.send = send
        self.laps: list[float] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.send(*args, **kwargs)
        finally:
            self.laps.append(time.perf_counter() - started)


async def service_phases(actions: int) -> None:
    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7)
    timed = Timed(sim.order_send)
    sim.order_send = timed  # type: ignore[method-assign]
    client = MT5Client(sim)
    await client.connect()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
        risk = RiskSettings(max_total_positions=100_000, max_daily_loss=0, max_order_volume=100)
        service = TradingService(client, db, risk)

        for _ in range(20):  # warm-up
            result = await service.execute(BUY, ACTOR)
            await service.execute(CloseRequest(ticket=result.outcomes[0].order), ACTOR)

        executes, sends = [], []
        for n in range(actions // 2):
            sent = len(timed.laps)
            started = time.perf_counter()
            opened = await service.execute(BUY, ACTOR, request_id=f"open-{n}")
            executes.append(time.perf_counter() - started)
            sends.append(timed.laps[sent])
            sent = len(timed.laps)
            started = time.perf_counter()
            await service.execute(
                CloseRequest(ticket=opened.outcomes[0].order), ACTOR, request_id=f"close-{n}"
            )
            executes.append(time.perf_counter() - started)
            sends.append(timed.laps[sent])
        added = [e - s for e, s in zip(executes, sends, strict=True)]
        print(f"1 writer, {len(executes)} actions (open, close, ...):")
        print("  " + line("execute", executes))
        print("  " + line("terminal order_send", sends))
        print("  " + line("added by execute (target p50 < 3)", added))

        batches, operations = _counts(db)
        latencies: list[float] = []

        async def writer(w: int) -> None:
            for n in range(actions // WRITERS // 2):
                started = time.perf_counter()
                opened = await service.execute(BUY, ACTOR, request_id=f"w{w}-open-{n}")
                latencies.append(time.perf_counter() - started)
                started = time.perf_counter()
                close = CloseRequest(ticket=opened.outcomes[0].order)
                await service.execute(close, ACTOR, request_id=f"w{w}-close-{n}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        elapsed = time.perf_counter() - started
        rate = len(latencies) / elapsed
        print(f"{WRITERS} concurrent writers, {len(latencies)} actions, {rate:,.0f} actions/s:")
        print("  " + line("execute (target p99 < 100)", latencies))
        after = _counts(db)
        if after[0] is not None and batches is not None and operations is not None and after[1] is not None:
            print(
                f"  database: {(after[0] - batches) / len(latencies):.2f} commits per action "
                f"({(after[1] - operations) / (after[0] - batches):.1f} writes per commit)"
            )
        await db.close()
    await client.close()


def _counts(db: Database) -> tuple[int | None, int | None]:
    writer = getattr(db, "writer", None)  # None: a build before the group-committing writer (A/B runs)
    return (writer.batches, writer.operations) if writer is not None else (None, None)


async def http_phase(seconds: int) -> None:
    import aiohttp

    port = 19000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        config = tmp / "config.yaml"
        config.write_text(
            f"""
server: {{host: 127.0.0.1, port: {port}}}
security: {{token: {TOKEN}, requests_per_minute: 100000000}}
mt5: {{backend: simulator, simulator: {{demo_days: 0, market_hours: always, balance: 10000000,
      state_file: "{tmp}/sim-state.json"}}}}
risk: {{max_total_positions: 100000, max_order_volume: 100, max_daily_loss: 0}}
database: {{url: "sqlite+aiosqlite:///{tmp}/bench.db", snapshot_interval_sec: 3600}}
logging: {{file: null, level: WARNING}}
reports: {{enabled: false}}
"""
        )
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        cmd = [*pin, sys.executable, "-m", "mt5bot", "--config", str(config), "serve"]
        proc = subprocess.Popen(cmd, cwd=ROOT, text=True)  # noqa: ASYNC220 - started once, before timing
        print(f"server pid {proc.pid} (to profile it: py-spy record -p {proc.pid})", flush=True)
        url = f"http://127.0.0.1:{port}/api/v1"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            async with aiohttp.ClientSession(headers=headers) as http:
                for _ in range(300):
                    try:
                        async with http.get(f"{url}/health") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
                body = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}
                latencies: list[float] = []
                failed = 0
                deadline = time.monotonic() + seconds

                async def client(c: int, record: bool) -> None:
                    nonlocal failed
                    n = 0
                    while time.monotonic() < deadline:
                        n += 1
                        started = time.perf_counter()
                        key = {"Idempotency-Key": f"{record}-{c}-{n}"}
                        async with http.post(f"{url}/order/open", json=body, headers=key) as resp:
                            await resp.read()
                            failed += resp.status != 200
                        if record:
                            latencies.append(time.perf_counter() - started)

                warm = time.monotonic() + 1
                while time.monotonic() < warm:
                    await client(-1, False)
                deadline = time.monotonic() + seconds
                started = time.perf_counter()
                await asyncio.gather(*(client(c, True) for c in range(WRITERS)))
                elapsed = time.perf_counter() - started
            print(f"HTTP, {WRITERS} clients, POST /order/open, {len(latencies) / elapsed:,.0f} req/s:")
            print(
                "  "
                + line("request (target p99 < 100)", latencies)
                + (f"  {failed} failed" if failed else "")
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--actions", type=int, default=600, help="actions per phase (default 600)")
    parser.add_argument("--http", action="store_true", help="also drive `mt5bot serve` over HTTP")
    parser.add_argument("--seconds", type=int, default=5, help="length of the HTTP phase")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the in-process phases to CPU 0")
    args = parser.parse_args()
    if not args.no_pin and shutil.which("taskset") and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
        print("in-process phases pinned to CPU 0")
    asyncio.run(service_phases(args.actions))
    if args.http:
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})  # the clients; the server is pinned to CPU 0
        asyncio.run(http_phase(args.seconds))


if __name__ == "__main__":
    main()
