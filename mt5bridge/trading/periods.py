"""Reporting periods as half-open windows on the trade server's clock.

MT5 history timestamps are server wall-clock time encoded as if it were UTC ("server scale"). By default a
day starts at server midnight. With a named zone, day/week/month boundaries are midnight in that zone,
converted to the server scale with `server_utc_offset` (seconds, server minus UTC). Weeks start on Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.common.vocab import Period


class PeriodError(MT5BotError, ValueError):
    """A date range that cannot be a window (end not after start)."""

    code = "invalid_range"
    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in server-scale epoch seconds; `label` is the local dates it covers, end inclusive."""

    start: int
    end: int
    label: str

    def contains(self, epoch_server: int) -> bool:
        """Whether a server-scale timestamp falls inside the window."""
        return self.start <= epoch_server < self.end


def _first_of_month(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _day_span(period: Period, today: date) -> tuple[date, date]:
    """The period as [first day, day after the last) in the reporting calendar."""
    monday = today - timedelta(days=today.weekday())
    spans = {
        Period.TODAY: (today, today + timedelta(days=1)),
        Period.YESTERDAY: (today - timedelta(days=1), today),
        Period.WEEK: (monday, monday + timedelta(days=7)),
        Period.LAST_WEEK: (monday - timedelta(days=7), monday),
        Period.MONTH: (_first_of_month(today), _first_of_month(today, -1)),
        Period.LAST_MONTH: (_first_of_month(today, 1), _first_of_month(today)),
        Period.YEAR: (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
    }
    return spans[period]


@dataclass(frozen=True, slots=True)
class _Clock:
    """The reporting calendar: the server's wall clock, or a named zone mapped onto the server scale."""

    tz: ZoneInfo | None
    offset: int

    def today(self, now_server: int) -> date:
        if self.tz is None:
            return datetime.fromtimestamp(now_server, UTC).date()
        return datetime.fromtimestamp(now_server - self.offset, self.tz).date()

    def midnight(self, day: date) -> int:
        return self.wall(datetime.combine(day, time()))

    def wall(self, moment: datetime) -> int:
        """Server-scale epoch of a wall-clock moment; naive means the reporting calendar's own clock."""
        if moment.tzinfo is not None:
            return int(moment.timestamp()) + self.offset
        if self.tz is None:
            return int(moment.replace(tzinfo=UTC).timestamp())
        # ZoneInfo resolves DST: a 23- or 25-hour day comes out as such.
        return int(moment.replace(tzinfo=self.tz).timestamp()) + self.offset

    def window(self, first: date, after: date) -> Window:
        last = after - timedelta(days=1)
        label = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
        if self.tz is not None:
            label = f"{label} {self.tz.key}"
        return Window(self.midnight(first), self.midnight(after), label)


def period_window(
    period: Period, now_server: int, *, tz: ZoneInfo | None = None, server_utc_offset: int = 0
) -> Window:
    """The window of a named period containing `now_server` (the server clock, epoch-as-if-UTC)."""
    clock = _Clock(tz, server_utc_offset)
    first, after = _day_span(period, clock.today(now_server))
    return clock.window(first, after)


def reporting_date(now_server: int, *, tz: ZoneInfo | None = None, server_utc_offset: int = 0) -> date:
    """Today's date on the reporting calendar (`tz`, else the server's wall clock)."""
    return _Clock(tz, server_utc_offset).today(now_server)


def range_window(
    start: datetime | date,
    end: datetime | date,
    *,
    tz: ZoneInfo | None = None,
    server_utc_offset: int = 0,
) -> Window:
    """The window of a range: dates are whole days (end date included), datetimes exact (end excluded).

    Aware datetimes are converted; naive ones are read on the reporting clock (`tz`, else server time).
    """
    clock = _Clock(tz, server_utc_offset)
    if not isinstance(start, datetime) and not isinstance(end, datetime):
        if end < start:
            raise PeriodError(f"the range ends ({end}) before it starts ({start})")
        return clock.window(start, end + timedelta(days=1))
    lo = clock.wall(start) if isinstance(start, datetime) else clock.midnight(start)
    hi = clock.wall(end) if isinstance(end, datetime) else clock.midnight(end + timedelta(days=1))
    if hi <= lo:
        raise PeriodError(f"the range ends ({end}) at or before it starts ({start})")
    return Window(lo, hi, f"{start.isoformat()}..{end.isoformat()}")
