"""Reports of a remote account: the bridge computes them (its `/reports` routes), the front draws the chart.

`ReportSource` is what the chat asks of any account's reports; `ReportService` (a local terminal) and
`RemoteReports` (a bridge) both have it. A bridge's report is its own `ReportService`'s, figure for
figure, so the consolidated report (reports/consolidated.py) adds up the very numbers each account shows.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta, timezone, tzinfo
from typing import Protocol

from mt5bridge.remote.client import RemoteTrading
from mt5bridge.trading.periods import Period, reporting_date
from reports.chartpool import ChartPool
from reports.charts import render_chart
from reports.models import Report, ReportKind


class ReportSource(Protocol):
    """One account's reports."""

    async def today(self) -> date: ...

    async def build(
        self,
        kind: ReportKind,
        *,
        day: date | None = None,
        month: tuple[int, int] | None = None,
        magic: int | None = None,
    ) -> Report: ...

    async def chart(self, report: Report, lang: str = "zh") -> bytes: ...

    def calendar(self) -> tzinfo: ...


class RemoteReports:
    """A bridge's reports over its REST API (`GET /api/v1/reports/{kind}`)."""

    def __init__(self, client: RemoteTrading, charts: ChartPool | None = None) -> None:
        self.client = client
        self.charts = charts

    def calendar(self) -> tzinfo:
        """The bridge's reporting calendar: its `timezone`, else its server's offset from UTC (as last
        read: probe the bridge first)."""
        return self.client.timezone or timezone(timedelta(seconds=self.client.server_utc_offset))

    async def today(self) -> date:
        """Today on the bridge's reporting calendar (the start of its `today` window)."""
        window = await self.client.window(Period.TODAY)
        client = self.client
        return reporting_date(window.start, tz=client.timezone, server_utc_offset=client.server_utc_offset)

    async def build(
        self,
        kind: ReportKind,
        *,
        day: date | None = None,
        month: tuple[int, int] | None = None,
        magic: int | None = None,
    ) -> Report:
        """The bridge's report of `kind` for a day or a month (default the current one)."""
        params: dict[str, str | int | None] = {"magic": magic}
        if day is not None:
            params["date"] = day.isoformat()
        if month is not None:
            params["month"] = f"{month[0]:04d}-{month[1]:02d}"
        return Report.model_validate(await self.client.read(f"/reports/{kind.value}", params))

    async def chart(self, report: Report, lang: str = "zh") -> bytes:
        """The chart drawn here from the report's figures (the same drawing the bridge would do)."""
        if self.charts is not None:
            return await self.charts.draw(report, lang)
        return await asyncio.to_thread(render_chart, report, lang)
