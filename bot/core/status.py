"""The service's status in one typed model, gathered from the live parts: `/status` and the REST API
(`GET /api/v1/status`) both call `gather` and only render its answer.

Every figure is read from the part that owns it (the heartbeat, the outboxes, the event bus, the report
runs, the database, the error counter on the root logger); a part the caller did not hand over (a test, a
chat-only setup) shows as unknown rather than as a made-up zero.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.core.notify import Notifier
from mt5bridge.common.errorcount import ErrorCounter
from mt5bridge.common.version import __version__
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
from mt5bridge.trading.events import EventBus
from mt5bridge.trading.service import TradingService
from storage.database import Database
from storage.probe import database_size

log = logging.getLogger(__name__)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TerminalStatus(_Model):
    """The heartbeat's view of the terminal link."""

    state: LinkState
    connected_since: datetime | None
    trade_allowed: bool
    last_heartbeat: datetime | None


class QueueDepth(_Model):
    """Messages or events waiting in one queue; `dropped`: lost to a full queue since the start."""

    name: str
    waiting: int
    dropped: int = 0


class LastReport(_Model):
    """The scheduled report started last and how its delivery went."""

    kind: str
    period: str
    started_at: datetime
    late: bool
    sent: int
    failed: int


class DatabaseStatus(_Model):
    dialect: str
    size_bytes: int | None


class ServiceStatus(_Model):
    """What an admin needs to know at a glance."""

    version: str
    uptime_sec: float
    log_level: str
    paused: bool | None
    read_only: bool | None
    terminal: TerminalStatus | None
    outboxes: list[QueueDepth]
    bus: list[QueueDepth]
    last_report: LastReport | None
    database: DatabaseStatus
    errors_last_hour: int | None


@dataclass
class StatusSources:
    """The live parts `gather` reads; the composition root hands over those it built."""

    db: Database
    started: float  # time.monotonic() when the service started
    trading: TradingService | None = None
    heartbeat: Heartbeat | None = None
    bus: EventBus | None = None
    notifier: Notifier | None = None
    errors: ErrorCounter | None = None


async def gather(src: StatusSources) -> ServiceStatus:
    """The status as of now (a few cheap reads: the database is asked twice, nothing else waits)."""
    trading = src.trading
    return ServiceStatus(
        version=__version__,
        uptime_sec=round(time.monotonic() - src.started, 1),
        log_level=logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower(),
        paused=trading.paused if trading else None,
        read_only=trading.read_only if trading else None,
        terminal=_terminal(src.heartbeat),
        outboxes=_outboxes(src.notifier),
        bus=_bus(src.bus),
        last_report=await _last_report(src.db),
        database=DatabaseStatus(dialect=src.db.dialect, size_bytes=await _size(src.db)),
        errors_last_hour=src.errors.count() if src.errors else None,
    )


def _terminal(heartbeat: Heartbeat | None) -> TerminalStatus | None:
    if heartbeat is None:
        return None
    return TerminalStatus(
        state=heartbeat.state,
        connected_since=heartbeat.connected_since,
        trade_allowed=heartbeat.trade_allowed,
        last_heartbeat=heartbeat.last_ok,
    )


def _outboxes(notifier: Notifier | None) -> list[QueueDepth]:
    if notifier is None:
        return []
    return [
        QueueDepth(name=platform, waiting=sum(box.waiting().values()))
        for platform, box in sorted(notifier.outboxes().items())
    ]


def _bus(bus: EventBus | None) -> list[QueueDepth]:
    if bus is None:
        return []
    return [QueueDepth(name=s.name, waiting=s.pending, dropped=s.dropped) for s in bus.subscriptions]


async def _last_report(db: Database) -> LastReport | None:
    run = await db.reports.latest()
    if run is None:
        return None
    states = [d.state for d in await db.reports.deliveries(run.kind, run.period)]
    return LastReport(
        kind=run.kind, period=run.period, started_at=run.started_at, late=run.late,
        sent=states.count("sent"), failed=states.count("failed"),
    )  # fmt: skip


async def _size(db: Database) -> int | None:
    try:
        return await database_size(db)
    except Exception:  # a status page must answer even when the database is the thing that broke
        log.warning("could not read the database size", exc_info=True)
        return None
