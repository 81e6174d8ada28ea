"""`ErrorCounter`: a logging handler that counts ERROR (and worse) records in a sliding window.

Installed on the root logger by `mt5bot.logs.setup_logging`, so `/status` and `GET /api/v1/status` can say
"3 errors in the last hour" without reading the log file. It keeps one timestamp per record, and only for
the window, so a storm of errors costs a bounded deque, never the disk or a lock held across I/O.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SEC = 3600.0
# A bound on memory during an error storm: past it the count says "at least this many".
MAX_KEPT = 100_000


class ErrorCounter(logging.Handler):
    """Counts records at ERROR or above within the last `window_sec` seconds (`count()`)."""

    def __init__(self, window_sec: float = WINDOW_SEC, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(logging.ERROR)
        self.window_sec = window_sec
        self._clock = clock
        self._times: deque[float] = deque(maxlen=MAX_KEPT)
        # Records come from the worker threads too (terminal client, SQLite writer); deque appends are
        # atomic, but trimming while another thread appends is not, hence the tiny lock.
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self._times.append(self._clock())

    def count(self) -> int:
        """ERROR+ records within the window, as of now."""
        horizon = self._clock() - self.window_sec
        with self._guard:
            while self._times and self._times[0] < horizon:
                self._times.popleft()
            return len(self._times)

    @staticmethod
    def on(logger: logging.Logger | None = None) -> ErrorCounter | None:
        """The counter installed on `logger` (the root logger by default), if any."""
        target = logger or logging.getLogger()
        return next((h for h in target.handlers if isinstance(h, ErrorCounter)), None)
