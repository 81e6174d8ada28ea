"""Charts in the worker process: the same PNG as drawn in-process, the event loop free meanwhile, and a
dead worker replaced by drawing in a thread (with one log line)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest

from reports.chartpool import ChartPool
from reports.charts import render_chart
from reports.models import ReportKind
from tests.reports.test_charts import make_report


@pytest.fixture
def pool() -> Iterator[ChartPool]:
    made = ChartPool()
    yield made
    made.close()


@pytest.mark.timeout(60)
async def test_the_worker_draws_what_the_process_would(pool: ChartPool) -> None:
    report = make_report(ReportKind.MONTHLY, days=[12.0, -3.5, 40.0])
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    task = asyncio.create_task(ticker())
    png = await pool.draw(report, "en")  # the first: the worker starts and imports matplotlib
    png_again = await pool.draw(report, "en")
    done = True
    await task
    assert png == png_again == render_chart(report, "en")
    assert worst < 0.1  # the loop kept ticking while another process drew


@pytest.mark.timeout(60)
async def test_a_dead_worker_falls_back_to_a_thread(
    pool: ChartPool, caplog: pytest.LogCaptureFixture
) -> None:
    report = make_report(ReportKind.DAILY)
    await pool.draw(report, "en")
    assert pool._pool is not None  # the worker's pid, to kill it for real
    for pid in list(pool._pool._processes):
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.2)
    png = await pool.draw(report, "en")
    assert png == render_chart(report, "en")
    assert "drawing charts in a thread" in caplog.text
