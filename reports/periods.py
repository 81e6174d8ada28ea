"""The periods a report may be asked for, as users and integrators write them: `2026-11-05`, `2026-11`.

Plain functions: the REST API, the CLI, the chat and the scheduler parse and check with these, so an
out-of-range date gets the same documented refusal everywhere.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from reports.errors import ReportRequestError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The years a report may cover, as for every time in the API's queries (docs/api.md): outside them the
# calendar arithmetic (a day's window, the server's offset) leaves what datetime can hold.
YEARS = (1971, 2100)


def _shown(text: str) -> str:
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def check_year(year: int, what: str) -> None:
    """Raise ReportRequestError unless `year` is within YEARS."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise ReportRequestError(f"{what}: the year must be between {YEARS[0]} and {YEARS[1]}")


def parse_day(text: str) -> date:
    """`2026-11-05` -> a date; any other form (`0`, `20261105`, a time), an impossible day or a year
    outside YEARS raises ReportRequestError."""
    if _DAY.match(text) is None:
        raise ReportRequestError(f"date must look like 2026-11-05, not {_shown(text)}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ReportRequestError(f"date {_shown(text)} is not a day of the calendar") from None
    check_year(day.year, f"date {text}")
    return day


def parse_month(text: str) -> tuple[int, int]:
    """`2026-11` -> (2026, 11); anything else, or a year outside YEARS, raises ReportRequestError."""
    found = _MONTH.match(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise ReportRequestError(f"month must look like 2026-11, not {_shown(text)}")
    check_year(int(found.group(1)), f"month {text.strip()}")
    return int(found.group(1)), int(found.group(2))


def last_month(today: date) -> tuple[int, int]:
    """(year, month) of the month before `today`'s."""
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def resolve_day(text: str, today: date) -> date:
    """`2026-11-05` as parse_day; `--11-05` (no year said) is the latest 11-05 up to `today`."""
    if not text.startswith("--"):
        return parse_day(text)
    month, day = int(text[2:4]), int(text[5:7])
    for year in range(today.year, today.year - 8, -1):  # 02-29 may be up to eight years back (2100)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    raise ReportRequestError(f"date {_shown(text[2:])} is not a day of the calendar")


def resolve_month(text: str, today: date) -> tuple[int, int]:
    """`2026-11` as parse_month; `--11` (no year said) is the latest November that has begun."""
    if not text.startswith("--"):
        return parse_month(text)
    month = int(text[2:])
    if not 1 <= month <= 12:
        raise ReportRequestError(f"month must look like 2026-11, not {_shown(text[2:])}")
    return (today.year, month) if month <= today.month else (today.year - 1, month)
