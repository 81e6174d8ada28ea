"""ReportService: gathers a report's data from the trading core and builds it (the one place that does I/O).

Chat commands, the scheduler, the REST API and `mt5bot report` all call this, so a report reads the same
everywhere. Which window each kind covers:
- daily: a reporting day (default today);
- monthly: a calendar month (default the current one), day by day up to today;
- hedge: today's P&L, with the analysis of the open positions as its point.
"""

from __future__ import annotations

import asyncio
import gc
from calendar import monthrange
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any

from mt5bridge.trading.periods import Window, range_window, reporting_date
from mt5bridge.trading.pnl import DealLike
from mt5bridge.trading.service import TradingService
from reports.chartpool import ChartPool
from reports.charts import render_chart
from reports.equity import SnapshotSource, balance_operations, load_curve
from reports.errors import ReportRequestError
from reports.models import CashOperation, Report, ReportKind
from reports.numbers import build_report, month_days
from reports.periods import check_year
from reports.settings import Settings

_paused = 0  # report builds under way with automatic garbage collection paused (_collections_paused)


@contextmanager
def _collections_paused() -> Iterator[None]:
    """Automatic garbage collection paused while a report holds its deals.

    A busy month means hundreds of thousands of tuples alive at once (the terminal's structures, then the
    rows): enough new objects to set off full collections, each walking every object of the process with
    the GIL held (~150 ms each on the busy-account benchmark, the event loop waiting). They form no
    cycles and reference counting frees them as soon as the report is built, so those collections would
    find nothing to free: pausing them costs only their delay. Overlapping builds keep collection paused
    until the last one ends; a process that turned collection off itself is left as it is.
    """
    global _paused  # the collector is one per process, and so is this count
    if _paused == 0 and not gc.isenabled():
        yield
        return
    gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


def _build(
    held: list[Sequence[DealLike]], kind: ReportKind, window: Window, **options: Any
) -> tuple[Report, list[CashOperation]]:
    """`build_report` over the deals in `held`, taken out of it, and the deposits and withdrawals among
    them: in a worker thread, which then frees them (tens of thousands of rows take ~20 ms to free; the
    event loop would wait for it)."""
    deals = held.pop()
    cash = balance_operations(deals, options["server_utc_offset"]) if kind is ReportKind.MONTHLY else []
    return build_report(kind, window, deals=deals, **options), cash


class ReportService:
    """Builds reports from the terminal through the trading core; charts render off the event loop."""

    def __init__(
        self,
        trading: TradingService,
        settings: Settings,
        *,
        snapshots: SnapshotSource | None = None,
        snapshot_interval_sec: float = 60.0,
        charts: ChartPool | None = None,
    ) -> None:
        self.trading = trading
        self.settings = settings
        self.charts = charts  # None: charts drawn in a worker thread (tests, one-off tools)
        self.snapshots = snapshots  # the recorded account snapshots: the monthly equity curve
        self.snapshot_interval_sec = snapshot_interval_sec

    @property
    def offset(self) -> int:
        return self.trading.server_utc_offset

    def calendar(self) -> tzinfo:
        """The reporting calendar's zone: `timezone`, else the trade server's offset from UTC (fixed)."""
        return self.trading.timezone or timezone(timedelta(seconds=self.offset))

    async def _now(self) -> tuple[int, date]:
        """The terminal's clock (server scale; it, not ours, decides "now") and its reporting date."""
        now_server = await self.trading.server_now()
        return now_server, reporting_date(now_server, tz=self.trading.timezone, server_utc_offset=self.offset)

    async def today(self) -> date:
        """Today on the reporting calendar."""
        return (await self._now())[1]

    async def build(
        self,
        kind: ReportKind,
        *,
        day: date | None = None,
        month: tuple[int, int] | None = None,
        magic: int | None = None,
    ) -> Report:
        """The report of `kind` for a day (daily, hedge) or a month (monthly); default the current one.

        `magic` scopes it to one EA: its figures, books and suggestions only (`build_report`)."""
        now_server, today = await self._now()
        window, days = self._period(kind, day, month, today)
        with _collections_paused():
            # The open positions first: their open times tell the history how far back to look.
            positions = await self.trading.positions()
            deals, entry_magic = await self.trading.history_rows(window, positions=positions)
            account = await self.trading.account()
            held: list[Sequence[DealLike]] = [
                deals
            ]  # handed over: the worker thread frees them, not the event loop (see _build)
            del deals
            report, cash = await asyncio.to_thread(
                _build,
                held,
                kind,
                window,
                positions=positions,
                account=account,
                entry_magic=entry_magic,
                server_utc_offset=self.offset,
                rules=self.settings.reports.hedge,
                ea_names=self.settings.reports.ea_names,
                now=datetime.fromtimestamp(now_server - self.offset, UTC),
                days=days,
                include_floating=window.end >= now_server,  # the window reaches the present
                margin_level_below=self.settings.alerts.margin_level_below,
                magic=magic,
            )
        # The account's path for the month; an EA's report has none (balance and equity are the account's).
        if kind is ReportKind.MONTHLY and magic is None and self.snapshots is not None:
            curve = await load_curve(
                self.snapshots, report.start, report.end, login=account.login, cash=cash,
                interval_sec=self.snapshot_interval_sec, now=report.generated_at,
            )  # fmt: skip
            report = report.model_copy(update={"equity": curve})
        return report

    def _period(
        self, kind: ReportKind, day: date | None, month: tuple[int, int] | None, today: date
    ) -> tuple[Window, list[tuple[date, Window]]]:
        """The report's window and, for a monthly report, its days; refused when malformed or future."""
        if kind is ReportKind.MONTHLY:
            year, number = month or (today.year, today.month)
            check_year(year, f"month {year}-{number:02d}")
            if (year, number) > (today.year, today.month):
                raise ReportRequestError(f"{year}-{number:02d} has not begun yet")
            first, last = date(year, number, 1), date(year, number, monthrange(year, number)[1])
            days = month_days(first, last, tz=self.trading.timezone, server_utc_offset=self.offset)
            return self._window(first, last), days
        target = day or today
        check_year(target.year, f"date {target.isoformat()}")
        if target > today:
            raise ReportRequestError(f"{target.isoformat()} has not happened yet")
        return self._window(target, target), []

    def _window(self, first: date, last: date) -> Window:
        return range_window(first, last, tz=self.trading.timezone, server_utc_offset=self.offset)

    async def chart(self, report: Report, lang: str = "zh") -> bytes:
        """The report's PNG chart in `lang`, drawn off the event loop: in the chart worker process when the
        service has one (matplotlib holds the GIL), else in a worker thread."""
        if self.charts is not None:
            return await self.charts.draw(report, lang)
        return await asyncio.to_thread(render_chart, report, lang)
