"""ReportService: gathers a report's data from the trading core and builds it (the one place that does I/O).

Chat commands, the scheduler, the REST API and `mt5bot report` all call this, so a report reads the same
everywhere. Which window each kind covers:
- daily: a reporting day (default today);
- monthly: a calendar month (default the current one), day by day up to today;
- hedge: today's P&L, with the analysis of the open positions as its point.
"""

from __future__ import annotations

import asyncio
from calendar import monthrange
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from mt5bridge.trading.periods import Window, range_window, reporting_date
from mt5bridge.trading.service import TradingService
from reports.charts import render_chart
from reports.errors import ReportRequestError
from reports.models import Report, ReportKind
from reports.numbers import build_report, month_days
from reports.periods import check_year
from reports.settings import Settings


class ReportService:
    """Builds reports from the terminal through the trading core; charts render off the event loop."""

    def __init__(self, trading: TradingService, settings: Settings) -> None:
        self.trading = trading
        self.settings = settings

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
        days: list[tuple[date, Window]] = []
        if kind is ReportKind.MONTHLY:
            year, number = month or (today.year, today.month)
            check_year(year, f"month {year}-{number:02d}")
            if (year, number) > (today.year, today.month):
                raise ReportRequestError(f"{year}-{number:02d} has not begun yet")
            first, last = date(year, number, 1), date(year, number, monthrange(year, number)[1])
            window = self._window(first, last)
            days = month_days(first, last, tz=self.trading.timezone, server_utc_offset=self.offset)
        else:
            target = day or today
            check_year(target.year, f"date {target.isoformat()}")
            if target > today:
                raise ReportRequestError(f"{target.isoformat()} has not happened yet")
            window = self._window(target, target)
        deals, entry_magic = await self.trading.history(window)
        positions = await self.trading.positions()
        account = await self.trading.account()
        return build_report(
            kind,
            window,
            deals=deals,
            positions=positions,
            account=account,
            entry_magic=entry_magic,
            server_utc_offset=self.offset,
            rules=self.settings.reports.hedge,
            ea_names=self.settings.reports.ea_names,
            now=datetime.fromtimestamp(now_server - self.offset, UTC),
            days=days,
            include_floating=await self.trading.includes_now(window),
            margin_level_below=self.settings.alerts.margin_level_below,
            magic=magic,
        )

    def _window(self, first: date, last: date) -> Window:
        return range_window(first, last, tz=self.trading.timezone, server_utc_offset=self.offset)

    async def chart(self, report: Report, lang: str = "zh") -> bytes:
        """The report's PNG chart in `lang`, drawn in a worker thread (matplotlib blocks for ~100 ms)."""
        return await asyncio.to_thread(render_chart, report, lang)
