"""Trading sessions of the simulated broker, on the trade-server clock.

Server time follows the common broker convention New York + 7 h (UTC+2 in northern winter, UTC+3 in
summer, switching on US DST dates), encoded as epoch seconds as if the server wall clock were UTC, which
is what MT5 returns everywhere. Sessions are fixed weekly windows in that server time.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
WEEK = 7 * DAY
# 1970-01-05 00:00 was a Monday; week offsets are measured from Monday 00:00 server time.
_MONDAY_REF = 4 * DAY
NEVER = 2**62
"""Returned by next_close/next_open when the event never happens (24/7 session, or never open)."""

_NEW_YORK = ZoneInfo("America/New_York")
_SERVER_SHIFT = timedelta(hours=7)


class SessionName(StrEnum):
    """Keys of SESSIONS."""

    FOREX = "forex"
    METALS = "metals"
    ENERGY = "energy"
    US_INDEX = "us_index"
    EU_INDEX = "eu_index"
    HK_INDEX = "hk_index"
    CRYPTO = "crypto"


@dataclass(frozen=True, slots=True)
class Session:
    """Weekly trading windows as [start, end) offsets in seconds from Monday 00:00 server time."""

    name: str
    description: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.ends) or not self.starts:
            raise ValueError(f"session {self.name}: windows malformed")
        for s, e in zip(self.starts, self.ends, strict=True):
            if not 0 <= s < e <= WEEK or s % 60 or e % 60:
                raise ValueError(f"session {self.name}: bad window {s}-{e}")

    @property
    def always_open(self) -> bool:
        """True when the windows cover the whole week."""
        return self.starts == (0,) and self.ends == (WEEK,)

    @property
    def seconds_per_trading_day(self) -> float:
        """Average open seconds per weekday that has trading (scales daily volatility)."""
        days = {
            d
            for s, e in zip(self.starts, self.ends, strict=True)
            for d in range(s // DAY, (e - 1) // DAY + 1)
        }
        total = sum(e - s for s, e in zip(self.starts, self.ends, strict=True))
        return total / max(1, len(days))

    def window_at(self, offset: int) -> int:
        """Index of the window containing the week offset, or -1."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i if i >= 0 and offset < self.ends[i] else -1


def _hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _build(
    name: SessionName,
    description: str,
    daily: Sequence[tuple[str, str]],
    friday: Sequence[tuple[str, str]] | None = None,
    monday_open: str | None = None,
) -> Session:
    """Monday-Friday windows (Friday may differ), merged where one ends exactly where the next starts."""
    spans: list[list[int]] = []
    for day in range(5):
        windows = friday if (day == 4 and friday is not None) else daily
        for i, (start, end) in enumerate(windows):
            s = _hm(monday_open) if (day == 0 and i == 0 and monday_open) else _hm(start)
            spans.append([day * DAY + s, day * DAY + _hm(end)])
    merged: list[list[int]] = []
    for span in spans:
        if merged and merged[-1][1] == span[0]:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return Session(name, description, tuple(s for s, _ in merged), tuple(e for _, e in merged))


def _make_sessions() -> Mapping[str, Session]:
    sessions = [
        _build(
            SessionName.FOREX,
            "Mon 00:05 - Fri 23:55, no daily break",
            [("00:00", "24:00")],
            friday=[("00:00", "23:55")],
            monday_open="00:05",
        ),
        _build(
            SessionName.METALS,
            "Mon-Fri 01:01-23:58 (Fri 23:55), daily break 23:58-01:01",
            [("01:01", "23:58")],
            friday=[("01:01", "23:55")],
        ),
        _build(
            SessionName.ENERGY,
            "Mon-Fri 01:05-23:55 (Fri 23:45), daily break 23:55-01:05",
            [("01:05", "23:55")],
            friday=[("01:05", "23:45")],
        ),
        _build(
            SessionName.US_INDEX,
            "Mon-Fri 01:01-23:15 and 23:30-23:59 (Fri to 23:15)",
            [("01:01", "23:15"), ("23:30", "23:59")],
            friday=[("01:01", "23:15")],
        ),
        _build(
            SessionName.EU_INDEX,
            "Mon-Fri 03:15-23:00 (Eurex DAX futures hours, trimmed)",
            [("03:15", "23:00")],
        ),
        _build(
            SessionName.HK_INDEX,
            "Mon-Fri 03:15-06:00, 07:00-10:30, 11:15-21:00 (HKEX, winter offset)",
            [("03:15", "06:00"), ("07:00", "10:30"), ("11:15", "21:00")],
        ),
        Session(SessionName.CRYPTO, "24/7", (0,), (WEEK,)),
    ]
    return MappingProxyType({s.name: s for s in sessions})


