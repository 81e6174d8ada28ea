"""Charts drawn in a worker process, so the service's event loop never waits for matplotlib.

matplotlib's Agg renderer runs long stretches of C++ while holding the GIL: drawn in a worker thread, a
chart still stopped the event loop for 15-30 ms at a time, and the first chart of a process (importing
matplotlib, loading fonts) for about 170 ms (benchmarks/bench_reports_busy.py). A separate process has
its own GIL. One worker, started on first use with the "spawn" method (safe beside the service's threads,
and what Windows does anyway); if it cannot start or dies, charts fall back to a thread, with one log line.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from reports.charts import render_chart
from reports.models import Report

log = logging.getLogger(__name__)


class ChartPool:
    """`draw(report, lang)` in the worker process (or, failing that, a thread)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    async def draw(self, report: Report, lang: str) -> bytes:
        """The report's PNG chart in `lang`."""
        if not self._broken:
            try:
                pool = self._pool or self._start()
                return await asyncio.get_running_loop().run_in_executor(pool, render_chart, report, lang)
            except (BrokenProcessPool, OSError, RuntimeError) as exc:
                # RuntimeError: the pool was shut down meanwhile (service stopping); OSError: no process
                log.warning("chart worker process unavailable (%s); drawing charts in a thread", exc)
                self._broken = True
                self.close()
        return await asyncio.to_thread(render_chart, report, lang)

    def _start(self) -> ProcessPoolExecutor:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        """Stop the worker (a later chart starts a new one)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
