"""The front's accounts (issue 17): one `AccountDirectory` of the own terminal and the `accounts:` bridges.

A cleanup context of the composition root (mt5bot/app.py). With `accounts:` empty it does nothing and the
service is the single-account service it always was. Otherwise it opens one HTTP session for every
bridge, a `RemoteTrading` and a `BridgeFeed` per bridge (the feed publishes on that account's own
`EventBus`, which the notifier consumes with the account's name), probes every bridge once before the
service answers, and keeps probing (`AccountWatch`). A bridge that is down is marked so and retried with
backoff; nothing else waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

import aiohttp
from aiohttp import web

from api.keys import ACCOUNTS, TRADING
from bot.core.notify import Notifier
from mt5bot.keys import ACCOUNT_BUSES, REPORT_SOURCES, SETTINGS
from mt5bridge.remote import BridgeFeed, RemoteTrading
from mt5bridge.remote.directory import AccountDirectory, AccountEntry, AccountWatch
from mt5bridge.remote.feed import FeedState, FeedStatus
from mt5bridge.trading.events import EventBus
from reports.across import AccountsReports, AccountsRun
from reports.chartpool import ChartPool
from reports.keys import REPORTS
from reports.models import Report
from reports.remote import RemoteReports, ReportSource
from reports.runs import Charts, Deliver, Handed
from reports.schedule import ReportScheduler
from reports.settings import ReportSettings
from storage.database import Database

log = logging.getLogger(__name__)

WATCH_INTERVAL_SEC = 15.0
ALL_RUNS = "*"  # the report runs of the consolidated schedule (account names cannot hold a "*")


def _feed_changed(entry: AccountEntry, watch: AccountWatch) -> Callable[[FeedStatus], None]:
    """On a feed back from a break: probe at once, so /accounts and the chat see it up again."""

    def changed(status: FeedStatus) -> None:
        if status.state is FeedState.CONNECTED:
            asyncio.get_running_loop().create_task(watch.check(), name=f"account-check:{entry.name}")
        elif status.state is FeedState.RECONNECTING:
            log.warning("account %s: event feed lost (%s); reconnecting", entry.name, status.last_error)

    return changed


async def accounts_context(app: web.Application) -> AsyncIterator[None]:
    """The directory of accounts, their feeds and the watch (only when `accounts:` is configured)."""
    settings = app[SETTINGS]
    if not settings.accounts:
        yield
        return
    session = aiohttp.ClientSession()
    entries: list[AccountEntry] = []
    sources: dict[str, ReportSource] = {}
    buses: dict[str, EventBus] = {}
    if settings.account.terminal:
        own = settings.account
        entries.append(AccountEntry(own.name, own.label, app[TRADING]))
        sources[own.name] = app[REPORTS]
    charts = ChartPool()  # the bridges' report charts are drawn here, from their figures
    for bridge in settings.accounts:
        client = RemoteTrading(bridge, session)
        entries.append(AccountEntry(bridge.name, bridge.label, client, remote=client))
        sources[bridge.name] = RemoteReports(client, charts)
    directory = AccountDirectory(entries)
    watch = AccountWatch(directory, interval=WATCH_INTERVAL_SEC)
    await watch.check()  # the first statuses (and each bridge's UTC offset) before serving
    for entry in directory:
        if entry.remote is not None:
            buses[entry.name] = EventBus()
            entry.feed = BridgeFeed(
                entry.remote.settings, session=session, bus=buses[entry.name],
                on_status=_feed_changed(entry, watch),
            )  # fmt: skip
            entry.feed.start()
    watch.start()
    app[ACCOUNTS], app[ACCOUNT_BUSES], app[REPORT_SOURCES] = directory, buses, sources
    log.info(
        "accounts: %s",
        ", ".join(f"{e.name} ({'local' if e.remote is None else e.status.state.value if e.status else '?'})"
                  for e in directory),
    )  # fmt: skip
    yield
    await watch.stop()
    for entry in directory:
        if entry.feed is not None:
            await entry.feed.stop()
    for bus in buses.values():
        await bus.close()
    with contextlib.suppress(Exception):
        charts.close()
    await session.close()


def front_schedulers(
    directory: AccountDirectory,
    sources: dict[str, ReportSource],
    settings: ReportSettings,
    notifier: Notifier,
    db: Database,
) -> list[ReportScheduler[Any]]:
    """A front's report schedules: one per account (sent to that account's users, headed by its name)
    and the consolidated one (to users of two accounts or more). Each bridge's runs are recorded as
    under the bridge's name as their account, the consolidated under `*` (no account is called that);
    the own terminal's under the front's own name, as on any service."""
    schedulers: list[ReportScheduler[Any]] = []
    for entry in directory:
        source = sources[entry.name]
        runs = db.reports if entry.remote is None else db.reports.for_account(entry.name)
        deliver = _deliver_for(notifier, entry.name)
        schedulers.append(
            ReportScheduler(
                source, settings, deliver, _calendar(source), runs=runs, marks=db.settings, scope=entry.name
            )
        )
    across = AccountsReports(sources, {e.name: e.shown for e in directory})
    calendar = _calendar(sources[directory.default.name])
    consolidated: ReportScheduler[AccountsRun] = ReportScheduler(
        across, settings, notifier.broadcast_consolidated, calendar, runs=db.reports.for_account(ALL_RUNS),
        marks=db.settings, scope="all",
    )  # fmt: skip
    return [*schedulers, consolidated]


def _calendar(source: ReportSource) -> tzinfo:
    calendar = getattr(source, "calendar", None)
    return calendar() if callable(calendar) else UTC


def _deliver_for(notifier: Notifier, account: str) -> Deliver[Report]:
    """The notifier's broadcast of one account's report (its users only, headed by its name)."""

    async def deliver(
        report: Report,
        chart: bytes | Charts | None,
        *,
        skip: frozenset[tuple[str, str]] = frozenset(),
        late: datetime | None = None,
    ) -> list[Handed]:
        return await notifier.broadcast_report(report, chart, skip=skip, late=late, account=account)

    return deliver
