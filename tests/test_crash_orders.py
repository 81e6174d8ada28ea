"""kill -9 at random points of a storm of concurrent orders, several times over one database (issue 15).

The group-committing writer (storage/writer.py) answers a claim, a result and an audit line only once
their batch is committed. This test holds it to that as a user would see it: `mt5bot serve` (simulator
in process, its journal on disk) driven over HTTP by 24 concurrent aiohttp clients, each sending opens
with fresh Idempotency-Keys; SIGKILL at a random point (after a random number of acknowledgements, or
before the first); restart on the same database and simulator state, storm again, kill again; at last a
restart that is left to settle what the crashes left open. Then, over every run:

- every acknowledged order has its request record (done, same ticket) and its audit line, and its
  position is still at the terminal;
- no order went out twice: each key's tag is on at most one position;
- every position the terminal holds is recorded: its key is done with that ticket and audited (those cut
  off by a crash settled by recovery at start-up, marked `recovered_after_restart`);
- nothing is left in progress.

The random points come from one seed (printed on failure; `CRASH_SEED=n` replays it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.test_serve import Service

TOKEN = "crash-orders-token-0123456789"
CLIENTS = 24
KILLS = 3
ORDER = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
server: {{host: 127.0.0.1, port: 0}}
mt5: {{backend: simulator, call_timeout_sec: 1, heartbeat_interval_sec: 1, simulator:
      {{demo_days: 0, market_hours: always, state_file: "{tmp_path}/sim-state.json"}}}}
security: {{requests_per_minute: 1000000}}
risk: {{max_total_positions: 100000, max_daily_loss: 0}}
database: {{url: "sqlite+aiosqlite:///{tmp_path}/db/mt5bot.db"}}
logging: {{file: "{tmp_path}/logs/mt5bot.log"}}
reports: {{enabled: false}}
"""
    )
    return path


async def _storm_then_kill(service: Service, run: int, kill_after: int, keys: list[str]) -> dict[str, int]:
    """CLIENTS clients open in a loop; SIGKILL after `kill_after` acknowledgements (0: ~20 ms after the
    first request went out). Returns key -> acknowledged order ticket."""
    acked: dict[str, int] = {}
    kill = asyncio.Event()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def client(http: aiohttp.ClientSession, c: int) -> None:
        n = 0
        while not kill.is_set():
            n += 1
            key = f"run{run}-c{c}-{n}"
            keys.append(key)
            try:
                async with http.post(
                    f"{service.url}/api/v1/order/open",
                    json=ORDER,
                    headers={**headers, "Idempotency-Key": key},
                ) as resp:
                    body = await resp.json()
            except (TimeoutError, aiohttp.ClientError):
                return  # the service died under this request: not acknowledged
            if resp.status == 200:
                acked[key] = body["data"]["outcomes"][0]["order"]
                if kill_after and len(acked) >= kill_after:
                    kill.set()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        tasks = [asyncio.create_task(client(http, c)) for c in range(CLIENTS)]
        if kill_after:
            await asyncio.wait_for(kill.wait(), 30)
        else:
            await asyncio.sleep(0.02)
        service.proc.kill()
        service.proc.wait()
        kill.set()
        await asyncio.gather(*tasks)
    return acked


def _rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


async def _positions(url: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/v1/positions", headers=headers) as resp:
        assert resp.status == 200
        rows: list[dict[str, Any]] = (await resp.json())["data"]
    return rows


async def test_kill_9_at_random_points_loses_no_acknowledged_order(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    config, env = _config(tmp_path), {"MT5BOT_SECURITY__TOKEN": TOKEN}
    db = tmp_path / "db" / "mt5bot.db"
    acked: dict[str, int] = {}
    keys: list[str] = []
    points = [rng.choice([0, rng.randint(1, 5), rng.randint(6, 60)]) for _ in range(KILLS)]
    for run, kill_after in enumerate(points):
        acked.update(await _storm_then_kill(Service(config, env), run, kill_after, keys))

    final = Service(config, env)  # settles the open claims after its grace (call timeout + 5 s)
    try:
        deadline = time.monotonic() + 30
        while _rows(db, "SELECT count(*) FROM request_ids WHERE state = 'in_progress'")[0][0]:
            assert time.monotonic() < deadline, f"claims left in progress (seed {seed}, kills {points})"
            await asyncio.sleep(0.25)
        positions = await _positions(final.url)
    finally:
        final.proc.kill()
        final.proc.wait()

    where = f"(seed {seed}, kills after {points} acks)"
    by_hash = {hashlib.sha256(k.encode()).hexdigest()[:8]: k for k in keys}
    results = {
        rid: json.loads(result) for rid, result in _rows(db, "SELECT request_id, result FROM request_ids")
    }
    audited: dict[str, list[tuple[str, str | None]]] = {}
    for rid, outcome, code in _rows(db, "SELECT request_id, outcome, error_code FROM audit_log"):
        audited.setdefault(rid, []).append((outcome, code))
    held: dict[str, int] = {}
    for p in positions:
        tag = p["comment"]
        assert tag.startswith("mb:"), (p, where)
        key = by_hash[tag[3:11]]
        assert key not in held, f"{key} was sent twice: {held[key]} and {p['ticket']} {where}"
        held[key] = p["ticket"]
    # Every acknowledged order: recorded with its ticket, audited, and still held by the terminal.
    for key, ticket in acked.items():
        assert results[key]["ok"] and results[key]["outcomes"][0]["order"] == ticket, (key, where)
        assert ("ok", None) in audited[key], (key, audited.get(key), where)
        assert held.get(key) == ticket, (key, where)
    # Every order the terminal holds: recorded (or settled by recovery) with that ticket, and audited.
    for key, ticket in held.items():
        assert key in results, f"{key}: position {ticket} has no request record {where}"
        assert results[key]["outcomes"][0]["order"] == ticket, (key, where)
        expected = ("ok", "recovered_after_restart") if results[key].get("recovered") else ("ok", None)
        assert expected in audited.get(key, []), (key, audited.get(key), where)
    assert len(acked) >= sum(1 for p in points if p), where
