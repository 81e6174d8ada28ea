"""When to warn admins about the service itself, when to stay quiet, when to say it recovered.

Plain decisions over plain data (times in seconds, sizes in MB), so the tests need no terminal, disk or
database: the watcher (opswatch.py) feeds them what it measured and sends what they return.
- Rejections: the same retcode `repeat` times within the window is one warning; a storm keeps quiet for a
  window after each warning, so hundreds of rejected orders are one message per window, not hundreds.
- Disk and database: a warning when the state turns bad, nothing while it stays bad, one "recovered" when
  it is good again. The disk recovers only with a margin above the threshold, so free space hovering
  around it does not flap.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from mt5bridge.terminal.errors import RETCODE_NAMES, retcode_code

# Free space must climb this far above the threshold before the disk counts as recovered.
DISK_RECOVERY_MARGIN = 1.1


# A chat preview the terminal refused is audited with the error's stable code, not the retcode.
_RETCODE_OF_CODE = {retcode_code(retcode): retcode for retcode in RETCODE_NAMES}


def rejected_retcode(action: str, rejected: bool, retcode: int | None, error_code: str | None) -> int | None:
    """The retcode an audit line shows the terminal rejecting an order with, else None.

    The trading core's own lines (any front-end's executions) carry the retcode. A chat preview the
    terminal refused never reaches the trading core's audit, so its `chat.preview` line counts by its
    code; the chat's other lines repeat what the trading core wrote already and are not counted twice.
    """
    if not action.startswith("chat."):
        return retcode if rejected else None
    if action == "chat.preview" and error_code is not None:
        return _RETCODE_OF_CODE.get(error_code)
    return None


class OpsKind(StrEnum):
    """What an admin is told."""

    REJECTIONS = "rejections"
    DISK_LOW = "disk_low"
    DISK_OK = "disk_ok"
    DB_UNWRITABLE = "db_unwritable"
    DB_OK = "db_ok"


@dataclass(frozen=True, slots=True)
class OpsAlert:
    """One warning (or recovery) for admins; the fields its kind needs are set, the rest stay empty."""

    kind: OpsKind
    retcode: int | None = None
    retcode_name: str = ""
    count: int = 0
    window_min: float = 0.0
    free_mb: float = 0.0
    threshold_mb: float = 0.0
    path: str = ""
    error: str = ""


class Rejections:
    """Counts rejected orders per retcode in a sliding window; `observe` says when to warn."""

    def __init__(self, repeat: int, window_sec: float) -> None:
        self.repeat = repeat
        self.window_sec = window_sec
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def observe(self, retcode: int, at: float) -> OpsAlert | None:
        """One rejection with `retcode` at `at` (seconds): a warning, or None to stay quiet."""
        if self.repeat <= 0:
            return None
        times = self._seen.setdefault(retcode, deque())
        times.append(at)
        while times and times[0] <= at - self.window_sec:
            times.popleft()
        if len(times) < self.repeat:
            return None
        last = self._warned.get(retcode)
        if last is not None and at - last < self.window_sec:
            return None  # warned within this window already: the storm is one message
        self._warned[retcode] = at
        return OpsAlert(
            OpsKind.REJECTIONS, retcode=retcode, retcode_name=RETCODE_NAMES.get(retcode, str(retcode)),
            count=len(times), window_min=self.window_sec / 60,
        )  # fmt: skip


def disk_low(free_mb: float, threshold_mb: float, *, was_low: bool) -> bool:
    """Whether the disk counts as low now (threshold 0: never); leaving "low" needs the recovery margin."""
    if threshold_mb <= 0:
        return False
    if was_low:
        return free_mb < threshold_mb * DISK_RECOVERY_MARGIN
    return free_mb < threshold_mb


def disk_alert(
    free_mb: float, threshold_mb: float, path: str, *, was_low: bool
) -> tuple[bool, OpsAlert | None]:
    """(low now, what to say): a warning on becoming low, a recovery on leaving it, else nothing."""
    low = disk_low(free_mb, threshold_mb, was_low=was_low)
    if low == was_low:
        return low, None
    kind = OpsKind.DISK_LOW if low else OpsKind.DISK_OK
    return low, OpsAlert(kind, free_mb=round(free_mb, 1), threshold_mb=threshold_mb, path=path)


def database_alert(error: str | None, *, was_failing: bool) -> tuple[bool, OpsAlert | None]:
    """(failing now, what to say) after a write probe that failed with `error` or succeeded (None)."""
    failing = error is not None
    if failing == was_failing:
        return failing, None
    if failing:
        return True, OpsAlert(OpsKind.DB_UNWRITABLE, error=(error or "")[:300])
    return False, OpsAlert(OpsKind.DB_OK)
