"""kill -9 of `mt5bot serve` on the in-process simulator, in the middle of concurrent opens.

Every open the REST API acknowledged is there after a restart, and the next order gets a new ticket.
Self-contained: its own launcher, its own config, nothing shared with the other API tests.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

LISTENING = re.compile(r"listening on (http://\S+)")
TOKEN = "crash-test-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9")


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
server: {{host: 127.0.0.1, port: 0}}
security: {{requests_per_minute: 100000}}
risk: {{max_total_positions: 1000}}
mt5:
  backend: simulator
  simulator: {{demo_days: 0, market_hours: always}}
database: {{url: "sqlite+aiosqlite:///{tmp_path}/db/mt5bot.db"}}
logging: {{file: "{tmp_path}/logs/mt5bot.log"}}
"""
    )
    return path


def _start(config: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mt5bot", "--config", str(config), "serve"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MT5BOT_SECURITY__TOKEN": TOKEN},
    )
    assert proc.stderr is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if match := LISTENING.search(line):
            return proc, match.group(1)
    proc.kill()
    raise AssertionError("service did not start:\n" + "".join(lines))


async def _open(http: aiohttp.ClientSession, url: str, n: int) -> int | None:
    """One market open; its ticket if the API acknowledged it, None if the kill came first."""
    body = {"symbol": "EURUSD", "type": "buy" if n % 2 else "sell", "volume": 0.01}
    try:
        async with http.post(
            f"{url}/api/v1/order/open", json=body, headers=HEADERS | {"Idempotency-Key": f"crash-{n}"}
        ) as resp:
            answer: dict[str, Any] = await resp.json()
    except (TimeoutError, aiohttp.ClientError):
        return None
    assert resp.status == 200, answer
    return int(answer["data"]["outcomes"][0]["order"])  # a position's ticket is its opening order's


async def _open_until_killed(proc: subprocess.Popen[str], url: str, total: int, kill_after: int) -> list[int]:
    acknowledged: list[int] = []
    async with aiohttp.ClientSession() as http:
        tasks = [asyncio.create_task(_open(http, url, n)) for n in range(total)]
        for done in asyncio.as_completed(tasks):
            ticket = await done
            if ticket is not None:
                acknowledged.append(ticket)
            if len(acknowledged) == kill_after:
                proc.send_signal(signal.SIGKILL)  # orders still in flight: some executed, unacknowledged
    proc.wait(timeout=30)
    return acknowledged


async def _positions(http: aiohttp.ClientSession, url: str) -> set[int]:
    async with http.get(f"{url}/api/v1/positions", headers=HEADERS) as resp:
        answer = await resp.json()
    assert resp.status == 200, answer
    return {int(p["ticket"]) for p in answer["data"]}


async def test_kill_9_mid_opens_keeps_every_acknowledged_position(tmp_path: Path) -> None:
    config = _config(tmp_path)
    proc, url = _start(config)
    try:
        acknowledged = await _open_until_killed(proc, url, total=40, kill_after=12)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 12

    again, url = _start(config)
    try:
        async with aiohttp.ClientSession() as http:
            held = await _positions(http, url)
            assert set(acknowledged) <= held, "an acknowledged position is gone after the crash"
            fresh = await _open(http, url, 1000)
            assert fresh is not None
            assert fresh > max(held), "a ticket was handed out twice"
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=30)
