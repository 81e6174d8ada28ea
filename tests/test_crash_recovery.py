"""kill -9 in the middle of 50 concurrent opens, then a restart on the same database (issue 10, point 5).

Run as a user runs it: `mt5bot serve` in its own process, driven over HTTP with Idempotency-Keys, killed
with SIGKILL once some opens were acknowledged, and started again. Two terminals:
- `rpyc`: the simulator in a process of its own behind rpyc, as a real MT5 under Wine is; it lives on
  across the crash;
- `inprocess`: the simulator inside the service (what every new user runs); it must not forget a trade.

After the restart, for every key: an acknowledged open is still there with its ticket; an open that went
out but was never acknowledged is recorded (result and audit line, marked recovered); an open that never
went out runs when retried. Every key ends with exactly one position, and no ticket is ever reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import pytest

from tests.test_serve import Service

TOKEN = "crash-test-token-0123456789"
ORDERS = 50
KILL_AFTER = 8  # acknowledged opens before the kill
ORDER = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}
SERVER = Path(__file__).parent / "client" / "rpyc_sim_server.py"


@pytest.fixture
def rpyc_terminal() -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    yield port
    proc.kill()
    proc.wait()


def _config(tmp_path: Path, terminal: str, port: int) -> Path:
    if terminal == "rpyc":
        mt5 = f"{{backend: mt5linux, host: 127.0.0.1, port: {port}, call_timeout_sec: 2, heartbeat_interval_sec: 1}}"
    else:
        mt5 = (
            "{backend: simulator, call_timeout_sec: 2, heartbeat_interval_sec: 1, simulator: "
            f'{{demo_days: 0, market_hours: always, state_file: "{tmp_path}/sim-state.json"}}}}'
        )
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
server: {{host: 127.0.0.1, port: 0}}
mt5: {mt5}
security: {{requests_per_minute: 100000}}
risk: {{max_total_positions: 1000}}
database: {{url: "sqlite+aiosqlite:///{tmp_path}/db/mt5bot.db"}}
logging: {{file: "{tmp_path}/logs/mt5bot.log"}}
reports: {{enabled: false}}
"""
    )
    return path


async def _open(http: aiohttp.ClientSession, url: str, key: str) -> tuple[int, dict[str, Any]] | None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": key}
    try:
        async with http.post(f"{url}/api/v1/order/open", json=ORDER, headers=headers) as resp:
            return resp.status, await resp.json()
    except (TimeoutError, aiohttp.ClientError):
        return None  # the service died under this request


async def _storm_then_kill(service: Service) -> dict[str, int]:
    """50 concurrent opens; SIGKILL once KILL_AFTER were acknowledged. Returns key -> acknowledged ticket."""
    acked: dict[str, int] = {}
    done = asyncio.Event()

    async def one(http: aiohttp.ClientSession, key: str) -> None:
        answer = await _open(http, service.url, key)
        if answer is not None and answer[0] == 200:
            acked[key] = answer[1]["data"]["outcomes"][0]["order"]
            if len(acked) >= KILL_AFTER:
                done.set()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        tasks = [asyncio.create_task(one(http, f"crash-{n:02d}")) for n in range(ORDERS)]
        await asyncio.wait_for(done.wait(), 30)
        service.proc.kill()
        service.proc.wait()
        await asyncio.gather(*tasks)
    return acked


async def _settled(url: str, key: str) -> tuple[int, dict[str, Any]]:
    """Retry a key until it is no longer in progress (the restart settles open claims after a grace)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(150):
            answer = await _open(http, url, key)
            assert answer is not None
            if answer[0] != 409:
                return answer
            await asyncio.sleep(0.2)
    raise AssertionError(f"{key} stayed in progress")


def _tags(positions: list[Any]) -> dict[str, int]:
    """tag hash (the request id's, see trading.records.leg_tag) -> position ticket."""
    return {p.comment[3:11]: p.ticket for p in positions if p.comment.startswith("mb:")}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _audited(db: Path) -> dict[str, list[tuple[str, str | None]]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT request_id, outcome, error_code FROM audit_log WHERE action = 'open'")
        out: dict[str, list[tuple[str, str | None]]] = {}
        for request_id, outcome, code in rows:
            out.setdefault(request_id, []).append((outcome, code))
    return out


@pytest.mark.parametrize("terminal", ["rpyc", "inprocess"])
async def test_kill_9_mid_storm_loses_nothing_and_records_everything(
    tmp_path: Path, terminal: str, request: pytest.FixtureRequest
) -> None:
    port = request.getfixturevalue("rpyc_terminal") if terminal == "rpyc" else 0
    config = _config(tmp_path, terminal, port)
    env = {"MT5BOT_SECURITY__TOKEN": TOKEN}
    acked = await _storm_then_kill(Service(config, env))
    assert len(acked) >= KILL_AFTER

    again = Service(config, env)
    try:
        answers = {f"crash-{n:02d}": await _settled(again.url, f"crash-{n:02d}") for n in range(ORDERS)}
        positions = await _positions(again.url)
    finally:
        again.proc.kill()
        again.proc.wait()

    for key, (status, body) in answers.items():
        assert status == 200, (key, body)
    # Every acknowledged open is still there under the same ticket, and answered again as it was.
    for key, ticket in acked.items():
        data = answers[key][1]["data"]
        assert data["replayed"] is True and data["outcomes"][0]["order"] == ticket, key
    # Each key ended with exactly one position: nothing lost, nothing doubled, no ticket reused.
    by_tag = _tags(positions)
    assert len(positions) == ORDERS == len(by_tag)
    assert {_hash(key) for key in answers} == set(by_tag)
    for key, (_, body) in answers.items():
        assert body["data"]["outcomes"][0]["order"] == by_tag[_hash(key)], key
    # Every executed open has its audit line; those the crash cut off are marked recovered.
    audited = _audited(tmp_path / "db" / "mt5bot.db")
    for key, (_, body) in answers.items():
        outcomes = [o for o, _ in audited.get(key, [])]
        assert "ok" in outcomes, (key, audited.get(key))
        if body["data"].get("recovered"):
            assert ("ok", "recovered_after_restart") in audited[key]


async def _positions(url: str) -> list[Any]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/v1/positions", headers=headers) as resp:
        assert resp.status == 200
        rows = (await resp.json())["data"]
    return [_Pos(r["ticket"], r["comment"]) for r in rows]


class _Pos(NamedTuple):
    ticket: int
    comment: str
