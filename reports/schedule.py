"""The report schedule: APScheduler cron jobs in the service's own asyncio loop, and the catch-up after
downtime.

The daily report goes out at `reports.daily_at` on `reports.daily_days` and covers that day; the monthly
report goes out on `reports.monthly_day` at `reports.monthly_at` and covers the month before; with
`reports.hedge_at` the hedge report goes out on the daily days too. Times are on the reporting calendar:
the named `timezone` when set, else the trade server's clock (a fixed offset taken at start).

Every run is recorded with its deliveries (storage `report_runs`, `report_deliveries`). On start, runs
that fell due within `reports.catch_up_hours` while the service was down (and after it was first
started) are sent once, marked late; a recipient already sent a run is never sent it again, and one
whose delivery failed gets one more try. Delivery (who, which language, which platform) is the
caller's `deliver`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Generic, Protocol

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from mt5bridge.common.tasks import TaskSet
from reports.models import ReportKind
from reports.periods import last_month
from reports.runs import Charts, Deliver, Due, Handed, R, missed, triggers
from reports.settings import ReportSettings
from storage.reportruns import ReportRunStore
from storage.users import KeyValueStore

log = logging.getLogger(__name__)

FIRST_START_KEY = "reports.first_start"  # runs due before the service first ran are not "missed"
GRACE_SEC = {ReportKind.DAILY: 900, ReportKind.MONTHLY: 3600, ReportKind.HEDGE: 900}


class Source(Protocol[R]):
    """What a schedule builds its runs from: one account's reports (`ReportService`, `RemoteReports`), or
    several accounts' consolidated (`reports.consolidated_source`)."""

    async def today(self) -> date: ...

    async def build(
        self, kind: ReportKind, *, day: date | None = None, month: tuple[int, int] | None = None
    ) -> R: ...

    async def chart(self, report: R, lang: str = "zh") -> bytes: ...


