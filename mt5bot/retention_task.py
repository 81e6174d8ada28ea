"""Retention inside the service: once a few minutes after start, then every 24 hours.

Only when `database.retention_days` is set. The work is storage/retention.py's (archive, then delete);
this is the schedule and the logging. A failed run is logged and tried again the next day; rows are
never lost by one (see storage/retention.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection

from aiohttp import web

from mt5bot.keys import DATABASE, SETTINGS
from mt5bridge.common.tasks import TaskSet
from storage.database import Database
from storage.retention import apply_retention, archive_directory
from storage.settings import DatabaseSettings

log = logging.getLogger(__name__)

FIRST_RUN_SEC = 300.0  # after start-up's own work (recovery of open claims, report catch-up)
INTERVAL_SEC = 24 * 3600.0


async def _daily(
    db: Database, settings: DatabaseSettings, days: int, first: float, routed: Collection[str] = ()
) -> None:
    await asyncio.sleep(first)
    while True:
        try:
            # this service's rows only (db.account), and the audit lines it wrote for its bridges
            report = await apply_retention(db.connector, archive_directory(settings), days, routed=routed)
        except Exception:
            log.exception("retention failed; nothing was deleted that is not archived, retrying tomorrow")
        else:
            for table in report.tables:
                if table.archive is not None:
                    log.info("retention: %s: %d rows archived to %s, %d removed",
                             table.table, table.rows, table.archive, table.deleted)  # fmt: skip
        await asyncio.sleep(INTERVAL_SEC)


async def retention_context(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context: the daily retention task while the app runs (none without retention_days)."""
    settings = app[SETTINGS].database
    if settings.retention_days is None:
        yield
        return
    tasks = TaskSet("retention")
    routed = [bridge.name for bridge in app[SETTINGS].accounts]
    daily = _daily(app[DATABASE], settings, settings.retention_days, FIRST_RUN_SEC, routed)
    task = tasks.spawn(daily, "daily")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
