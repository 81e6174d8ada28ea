"""App keys of the reports layer: the report service (REST, chat, CLI) and the schedule."""

from __future__ import annotations

from aiohttp import web

from reports.schedule import ReportScheduler
from reports.service import ReportService

REPORTS = web.AppKey("reports", ReportService)
REPORT_SCHEDULER = web.AppKey("report_scheduler", ReportScheduler)  # set only when reports.enabled
