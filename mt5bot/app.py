"""The composition root: one aiohttp application holding every long-lived resource in a cleanup context.

Resources (database, terminal client, simulator state saver) are reached through typed `AppKey`s, never
module globals. Later issues add the trading core, the API routes, the chat adapters and the scheduler
here, each as one more cleanup context.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.engine import make_url

from api.front import OWN_ACCOUNT
from api.keys import ACCOUNTS, BUS, CLIENT, HEARTBEAT, RULES, STARTED, TRADING, WS_CONNECTIONS
from api.setup import setup_api
from bot.core import ChatCore
from bot.core.notify import Notifier
from bot.core.opswatch import OpsWatcher
from bot.core.status import StatusSources
from bot.core.terminal_admin import WatchdogNotices
from bot.keys import CHAT_CORE, NOTIFIER, STATUS
from bot.onebot.app import setup_onebot
from bot.qqbot.app import setup_qqbot
from bot.telegram.app import setup_telegram
from bot.wecom.app import setup_wecom
from mt5bot.backend import open_backend
from mt5bot.config import Settings
from mt5bot.front import accounts_context, front_schedulers
from mt5bot.keys import (
    ACCOUNT_BUSES,
    DATABASE,
    REPORT_SCHEDULERS,
    REPORT_SOURCES,
    SETTINGS,
    SIMULATOR,
    WATCHDOG,
)  # fmt: skip
from mt5bot.retention_task import retention_context
from mt5bridge.common.errorcount import ErrorCounter
from mt5bridge.simulator import Simulator, sessions
from mt5bridge.simulator.persist import detach_journal, save_state
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.heartbeat import Heartbeat
from mt5bridge.terminal.watchdog import TerminalWatchdog
from mt5bridge.trading.events import BusLinkListener, EventBus
from mt5bridge.trading.events.ticks import TickPoller
from mt5bridge.trading.events.watchdog import BusWatchdogListener
from mt5bridge.trading.events.watcher import TradeWatcher
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.runner import RuleRunner
from mt5bridge.trading.rules.service import RuleService
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.snapshots import SnapshotRecorder
from nlu.lexicon import lexicon
from nlu.llm import LLMParser
from reports.chartpool import ChartPool
from reports.keys import REPORT_SCHEDULER, REPORTS
from reports.schedule import ReportScheduler
from reports.service import ReportService
from storage.database import Database

log = logging.getLogger(__name__)

# Each trade is journaled before it is acknowledged; this periodic snapshot only compacts the journal
# and keeps the resume point (clock, quotes) recent.
STATE_SAVE_SEC = 30.0


def simulator_state_path(settings: Settings) -> Path:
    """`mt5.simulator.state_file`, else `simulator-state.json` next to the SQLite database (else ./data)."""
    if settings.mt5.simulator.state_file:
        return Path(settings.mt5.simulator.state_file)
    url = make_url(settings.database.url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent / "simulator-state.json"
    return Path("data") / "simulator-state.json"


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DATABASE] = await Database.open(app[SETTINGS].database.url, account=app[SETTINGS].account.name)
    yield
    await app[DATABASE].close()


async def _save_periodically(sim: Simulator, path: Path) -> None:
    while True:
        await asyncio.sleep(STATE_SAVE_SEC)
        try:
            await asyncio.to_thread(save_state, sim, path)
        except OSError:
            log.exception("could not save the simulator state to %s", path)


async def _terminal(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    state_path = simulator_state_path(settings)
    terminal = await asyncio.to_thread(open_backend, settings.mt5, state_path)
    sim = terminal if isinstance(terminal, Simulator) else None
    offset = settings.mt5.server_utc_offset
    if sim is not None:
        offset = sessions.server_time_from_utc(datetime.now(UTC)) - int(time.time())
    client = MT5Client(
        terminal, call_timeout=settings.mt5.call_timeout_sec, server_utc_offset=round((offset or 0) / 60) * 60
    )
    app[CLIENT] = client
    await client.connect()
    log.info("terminal %s: %s", type(terminal).__name__, "connected" if client.connected else "NOT connected")
    saver = None
    if sim is not None:
        app[SIMULATOR] = sim
        saver = asyncio.create_task(_save_periodically(sim, state_path), name="simulator-state-saver")
    yield
    if sim is not None and saver is not None:
        saver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saver
        await asyncio.to_thread(save_state, sim, state_path)
        detach_journal(sim)
        log.info("simulator state saved to %s", state_path)
    await client.close()


async def _live(app: web.Application) -> AsyncIterator[None]:
    """The event bus and its feeders (heartbeat, trade watcher, tick poller), snapshots, the trading core."""
    settings, client = app[SETTINGS], app[CLIENT]
    bus = EventBus()
    heartbeat = Heartbeat(client, BusLinkListener(bus), settings.mt5)
    parts: list[Heartbeat | TradeWatcher | TickPoller | SnapshotRecorder | TerminalWatchdog] = [
        heartbeat,
        TradeWatcher(client, bus),
        TickPoller(client, bus),
        SnapshotRecorder(client, app[DATABASE], settings.database.snapshot_interval_sec),
    ]
    if settings.mt5.watchdog.enabled:  # restarts terminal64.exe (off by default: see terminal-layer.md)
        app[WATCHDOG] = TerminalWatchdog(settings.mt5, heartbeat, BusWatchdogListener(bus))
        parts.append(app[WATCHDOG])
    app[BUS], app[HEARTBEAT] = bus, heartbeat
    app[TRADING] = TradingService(
        client,
        app[DATABASE],
        settings.risk,
        timezone=settings.timezone,
        heartbeat=heartbeat,
        aliases=lexicon(settings.nlu.aliases).resolve,
    )
    rule_source = SnapshotSource(
        client, timezone=settings.timezone, snapshots=app[DATABASE].snapshots,
        snapshot_interval_sec=settings.database.snapshot_interval_sec,
    )  # fmt: skip
    app[RULES] = RuleService(app[TRADING], app[DATABASE], rule_source)  # the runner reads rule_source too
    charts = ChartPool()  # a worker process, started by the first chart
    app[REPORTS] = ReportService(
        app[TRADING], settings, charts=charts,
        snapshots=app[DATABASE].snapshots, snapshot_interval_sec=settings.database.snapshot_interval_sec,
    )  # fmt: skip
    if client.connected:
        # One check before serving, so the first order after "listening" is not refused as "terminal
        # not connected" while the heartbeat's first round is still pending.
        await heartbeat.check_once()
    for part in parts:
        part.start()
    started = datetime.now(UTC)
    grace = settings.mt5.call_timeout_sec + 5.0
    recovery = asyncio.create_task(_settle_open_claims(app[TRADING], started, grace), name="claim-recovery")
    yield
    recovery.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await recovery
    for part in reversed(parts):
        await part.stop()
    await bus.close()  # ends the consumers' tasks (notifier, WS feeds) instead of leaving them pending
    charts.close()


async def _settle_open_claims(trading: TradingService, started: datetime, grace: float) -> None:
    """Settle the requests a crash left in progress, once the terminal answers (never resending).

    It waits `grace` (one terminal call timeout and a margin) first: should another process still be
    sending under one of those claims, its answer or its timeout comes within that time.
    """
    await asyncio.sleep(grace)
    delay = 1.0
    while True:
        try:
            settled = await trading.settle_open_claims(created_before=started)
        except MT5Error as exc:
            log.warning("cannot settle open requests yet (%s); retrying in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
            continue
        if settled:
            log.warning("settled %d request(s) left open by the previous run", settled)
        return


async def _chat(app: web.Application) -> AsyncIterator[None]:
    """The chat core every chat adapter uses, and its notifier on the event bus(es)."""
    settings = app[SETTINGS]
    directory = app.get(ACCOUNTS)
    llm = (
        LLMParser(settings.llm, settings.nlu.aliases, settings.nlu.price_bands, settings.parser_accounts())
        if settings.llm.configured
        else None
    )
    core = ChatCore(
        app.get(TRADING), app[DATABASE], settings, llm=llm, reports=app.get(REPORTS),
        watchdog=app.get(WATCHDOG), accounts=directory, report_sources=app.get(REPORT_SOURCES),
        rules=app.get(RULES),
    )  # fmt: skip
    notifier = core.notifier()
    app[CHAT_CORE], app[NOTIFIER] = core, notifier
    _notify_accounts(app, notifier)
    app[STATUS] = core.commands.admin.sources = StatusSources(
        db=app[DATABASE], started=app[STARTED], trading=app.get(TRADING), heartbeat=app.get(HEARTBEAT),
        bus=app.get(BUS), notifier=notifier, errors=ErrorCounter.on(),
    )  # fmt: skip
    if BUS in app:  # the watchdog gave up / terminal back -> admins
        WatchdogNotices(settings, notifier).start(app[BUS])
    routed = tuple(b.name for b in settings.accounts)  # a front also watches what it routed to its bridges
    ops = OpsWatcher(settings, app[DATABASE], notifier, routed=routed)  # rejections, disk, database -> admins
    ops.start()
    schedulers: list[ReportScheduler[Any]] = []
    db = app[DATABASE]
    if settings.reports.enabled and directory is not None:  # per account, and the consolidated one
        schedulers = front_schedulers(directory, app[REPORT_SOURCES], settings.reports, notifier, db)
    elif settings.reports.enabled:
        reports = app[REPORTS]
        one = ReportScheduler(
            reports, settings.reports, notifier.broadcast_report, reports.calendar(),
            runs=db.reports, marks=db.settings,
        )  # fmt: skip
        schedulers = [one]
        app[REPORT_SCHEDULER] = schedulers[0]
    for scheduler in schedulers:
        scheduler.start(catch_up=False)  # once the chat platforms are up: _catch_up below
    app[REPORT_SCHEDULERS] = schedulers
    yield
    for scheduler in schedulers:
        await scheduler.close()
    await ops.close()
    await notifier.close()
    if llm is not None:
        await llm.close()


async def _rule_runner(app: web.Application) -> AsyncIterator[None]:
    """The trade-management rules' runner on the own terminal's bus (docs/rules.md, "Runner"); it reads the
    rule service's snapshot source (one start-of-day equity for both) and stops before the notifier."""
    db = app[DATABASE]
    source = app[RULES].source
    runner = RuleRunner(app[TRADING], app[BUS], RuleRepository(db.rules), source, marks=db.settings)
    await runner.start()
    unlisten = app[RULES].listen(runner.changed)  # a confirmed or removed rule runs (or stops) at once
    yield
    unlisten()
    await runner.stop()


