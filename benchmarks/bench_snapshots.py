"""Reading a month of minute account snapshots (44,640 rows) for the monthly equity curve.

Prints the wall time of `SnapshotStore.between` (a model per row) and `SnapshotStore.series` (plain
tuples, read in chunks), and the longest the event loop was blocked meanwhile (a 1 ms ticker's worst
lateness). The monthly report must not block the service for more than 20 ms (issue 14).
Run: .venv/bin/python benchmarks/bench_snapshots.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from storage.database import Database
from storage.tables import account_snapshots

MONTH = datetime(2026, 11, 1, tzinfo=UTC)
ROWS = 30 * 24 * 60 + 31 * 24  # a 31-day month of minutes, roughly


async def fill(db: Database) -> None:
    rows = [
        {"at": MONTH + timedelta(minutes=i), "login": 1, "balance": 10_000.0, "equity": 10_000.0 + (i % 500),
         "margin": 100.0, "margin_free": 9_900.0, "margin_level": 10_000.0, "profit": 0.0, "credit": 0.0}
        for i in range(ROWS)
    ]  # fmt: skip
    async with db.connector.write() as conn:
        await conn.execute(sa.insert(account_snapshots), rows)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """(wall seconds, worst event-loop lateness in seconds) of one call."""
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await call()
    wall = time.perf_counter() - started
    done = True
    await task
    return wall, worst


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{folder}/snap.db")
        await fill(db)
        end = MONTH + timedelta(days=32)
        for name, call in (
            ("between (models)", lambda: db.snapshots.between(MONTH, end, 1)),
            ("series (tuples, chunked)", lambda: db.snapshots.series(MONTH, end, 1)),
        ):
            results = [await timed(call) for _ in range(rounds)]
            wall = min(r[0] for r in results)
            stall = min(r[1] for r in results)
            print(f"{name:26s} {ROWS} rows: best {wall * 1000:7.1f} ms, loop blocked <= {stall * 1e3:.1f} ms")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
