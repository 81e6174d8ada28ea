"""Service-level open+close round trips per second on the simulator.

Each round trip is two TradingService.execute calls (a market open, then a close by ticket) with everything
a real action does: risk rules, idempotency claim, preview (quote, order_check, margin), order_send through
the async client, result stored and an audit line appended, on a SQLite file database.
Run: .venv/bin/python benchmarks/bench_trading.py [ROUND_TRIPS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime

from mt5bridge.common.roles import Role
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, CloseRequest, OpenRequest
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database


async def main(rounds: int) -> None:
    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7)
    client = MT5Client(sim)
    await client.connect()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
        service = TradingService(client, db, RiskSettings(max_total_positions=10_000, max_daily_loss=0))
        actor = Actor(platform="bench", user_id="bench", role=Role.ADMIN)
        buy = OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.01)
        await service.execute(buy, actor)  # warm-up
        laps = []
        started = time.perf_counter()
        for _ in range(rounds):
            lap = time.perf_counter()
            opened = await service.execute(buy, actor)
            await service.execute(CloseRequest(ticket=opened.outcomes[0].order), actor)
            laps.append(time.perf_counter() - lap)
        elapsed = time.perf_counter() - started
        await db.close()
    await client.close()
    laps.sort()
    print(f"open+close round trips: {rounds / elapsed:,.0f}/s over {rounds} (2 actions each)")
    p99 = laps[int(len(laps) * 0.99) - 1]
    print(f"round trip p50 {statistics.median(laps) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
