"""Which scheduled report runs fell due, as plain functions over the schedule and the clock.

A run is a report kind and the period it covers: the daily report due 2026-12-04 23:55 covers
2026-12-04; the monthly one due on the 1st covers the month before; the hedge report covers its day.
`missed` lists the runs due in a stretch of time (the catch-up after downtime); the scheduler checks
storage for the ones already delivered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, TypeVar

from apscheduler.triggers.cron import CronTrigger

from reports.models import ReportKind
from reports.settings import ReportSettings

MAX_RUNS = 1000  # a catch-up window holds at most this many runs (a week of minutes would be absurd)


@dataclass(frozen=True, slots=True)
class Due:
    """One run: the report kind, the period it covers (`2026-12-04`, `2026-11`) and when it was due (UTC)."""

    kind: ReportKind
    period: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Handed:
    """A report handed to one recipient's outbox; `outcome` resolves to None once delivered, or the reason
    it was not."""

    platform: str
    chat_id: str
    outcome: Awaitable[str | None]


Charts = Callable[[str], Awaitable[bytes | None]]
"""The report's chart in a language (drawn once per language, when a recipient needs it)."""


R = TypeVar("R")  # what a scheduled run builds: a `Report`, or the consolidated report of several accounts
R_in = TypeVar("R_in", contravariant=True)


class Deliver(Protocol[R_in]):
    """Send a report (and its chart) to every recipient of its kind, except `skip`; `late` is when it was
    due, for a run sent after the fact."""

    async def __call__(
        self,
        report: R_in,
        chart: bytes | Charts | None,
        *,
        skip: frozenset[tuple[str, str]] = frozenset(),
        late: datetime | None = None,
    ) -> list[Handed]: ...


def _clock(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def triggers(settings: ReportSettings, timezone: tzinfo) -> dict[ReportKind, CronTrigger]:
    """The cron trigger of each scheduled kind (hedge only with `reports.hedge_at`)."""
    hour, minute = _clock(settings.daily_at)
    found = {
        ReportKind.DAILY: CronTrigger(
            day_of_week=settings.daily_days, hour=hour, minute=minute, timezone=timezone
        )
    }
    hour, minute = _clock(settings.monthly_at)
    found[ReportKind.MONTHLY] = CronTrigger(
        day=settings.monthly_day, hour=hour, minute=minute, timezone=timezone
    )
    if settings.hedge_at is not None:
        hour, minute = _clock(settings.hedge_at)
        found[ReportKind.HEDGE] = CronTrigger(
            day_of_week=settings.daily_days, hour=hour, minute=minute, timezone=timezone
        )
    return found


def period_of(kind: ReportKind, fired: datetime) -> str:
    """The period a run fired at `fired` (on the reporting calendar) covers."""
    if kind is ReportKind.MONTHLY:
        before = fired.date().replace(day=1) - timedelta(days=1)
        return f"{before.year:04d}-{before.month:02d}"
    return fired.date().isoformat()


def due(kind: ReportKind, fired: datetime) -> Due:
    """The run of `kind` fired at `fired` (aware, on the reporting calendar)."""
    return Due(kind, period_of(kind, fired), fired.astimezone(UTC))


def missed(schedule: dict[ReportKind, CronTrigger], since: datetime, until: datetime) -> list[Due]:
    """Every run due after `since` and up to `until`, oldest first."""
    found: list[Due] = []
    for kind, trigger in schedule.items():
        fire = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
        while fire is not None and fire <= until and len(found) < MAX_RUNS:
            found.append(due(kind, fire))
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return sorted(found, key=lambda d: d.due_at)
