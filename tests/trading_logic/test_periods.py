"""Period windows on the server clock and in named zones: week, month and year edges, DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from mt5bridge.trading.periods import Period, PeriodError, Window, period_window, range_window

HOUR, DAY = 3600, 86400


def server(*parts: int) -> int:
    """Server-scale epoch of a server wall-clock moment."""
    return int(datetime(*parts, tzinfo=UTC).timestamp())  # type: ignore[arg-type,misc]


NOW = server(2026, 11, 26, 15, 30)  # a Thursday


@pytest.mark.parametrize(
    ("period", "start", "end", "label"),
    [
        (Period.TODAY, (2026, 11, 26), (2026, 11, 27), "2026-11-26"),
        (Period.YESTERDAY, (2026, 11, 25), (2026, 11, 26), "2026-11-25"),
        (Period.WEEK, (2026, 11, 23), (2026, 11, 30), "2026-11-23..2026-11-29"),
        (Period.LAST_WEEK, (2026, 11, 16), (2026, 11, 23), "2026-11-16..2026-11-22"),
        (Period.MONTH, (2026, 11, 1), (2026, 12, 1), "2026-11-01..2026-11-30"),
        (Period.LAST_MONTH, (2026, 10, 1), (2026, 11, 1), "2026-10-01..2026-10-31"),
        (Period.YEAR, (2026, 1, 1), (2027, 1, 1), "2026-01-01..2026-12-31"),
    ],
)
def test_periods_on_server_time(
    period: Period, start: tuple[int, ...], end: tuple[int, ...], label: str
) -> None:
    assert period_window(period, NOW) == Window(server(*start), server(*end), label)


def test_server_offset_is_ignored_without_a_zone() -> None:
    assert period_window(Period.TODAY, NOW, server_utc_offset=2 * HOUR) == period_window(Period.TODAY, NOW)


def test_midnight_belongs_to_the_new_day() -> None:
    midnight = server(2026, 11, 26)
    window = period_window(Period.TODAY, midnight)
    assert (window.start, window.end) == (midnight, midnight + DAY)
    assert window.contains(midnight) and not window.contains(midnight + DAY)
    assert period_window(Period.TODAY, midnight - 1).end == midnight


def test_monday_and_sunday_belong_to_the_same_week() -> None:
    monday = period_window(Period.WEEK, server(2026, 11, 23, 0, 0))
    sunday = period_window(Period.WEEK, server(2026, 11, 29, 23, 59))
    assert monday == sunday and monday.start == server(2026, 11, 23)


def test_month_and_year_edges() -> None:
    january = period_window(Period.LAST_MONTH, server(2027, 1, 15))
    assert (january.start, january.end) == (server(2026, 12, 1), server(2027, 1, 1))
    december = period_window(Period.MONTH, server(2026, 12, 31, 23, 59))
    assert (december.start, december.end) == (server(2026, 12, 1), server(2027, 1, 1))
    leap = period_window(Period.MONTH, server(2028, 2, 10))
    assert leap.end - leap.start == 29 * DAY
    assert period_window(Period.YESTERDAY, server(2027, 1, 1, 8)).label == "2026-12-31"
    week_over_new_year = period_window(Period.WEEK, server(2027, 1, 1))
    assert week_over_new_year.start == server(2026, 12, 28)


def test_named_zone_maps_local_midnight_to_server_scale() -> None:
    # Server at UTC+2; reporting in Shanghai (UTC+8): local midnight = 16:00 UTC = 18:00 server.
    shanghai = ZoneInfo("Asia/Shanghai")
    now = server(2026, 11, 26, 20, 0)  # 18:00 UTC, already Nov 27 02:00 in Shanghai
    window = period_window(Period.TODAY, now, tz=shanghai, server_utc_offset=2 * HOUR)
    assert (window.start, window.end) == (server(2026, 11, 26, 18), server(2026, 11, 27, 18))
    assert window.label == "2026-11-27 Asia/Shanghai"


def test_dst_days_are_23_and_25_hours() -> None:
    new_york = ZoneInfo("America/New_York")
    spring = period_window(Period.TODAY, server(2026, 3, 8, 12), tz=new_york)
    autumn = period_window(Period.TODAY, server(2026, 11, 1, 12), tz=new_york)
    assert spring.end - spring.start == 23 * HOUR
    assert autumn.end - autumn.start == 25 * HOUR
    # 2026-03-08 00:00 EST = 05:00 UTC; the next midnight is EDT = 04:00 UTC.
    assert (spring.start, spring.end) == (server(2026, 3, 8, 5), server(2026, 3, 9, 4))
    march = period_window(Period.MONTH, server(2026, 3, 20), tz=new_york, server_utc_offset=7 * HOUR)
    assert march.start == server(2026, 3, 1, 5 + 7) and march.end == server(2026, 4, 1, 4 + 7)


def test_range_of_dates_is_whole_days_end_inclusive() -> None:
    window = range_window(date(2026, 11, 2), date(2026, 11, 4))
    assert window == Window(server(2026, 11, 2), server(2026, 11, 5), "2026-11-02..2026-11-04")
    one_day = range_window(date(2026, 11, 2), date(2026, 11, 2))
    assert one_day.end - one_day.start == DAY and one_day.label == "2026-11-02"


def test_range_of_datetimes_converts_aware_and_reads_naive_on_the_reporting_clock() -> None:
    aware = range_window(
        datetime(2026, 11, 2, 9, tzinfo=UTC),
        datetime(2026, 11, 2, 17, tzinfo=UTC),
        server_utc_offset=2 * HOUR,
    )
    assert (aware.start, aware.end) == (server(2026, 11, 2, 11), server(2026, 11, 2, 19))
    naive = range_window(datetime(2026, 11, 2, 9), datetime(2026, 11, 2, 17), server_utc_offset=2 * HOUR)
    assert (naive.start, naive.end) == (server(2026, 11, 2, 9), server(2026, 11, 2, 17))
    tokyo = range_window(
        datetime(2026, 11, 2, 9), date(2026, 11, 2), tz=ZoneInfo("Asia/Tokyo"), server_utc_offset=2 * HOUR
    )
    assert (tokyo.start, tokyo.end) == (server(2026, 11, 2, 2), server(2026, 11, 2, 17))


def test_reversed_ranges_are_refused() -> None:
    with pytest.raises(PeriodError):
        range_window(date(2026, 11, 5), date(2026, 11, 4))
    with pytest.raises(PeriodError):
        range_window(datetime(2026, 11, 5, 10), datetime(2026, 11, 5, 10))
