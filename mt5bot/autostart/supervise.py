"""`mt5bot service run`: what the Windows task runs. `mt5bot serve` in this process, started again when
it ends with an error, until it is stopped on purpose.

The Task Scheduler's RestartOnFailure is documented as restarting a task that "fails", without saying
that a program's non-zero exit counts; this loop does not depend on it. It runs `serve` in-process (not
as a child), so ending the task can never leave an orphan holding the port. A stop request (the stop
file) during the pause between attempts ends the loop too; a configuration error ends it at once, since
only a person can fix it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("mt5bot")

CONFIG_ERROR = 2
BACKOFF_SEC = (5.0, 10.0, 30.0, 60.0)
HEALTHY_SEC = 300.0  # a run this long was a success: the next failure starts the backoff again
POLL_SEC = 0.5


def supervise(
    run_once: Callable[[], int],
    stop_requested: Callable[[], bool],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    backoff: Sequence[float] = BACKOFF_SEC,
) -> int:
    """Call `run_once` until it returns 0 (stopped) or CONFIG_ERROR; pause between failures."""
    failures = 0
    while True:
        started = clock()
        code = run_once()
        if code in (0, CONFIG_ERROR):
            return code
        if clock() - started >= HEALTHY_SEC:
            failures = 0
        delay = backoff[min(failures, len(backoff) - 1)]
        failures += 1
        log.warning("mt5bot serve ended with exit code %s; starting it again in %.0f s", code, delay)
        if _stop_within(delay, stop_requested, sleep, clock):
            log.info("stop requested while waiting to restart")
            return 0


def _stop_within(
    delay: float,
    stop_requested: Callable[[], bool],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> bool:
    deadline = clock() + delay
    while clock() < deadline:
        if stop_requested():
            return True
        sleep(POLL_SEC)
    return stop_requested()
