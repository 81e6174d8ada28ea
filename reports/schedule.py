"""The report schedule: APScheduler cron jobs in the service's own asyncio loop.

The daily report goes out at `reports.daily_at` on `reports.daily_days` and covers that day; the monthly
report goes out on `reports.monthly_day` at `reports.monthly_at` and covers the month before. Times are on
the reporting calendar: the named `timezone` when set, else the trade server's clock (a fixed offset taken
at start; a server that shifts its clock for DST moves the jobs by an hour until the next restart).
Delivery (who gets it, in which language, on which platform) is the caller's `deliver` callback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from reports.models import Report, ReportKind
from reports.periods import last_month
from reports.service import ReportService
from reports.settings import ReportSettings

log = logging.getLogger(__name__)

Deliver = Callable[[Report, bytes | None], Awaitable[int]]
"""Send a report (and its chart) to every subscriber; returns how many got it."""


def _clock(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


class ReportScheduler:
    """Cron jobs that build a report and hand it to `deliver`; a failing run is logged, never fatal."""

    def __init__(
        self, reports: ReportService, settings: ReportSettings, deliver: Deliver, timezone: tzinfo
    ) -> None:
        self.reports = reports
        self.settings = settings
        self.deliver = deliver
        self.timezone = timezone
        self.scheduler = AsyncIOScheduler(timezone=timezone)

    def start(self) -> None:
        """Add the jobs and start (call inside the running loop)."""
        hour, minute = _clock(self.settings.daily_at)
        self.scheduler.add_job(
            self.send, CronTrigger(day_of_week=self.settings.daily_days, hour=hour, minute=minute,
                                   timezone=self.timezone),
            args=[ReportKind.DAILY], id="report-daily", coalesce=True, max_instances=1,
            misfire_grace_time=900,
        )  # fmt: skip
        hour, minute = _clock(self.settings.monthly_at)
        self.scheduler.add_job(
            self.send, CronTrigger(day=self.settings.monthly_day, hour=hour, minute=minute,
                                   timezone=self.timezone),
            args=[ReportKind.MONTHLY], id="report-monthly", coalesce=True, max_instances=1,
            misfire_grace_time=3600,
        )  # fmt: skip
        self.scheduler.start()
        for job in self.jobs():
            log.info("report %s scheduled, next at %s", job.id, job.next_run_time)

    def jobs(self) -> list[Job]:
        return list(self.scheduler.get_jobs())

    def next_runs(self) -> dict[str, datetime | None]:
        """Job id -> its next run time (aware), for /health-style introspection and tests."""
        return {job.id: job.next_run_time for job in self.jobs()}

    async def send(self, kind: ReportKind) -> int:
        """Build the report of `kind` as the schedule means it and deliver it; returns recipients reached."""
        try:
            if kind is ReportKind.MONTHLY:
                report = await self.reports.build(kind, month=last_month(await self.reports.today()))
            else:
                report = await self.reports.build(kind)
            chart = await self.reports.chart(report) if self.settings.chart else None
            sent = await self.deliver(report, chart)
        except Exception:
            # the terminal may be down at report time: log it, keep the schedule
            log.exception("scheduled %s report failed", kind.value)
            return 0
        log.info("scheduled %s report %s sent to %d recipient(s)", kind.value, report.label, sent)
        return sent

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