SESSIONS: Mapping[str, Session] = _make_sessions()
"""Every session by key (read-only)."""


def _get(session: str) -> Session:
    try:
        return SESSIONS[session]
    except KeyError:
        raise KeyError(f"unknown session {session!r}") from None


def server_time_from_utc(utc: datetime) -> int:
    """Epoch seconds on the server scale (New York wall clock + 7 h, encoded as UTC)."""
    if utc.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    wall = utc.astimezone(_NEW_YORK).replace(tzinfo=None) + _SERVER_SHIFT
    return calendar.timegm(wall.timetuple())


def server_now() -> int:
    """The current moment on the server scale."""
    return server_time_from_utc(datetime.now(UTC))


def utc_from_server_time(t: int) -> datetime:
    """Aware UTC datetime of a server epoch (the earlier moment when NY wall time repeats)."""
    wall = datetime.fromtimestamp(t, UTC).replace(tzinfo=None) - _SERVER_SHIFT
    return wall.replace(tzinfo=_NEW_YORK, fold=0).astimezone(UTC)


def _offset(t: int) -> int:
    return (t - _MONDAY_REF) % WEEK


def is_open(session: str, t: int, always: bool = False) -> bool:
    """Whether the session trades at server time t."""
    if always:
        return True
    return _get(session).window_at(_offset(t)) >= 0


def is_open_many(session: str, times: np.ndarray, always: bool = False) -> np.ndarray:
    """Vectorised is_open over an int64 array of server epochs."""
    if always:
        return np.ones(times.shape, dtype=bool)
    s = _get(session)
    offs = (times - _MONDAY_REF) % WEEK
    idx = np.searchsorted(np.asarray(s.starts), offs, side="right") - 1
    ends = np.asarray(s.ends)[np.clip(idx, 0, None)]
    return (idx >= 0) & (offs < ends)


def next_open(session: str, t: int, always: bool = False) -> int:
    """First open moment >= t."""
    if always or is_open(session, t):
        return t
    s = _get(session)
    off = _offset(t)
    j = bisect.bisect_right(s.starts, off)
    if j < len(s.starts):
        return t + s.starts[j] - off
    return t + WEEK - off + s.starts[0]


def window_start(session: str, t: int, always: bool = False) -> int:
    """When the open window containing t began (-NEVER for a 24/7 session); ValueError if closed at t."""
    s = _get(session)
    if always or s.always_open:
        return -NEVER
    off = _offset(t)
    i = s.window_at(off)
    if i < 0:
        raise ValueError(f"{session} is closed at {t}")
    return t - (off - s.starts[i])


def next_close(session: str, t: int, always: bool = False) -> int:
    """First moment > t at which the session is closed (NEVER for a 24/7 session)."""
    s = _get(session)
    if always or s.always_open:
        return NEVER
    start = next_open(session, t)
    off = _offset(start)
    i = s.window_at(off)
    close = start + s.ends[i] - off
    if s.ends[i] == WEEK and s.starts[0] == 0:
        # window runs through the week boundary into next Monday's first window
        close += s.ends[0]
    return close
