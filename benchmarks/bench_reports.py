"""Time to build each report from the terminal (no chart) on the 30-day demo account.

The demo has a deposit, manual trades and three hedging grid EAs over 30 days (hundreds of deals, a few
dozen open positions). Measures ReportService.build through the real MT5Client and TradingService:
reading the window's deals and each older position's opening deal, P&L by symbol and EA, day rows and
the hedge analysis (every suggested action checked with the parser).
Run: .venv/bin/python benchmarks/bench_reports.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time

from mt5bot.config import Settings
from mt5bridge.simulator.demo import build_demo
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.service import TradingService
from reports.models import ReportKind
from reports.service import ReportService
from storage.database import Database


async def main(rounds: int) -> None:
    sim = build_demo(days=30, seed=0)
    client = MT5Client(sim, call_timeout=30)
    assert await client.connect()
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{folder}/bench.db")
        settings = Settings()
        reports = ReportService(TradingService(client, db, settings.risk), settings)
        deals = len(sim.history_deals_get(0, 2**40) or ())
        print(f"demo: {deals} deals, {len(sim.positions_get() or ())} open positions")
        for kind in ReportKind:
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                report = await reports.build(kind)
                times.append(time.perf_counter() - started)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1] if len(times) >= 20 else times[-1]
            print(
                f"build {kind.value:8s}: median {statistics.median(times) * 1000:6.1f} ms, "
                f"p95 {p95 * 1000:6.1f} ms ({rounds} rounds; {len(report.by_symbol)} symbols, "
                f"{len(report.days)} day rows, {len(report.hedge.suggestions)} suggestions)"
            )
        await db.close()
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
