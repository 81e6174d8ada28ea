"""Reports on a busy account (issue 14, point 4): time, terminal calls, event-loop lag and memory.

Builds a simulator account with about 100,000 deals in one month and 500 open positions
(`mt5bridge.simulator.busy`: 300 positions opened before the month and partly closed in it, 200 opened
before and closed in it, several EAs and manual trades, hedged pairs, deposits and a withdrawal; all
through order_send, ~20 s). Then, through the real MT5Client, TradingService and ReportService, builds
each report ROUNDS times: monthly with its chart (`build` + `chart`), daily and hedge. For each it prints
the time (best and median), the terminal calls one build makes (every backend function counted, apart
from last_error), the event loop's worst lag in each round while building and while drawing (a task asks
to sleep 2 ms over and over; lag is how late it wakes up) and the process's RSS growth. The first chart
of a process is slow (matplotlib loads its fonts), so round 1 of the monthly report shows it. The digest
of each report's JSON shows the figures are the same before and after a change (same seed, same clock).

Run: .venv/bin/python benchmarks/bench_reports_busy.py [ROUNDS] [DEALS]   (defaults 3 and 100000)
Targets: monthly with chart < 1.5 s, daily < 0.5 s, hedge < 0.5 s; at most 10 terminal calls per report;
the loop never waits more than 20 ms.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from procinfo import proc_status

from mt5bot.config import Settings
from mt5bridge.simulator.busy import build_busy, month_start
from mt5bridge.simulator.terminal import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.service import TradingService
from reports.chartpool import ChartPool
from reports.models import Report, ReportKind
from reports.service import ReportService
from storage.database import Database

END = int(datetime(2026, 11, 30, 18, tzinfo=UTC).timestamp())  # server clock: the month is November
OFFSET = 7200  # server time minus UTC
PROBE = 0.002  # the lag probe's sleep
T = TypeVar("T")


class CountingTerminal:
    """The simulator behind a counter of every call the client makes (last_error aside)."""

    def __init__(self, inner: Simulator) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name.startswith("_") or name == "last_error":
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name + ("(position=)" if "position" in kwargs else "")] += 1
            return value(*args, **kwargs)

        counted.__name__ = name
        return counted


async def lag_probe(stop: asyncio.Event, lags: list[float]) -> None:
    """Sleep PROBE over and over; record how much later than asked each wake-up came."""
    while not stop.is_set():
        began = time.perf_counter()
        await asyncio.sleep(PROBE)
        lags.append(time.perf_counter() - began - PROBE)


async def measure(build: Callable[[], Awaitable[T]]) -> tuple[float, float, T]:
    """(seconds, worst loop lag in seconds, result) of one build, with the lag probe running beside it."""
    stop, lags = asyncio.Event(), [0.0]
    probe = asyncio.create_task(lag_probe(stop, lags))
    await asyncio.sleep(PROBE * 2)
    began = time.perf_counter()
    result = await build()
    took = time.perf_counter() - began
    stop.set()
    await probe
    return took, max(lags), result


def digest(report: Report) -> str:
    return hashlib.sha256(report.model_dump_json().encode()).hexdigest()[:12]


async def run(kind: ReportKind, reports: ReportService, counter: CountingTerminal, rounds: int) -> None:
    times, builds, build_lags, chart_lags, rss, png = [], [], [], [], [], b""
    calls: Counter[str] = Counter()
    report: Report | None = None
    for _ in range(rounds):
        counter.calls.clear()
        before = proc_status(os.getpid())["VmRSS"]
        took, lag, report = await measure(lambda: reports.build(kind))
        builds.append(took)
        build_lags.append(lag)
        if kind is ReportKind.MONTHLY:
            drawn, lag, png = await measure(partial(reports.chart, report))
            took += drawn
            chart_lags.append(lag)
        rss.append(proc_status(os.getpid())["VmRSS"] - before)
        times.append(took)
        calls = Counter(counter.calls)
    assert report is not None
    what = "monthly+chart" if kind is ReportKind.MONTHLY else kind.value
    ms = " ".join(f"{lag * 1000:.0f}" for lag in build_lags)
    print(
        f"{what:13s}: best {min(times):6.3f} s, median {statistics.median(times):6.3f} s "
        f"(build alone {min(builds):.3f}/{statistics.median(builds):.3f} s); "
        f"{sum(calls.values())} terminal calls; RSS +{max(rss)} MB"
    )
    print(f"               loop lag max while building, per round: {ms} ms", end="")
    print(f"; while drawing: {' '.join(f'{lag * 1000:.0f}' for lag in chart_lags)} ms" if chart_lags else "")
    print(f"               calls: {dict(sorted(calls.items()))}")
    print(
        f"               {report.label}: realized {report.total.realized}, trades {report.total.trades}, "
        f"{len(report.by_symbol)} symbols, {len(report.by_strategy)} EAs, {len(report.days)} day rows, "
        f"{len(report.hedge.books)} books, {len(report.hedge.suggestions)} suggestions"
        f"{f', chart {len(png) // 1024} KB' if png else ''}; digest {digest(report)}"
    )


async def main(rounds: int, deals: int) -> None:
    began = time.perf_counter()
    sim = build_busy(END, deals=deals)
    first = month_start(END)
    month = len(sim.history_deals_get(first, END + 86400) or ())
    print(
        f"busy account: {month} deals in the month, {len(sim.book.deals)} in all, "
        f"{len(sim.positions_get() or ())} open positions (built in {time.perf_counter() - began:.1f} s)"
    )
    counter = CountingTerminal(sim)
    client = MT5Client(counter, call_timeout=120, server_utc_offset=OFFSET)  # type: ignore[arg-type]
    assert await client.connect()
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(f"sqlite+aiosqlite:///{folder}/bench.db")
        settings = Settings()
        # charts in a worker process, as `mt5bot serve` draws them (mt5bot/app.py)
        reports = ReportService(TradingService(client, db, settings.risk), settings, charts=ChartPool())
        print(f"RSS {proc_status(os.getpid())['VmRSS']} MB before the reports")
        for kind in (ReportKind.MONTHLY, ReportKind.DAILY, ReportKind.HEDGE):
            await run(kind, reports, counter, rounds)
        print(f"VmHWM {proc_status(os.getpid())['VmHWM']} MB (peak of the whole run, account build included)")
        await db.close()
    await client.close()


if __name__ == "__main__":
    asyncio.run(
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
    )