class ReportScheduler(Generic[R]):
    """Cron jobs and the catch-up; a failing run is logged, never fatal."""

    def __init__(
        self,
        reports: Source[R],
        settings: ReportSettings,
        deliver: Deliver[R],
        timezone: tzinfo,
        *,
        runs: ReportRunStore | None = None,
        marks: KeyValueStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        scope: str = "",
    ) -> None:
        self.reports = reports
        self.settings = settings
        self.deliver = deliver
        self.timezone = timezone
        self.runs = runs
        self.marks = marks
        self.clock = clock
        self.scope = scope  # whose runs (a front's account, "all"): in the job ids and the log
        self._suffix = f"@{scope}" if scope else ""
        self.scheduler = AsyncIOScheduler(timezone=timezone)
        self._running: set[tuple[ReportKind, str]] = set()
        self._tasks = TaskSet("reports")

    def start(self, *, catch_up: bool = True) -> None:
        """Add the jobs, start, and begin the catch-up unless told to wait for `begin_catch_up` (call
        inside the running loop; the service starts it once every chat platform is registered)."""
        for kind, trigger in triggers(self.settings, self.timezone).items():
            self.scheduler.add_job(
                self.fire, trigger, args=[kind], id=f"report-{kind.value}{self._suffix}",
                coalesce=True, max_instances=1,
                misfire_grace_time=GRACE_SEC[kind],
            )  # fmt: skip
        self.scheduler.start()
        for job in self.jobs():
            log.info("report %s scheduled, next at %s", job.id, job.next_run_time)
        if catch_up:
            self.begin_catch_up()

    def begin_catch_up(self) -> None:
        """Start the catch-up in the background."""
        self._tasks.spawn(self.catch_up(), "catch-up")

    def jobs(self) -> list[Job]:
        return list(self.scheduler.get_jobs())

    def next_runs(self) -> dict[str, datetime | None]:
        """Job id -> its next run time (aware), for /health-style introspection and tests."""
        return {job.id: job.next_run_time for job in self.jobs()}

    async def fire(self, kind: ReportKind) -> int:
        """A cron job: the run of `kind` due now, for the period the terminal's clock is in (it, not ours,
        decides which day it is on the trade server)."""
        now = self.clock().astimezone(self.timezone).replace(second=0, microsecond=0)
        today = await self.reports.today()
        period = (
            f"{last_month(today)[0]:04d}-{last_month(today)[1]:02d}"
            if kind is ReportKind.MONTHLY
            else today.isoformat()
        )
        return await self.run(Due(kind, period, now.astimezone(UTC)))

    async def catch_up(self) -> int:
        """Send, late and once, every run due within `catch_up_hours` that was not delivered."""
        if self.runs is None or self.settings.catch_up_hours <= 0:
            return 0
        now = self.clock()
        since = now - timedelta(hours=self.settings.catch_up_hours)
        first = await self._first_start(now)
        sent = 0
        for run in missed(triggers(self.settings, self.timezone), max(since, first), now):
            stored = await self.runs.get(run.kind.value, run.period)
            if stored is None or await self._unfinished(run):
                log.info(
                    "report %s %s was due at %s: sending it late", run.kind.value, run.period, run.due_at
                )
                sent += await self.run(run, late=stored is None or stored.late)
        return sent

    async def _first_start(self, now: datetime) -> datetime:
        if self.marks is None:
            return now - timedelta(hours=self.settings.catch_up_hours)
        stored = await self.marks.get(FIRST_START_KEY)
        if isinstance(stored, str):
            return datetime.fromisoformat(stored)
        await self.marks.set(FIRST_START_KEY, now.isoformat())
        return now

    async def _unfinished(self, run: Due) -> bool:
        """Some recipient of a started run may still be owed it (failed once, or never recorded)."""
        assert self.runs is not None  # noqa: S101 - only called with runs
        records = await self.runs.deliveries(run.kind.value, run.period)
        return not records or any(r.state == "failed" for r in records)

    async def run(self, run: Due, *, late: bool = False) -> int:
        """Build the run's report and hand it to its recipients; returns how many took it."""
        key = (run.kind, run.period)
        if key in self._running:
            return 0  # the cron job and the catch-up met on the same run
        self._running.add(key)
        try:
            skip: frozenset[tuple[str, str]] = frozenset()
            if self.runs is not None:
                await self.runs.begin(run.kind.value, run.period, run.due_at, late=late)
                skip = frozenset(await self.runs.settled(run.kind.value, run.period))
            report = await self._build(run)
            chart = self._charts(report) if self.settings.chart else None
            handed = await self.deliver(
                report, chart, skip=skip, late=run.due_at.astimezone(self.timezone) if late else None
            )
        except Exception:
            # the terminal may be down at report time: log it, keep the schedule
            log.exception("scheduled %s%s report %s failed", run.kind.value, self._suffix, run.period)
            return 0
        finally:
            self._running.discard(key)
        for one in handed:
            self._tasks.spawn(self._record(run, one), f"record:{run.kind.value}:{one.platform}:{one.chat_id}")
        log.info(
            "scheduled %s report %s%s handed to %d recipient(s)",
            run.kind.value, run.period, " (late)" if late else "", len(handed),
        )  # fmt: skip
        return len(handed)

    def _charts(self, report: R) -> Charts:
        """The report's chart per language, each drawn once, when first asked for."""
        drawn: dict[str, bytes] = {}

        async def chart(lang: str) -> bytes:
            if lang not in drawn:
                drawn[lang] = await self.reports.chart(report, lang)
            return drawn[lang]

        return chart

    async def _build(self, run: Due) -> R:
        if run.kind is ReportKind.MONTHLY:
            year, month = run.period.split("-")
            return await self.reports.build(run.kind, month=(int(year), int(month)))
        return await self.reports.build(run.kind, day=date.fromisoformat(run.period))

    async def _record(self, run: Due, one: Handed) -> None:
        error = await one.outcome
        if error is None:
            log.info("%s report %s delivered to %s:%s", run.kind.value, run.period, one.platform, one.chat_id)
        else:
            log.warning(
                "%s report %s not delivered to %s:%s: %s",
                run.kind.value,
                run.period,
                one.platform,
                one.chat_id,
                error,
            )
        if self.runs is not None:
            await self.runs.record(run.kind.value, run.period, one.platform, one.chat_id, error)

    async def drain(self) -> None:
        """Wait for the catch-up and for every handed report's outcome to be recorded (tests, shutdown)."""
        await self._tasks.join()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def close(self) -> None:
        """Stop the jobs and the catch-up; outcomes not yet known stay unrecorded (sent again on start)."""
        self.shutdown()
        await self._tasks.close()
