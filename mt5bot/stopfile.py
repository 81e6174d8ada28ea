"""A stop request by file: `mt5bot serve --stop-file F` shuts down cleanly when F appears.

Windows gives a process started by the Task Scheduler no signal another process can send: `schtasks /End`
terminates it outright, and a console control event (Ctrl+C, Ctrl+Break) reaches only processes attached to
the sender's console. So `mt5bot service stop` asks by creating the file the service was started with, and
the service sets the same stop event Ctrl+C and SIGTERM set. It works the same on every platform, which is
how the tests on Linux check the path Windows uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

log = logging.getLogger("mt5bot")

POLL_SEC = 0.5


def clear(path: Path) -> None:
    """Remove a request left over from an earlier run, so a new start is not stopped at once."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def request(path: Path) -> None:
    """Ask the service watching `path` to stop (what `mt5bot service stop` does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("stop\n", encoding="utf-8")


def consume(path: Path) -> bool:
    """Whether a stop was requested; the request is removed as it is read."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


async def watch(path: Path, stop: asyncio.Event, interval: float = POLL_SEC) -> None:
    """Set `stop` once `path` appears (and remove it)."""
    while True:
        if consume(path):
            break
        await asyncio.sleep(interval)
    log.info("stop requested (%s)", path)
    stop.set()
