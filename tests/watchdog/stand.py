"""The stand-in terminal for the watchdog tests: install it as `terminal64.exe`, start, find, kill it."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from mt5bridge.terminal.settings import MT5Settings, WatchdogSettings

SOURCE = Path(__file__).with_name("fake_terminal.py")


@dataclass
class FakeTerminal:
    """`path` is the executable the watchdog is pointed at; `log` holds one line per start."""

    path: Path
    log: Path

    def starts(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def started(self) -> set[int]:
        """Pids of every copy that got as far as logging its start (it is then ready for signals)."""
        return {int(str(start["pid"])) for start in self.starts()}

    def pids(self) -> set[int]:
        """Running stand-ins of this path (not zombies), as psutil sees them."""
        found = set()
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            cmd = proc.info["cmdline"] or []
            if str(self.path) in cmd[:2] and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.add(proc.info["pid"])
        return found

    def launch(self) -> subprocess.Popen[bytes]:
        """Start one as a user would (the test's own child)."""
        return subprocess.Popen([str(self.path)], env={**os.environ, "FAKE_TERMINAL_LOG": str(self.log)})

    def kill_all(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGKILL)


def install(tmp_path: Path) -> FakeTerminal:
    """The stand-in as `<tmp>/bin/terminal64.exe` (the test sets $FAKE_TERMINAL_LOG to `log`)."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    path = folder / "terminal64.exe"
    path.write_text(f"#!{sys.executable}\n" + SOURCE.read_text())
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return FakeTerminal(path, tmp_path / "starts.jsonl")


def settings_for(fake: FakeTerminal, **rules: object) -> MT5Settings:
    """Fast watchdog settings pointed at the stand-in (fractions of a second)."""
    base: dict[str, object] = {
        "enabled": True, "terminal_path": str(fake.path), "portable": True, "config_file": "start.ini",
        "heartbeat_failed_min": 0.01, "check_interval_sec": 0.05, "backoff_start_sec": 0.1,
        "backoff_max_sec": 0.4, "max_restarts_per_hour": 3, "stop_timeout_sec": 2.0,
    }  # fmt: skip
    base.update(rules)
    return MT5Settings(
        heartbeat_interval_sec=0.02, reconnect_interval_sec=0.01, watchdog=WatchdogSettings(**base)
    )


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `condition` (a blocking check, e.g. psutil) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
