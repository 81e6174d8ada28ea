"""Reports and P&L for a day or month named in the chat: the right period, or the documented refusal.

The real chat core over the simulator: the answer is checked against the report the REST API builds
for the same period, and out-of-range dates get the same `invalid_report` refusal REST gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu import Intent, parse
from reports.errors import ReportRequestError
from reports.periods import resolve_day, resolve_month
from tests.bot.core_stand import Stand, only, running_stand

ADMIN = "1"


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


def test_a_day_or_month_without_its_year_is_the_latest_that_has_begun() -> None:
    today = date(2026, 12, 5)
    assert resolve_day("--11-05", today) == date(2026, 11, 5)
    assert resolve_day("--12-25", today) == date(2025, 12, 25)  # not yet this year: last year's
    assert resolve_day("--02-29", date(2026, 3, 1)) == date(2024, 2, 29)
    assert resolve_month("--01", today) == (2026, 1)
    assert resolve_month("--12", date(2026, 11, 30)) == (2025, 12)
    assert resolve_day("2026-11-05", today) == date(2026, 11, 5)
    for bad in ("--13-01", "--02-30"):
        with pytest.raises(ReportRequestError, match="not a day of the calendar"):
            resolve_day(bad, today)
    with pytest.raises(ReportRequestError, match="month must look like"):
        resolve_month("--13", today)


async def test_a_named_month_gives_that_months_report(stand: Stand) -> None:
    today = await stand.chat.deps.reports.today()
    reply = only(await stand.say(ADMIN, f"{today.year - 1}年1月的月报"))
    assert f"{today.year - 1}-01-01" in reply.text and f"{today.year - 1}-01-31" in reply.text
    reply = only(await stand.say(ADMIN, f"/report monthly {today.year - 1}-02"))
    assert f"{today.year - 1}-02-01" in reply.text


async def test_a_named_day_gives_that_days_report_and_pnl(stand: Stand) -> None:
    today = await stand.chat.deps.reports.today()
    named = today.replace(day=1)
    reply = only(await stand.say(ADMIN, f"{named.month}月{named.day}日的日报"))
    assert named.isoformat() in reply.text
    pnl = only(await stand.say(ADMIN, f"{named.isoformat()} 盈亏"))
    assert named.isoformat() in pnl.text or "盈亏" in pnl.text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("/report monthly 0000-01", "1971"),
        ("/report daily 0001-01-01", "1971"),
        ("/report monthly 0001-01", "1971"),
        ("1960年5月1日的日报", "1971"),
        ("2026-13-01 日报", "not a day of the calendar"),
        ("2100年12月的月报", "has not begun yet"),
        ("2099-01-01 的盈亏", "has not happened yet"),
    ],
)
async def test_out_of_range_dates_get_the_documented_refusal(stand: Stand, text: str, words: str) -> None:
    reply = only(await stand.say(ADMIN, text))
    assert "invalid_report" in reply.text and words in reply.text, reply.text


async def test_what_the_words_do_not_pin_down_is_not_understood(stand: Stand) -> None:
    for text in ("2025年的报告", "上个月3号的日报", "2025年1月的日报", "昨天2026-11-05的盈亏"):
        assert parse(text).intent is Intent.UNKNOWN, text
        reply = only(await stand.say(ADMIN, text))
        assert "invalid_report" not in reply.text  # a polite "not understood", never a report


_DAYS = st.builds(
    lambda y, m, d, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["-", "/"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=_DAYS)
async def test_fuzzed_days_are_a_report_or_the_refusal(stand: Stand, day: str) -> None:
    reply = only(await stand.say(ADMIN, f"/report daily {day}"))
    assert "internal" not in reply.text.lower() and "内部错误" not in reply.text
    iso = day.replace("/", "-")
    if "invalid_report" not in reply.text:
        assert iso in reply.text  # a report of exactly that day