def _notify_accounts(app: web.Application, notifier: Notifier) -> None:
    """The notifier on the own terminal's bus and, on a front, on each bridge's (named per account)."""
    directory = app.get(ACCOUNTS)
    if directory is None:
        notifier.start(app[BUS])
        return
    for entry in directory:
        bus = app[BUS] if entry.remote is None else app[ACCOUNT_BUSES][entry.name]
        notifier.start_account(bus, entry.name, entry.shown, entry.port)


def create_app(settings: Settings) -> web.Application:
    """The service as an aiohttp application (start it with an AppRunner)."""
    app = web.Application(client_max_size=256 * 1024)
    app[SETTINGS] = settings
    app[STARTED] = time.monotonic()
    app.cleanup_ctx.append(_database)
    if settings.account.terminal:  # false: a front that only routes to its bridges (docs/accounts.md)
        app.cleanup_ctx.append(_terminal)
        app.cleanup_ctx.append(_live)
    app.cleanup_ctx.append(accounts_context)  # a front's bridges; nothing without `accounts:`
    app.cleanup_ctx.append(_chat)
    if settings.account.terminal:  # after the notifier: its first actions are notified; stopped first
        app.cleanup_ctx.append(_rule_runner)
    app.cleanup_ctx.append(retention_context)  # daily, when database.retention_days is set
    setup_telegram(app, settings.telegram)
    setup_onebot(app, settings.onebot)
    setup_wecom(app, settings.wecom)
    setup_qqbot(app, settings.qqbot)
    app[WS_CONNECTIONS] = set()
    app[OWN_ACCOUNT] = settings.account  # `?account=` names it; a front's bridges are in ACCOUNTS
    setup_api(app, settings.server, settings.security)
    app.on_startup.append(_catch_up)  # after every cleanup context: the adapters have registered
    return app


async def _catch_up(app: web.Application) -> None:
    """Send the reports missed while the service was down (reports/schedule.py)."""
    for scheduler in app.get(REPORT_SCHEDULERS, []):
        scheduler.begin_catch_up()
