"""Graceful stop by the stop file, on real processes: `mt5bot serve --stop-file`, and the whole Windows path
(the task's action started by a fake Task Scheduler, stopped by `TaskScheduler.stop`)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from mt5bot import stopfile
from mt5bot.autostart.spec import ServiceSpec, stop_file_in
from mt5bot.autostart.windows import TaskScheduler
from tests.ops.fakes import FakeWindows

LISTENING = re.compile(r"listening on (http://\S+)")
ENV = {**os.environ, "MT5BOT_SECURITY__TOKEN": "tok-supersecret-123"}


def wait_for_url(log_file: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The URL the service logged once it listens (or fail with its log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_file.read_text() if log_file.exists() else ""
        if match := LISTENING.search(text):
            return match.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"service did not start (exit {proc.poll()}):\n{text}")


def healthy(url: str) -> bool:
    async def get() -> bool:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/api/v1/health") as resp:
            return resp.status == 200

    return asyncio.run(get())


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def test_serve_stops_cleanly_when_the_stop_file_appears(
    config: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    stop = config.parent / "data" / "please.stop"
    stopfile.request(stop)  # a stale request from an earlier run must not stop the new one
    proc = subprocess.Popen(
        [sys.executable, "-m", "mt5bot", "--config", str(config), "serve", "--stop-file", str(stop)],
        env=ENV,
        stderr=subprocess.DEVNULL,
    )
    procs.append(proc)
    url = wait_for_url(config.parent / "logs" / "mt5bot.log", proc)
    assert healthy(url)
    assert not stop.exists()
    stopfile.request(stop)
    assert proc.wait(30) == 0
    log = (config.parent / "logs" / "mt5bot.log").read_text()
    assert "stop requested" in log and log.rstrip().endswith("stopped")
    assert (config.parent / "data" / "simulator-state.json").exists()  # saved on the way out
    assert not stop.exists()


def test_windows_task_started_and_stopped_cleanly(
    spec: ServiceSpec, procs: list[subprocess.Popen[bytes]]
) -> None:
    fake = FakeWindows(spawn=True)
    tasks = TaskScheduler(fake, stop_wait=60)
    report = tasks.install(spec)  # creates the task from its XML and runs its action: `service run`
    assert report.ok, report.message
    proc = fake.tasks["mt5bot"].process
    assert proc is not None
    procs.append(proc)
    url = wait_for_url(spec.workdir / "logs" / "mt5bot.log", proc)  # type: ignore[operator]
    assert healthy(url)
    assert tasks.status("mt5bot").message.startswith("mt5bot: running")
    stopped = tasks.stop("mt5bot")
    assert stopped.ok and stopped.message == "mt5bot stopped cleanly", stopped.message
    assert proc.wait(5) == 0 and fake.tasks["mt5bot"].ended == 0
    assert not Path(stop_file_in(spec.workdir)).exists()
    assert (Path(spec.workdir) / "logs" / "mt5bot.log").read_text().rstrip().endswith("stopped")
