"""The ops watcher: every `alerts.check_interval_sec` it looks at the service itself and warns admins.

- Rejected orders: the audit log's new `rejected` lines with a retcode (from chat, REST or the scheduler
  alike, since every execution is audited), fed to `Rejections` (opsrules.py). Reading the audit log keeps
  the trading core unaware of the chat: it already writes every rejection there.
- Free disk where the data lives (`shutil.disk_usage`), against `alerts.disk_free_below_mb`.
- The database: one small write (`storage.probe.probe_write`); a failure is a warning, the next success a
  recovery.
Warnings go to every configured admin on a registered platform (whatever their subscription: this is the
service talking to whoever runs it), rendered from `ops.j2` in their language, through the platform's
outbox like every notification. The decisions are opsrules.py's; this module only measures and sends.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from bot.core.notify import Notifier
from bot.core.opsrules import OpsAlert, Rejections, database_alert, disk_alert, rejected_retcode
from bot.settings import Settings, UserEntry
from mt5bridge.common.roles import Role
from mt5bridge.common.tasks import TaskSet
from storage.database import Database
from storage.models import Outcome
from storage.probe import data_dir, probe_write

log = logging.getLogger(__name__)

# Audit lines read per check at most; a storm beyond it is still a storm (the warning says "at least").
AUDIT_BATCH = 1000
MB = 1024 * 1024


def free_mb(path: Path) -> float:
    """Free space (MB) on the disk holding `path` (its nearest existing parent while it does not exist)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free / MB


class OpsWatcher:
    """`start()` checks periodically, `close()` stops; `check_once()` runs one round (tests call it)."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        notifier: Notifier,
        *,
        data: Path | None = None,
        routed: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        self.db = db
        # whose lines count: this service's, and on a front its bridges' (its chat lines for the trades it
        # routed, and the bridges' own lines when they share its database)
        self.accounts = frozenset({db.account or "", *routed})
        self.notifier = notifier
        self.data = data or data_dir(db)
        alerts = settings.alerts
        self.rejections = Rejections(alerts.rejections_repeat, alerts.rejections_window_min * 60)
        self.disk_low = False
        self.db_failing = False
        self._since = datetime.now(UTC)  # rejections before the start are not this run's news
        self._last_id = 0
        self._tasks = TaskSet("ops-watcher")

    def start(self) -> None:
        self._tasks.spawn(self._run(), "checks")

    async def close(self) -> None:
        await self._tasks.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.alerts.check_interval_sec)
            try:
                await self.check_once()
            except Exception:  # a bug in one round must not end the watching
                log.exception("ops checks failed")

    async def check_once(self) -> list[OpsAlert]:
        """One round of checks; what it found is sent to the admins and returned."""
        found = [*await self._rejected(), *await self._disk(), *await self._database()]
        for alert in found:
            log.warning("ops alert for admins: %s", alert)
        if found:
            self.send(found)
        return found

    async def _rejected(self) -> list[OpsAlert]:
        try:
            # this service's own lines (and its bridges'): other services sharing the database report theirs
            account = None if len(self.accounts) > 1 else self.db.account
            entries = await self.db.audit.recent(limit=AUDIT_BATCH, since=self._since, account=account)
            if account is None:
                entries = [e for e in entries if (e.account or "") in self.accounts]
        except Exception:  # the database check below says so; the rejections wait for the next round
            log.debug("could not read the audit log for rejections", exc_info=True)
            return []
        found = []
        for entry in sorted((e for e in entries if (e.id or 0) > self._last_id), key=lambda e: e.id or 0):
            self._last_id, self._since = entry.id or self._last_id, entry.at
            rejected = entry.outcome is Outcome.REJECTED
            retcode = rejected_retcode(entry.action, rejected, entry.retcode, entry.error_code)
            if retcode is not None:
                alert = self.rejections.observe(retcode, entry.at.timestamp())
                if alert is not None:
                    found.append(alert)
        return found

    async def _disk(self) -> list[OpsAlert]:
        threshold = self.settings.alerts.disk_free_below_mb
        if threshold <= 0:
            return []
        try:
            free = await asyncio.to_thread(free_mb, self.data)
        except OSError:
            log.warning("could not read the free space of %s", self.data, exc_info=True)
            return []
        self.disk_low, alert = disk_alert(free, threshold, str(self.data), was_low=self.disk_low)
        return [] if alert is None else [alert]

    async def _database(self) -> list[OpsAlert]:
        error = None
        try:
            # a PostgreSQL server that stopped answering must not stall the other checks forever
            await asyncio.wait_for(probe_write(self.db), timeout=30)
        except Exception as exc:
            error = f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"
        self.db_failing, alert = database_alert(error, was_failing=self.db_failing)
        return [] if alert is None else [alert]

    def admins(self) -> list[UserEntry]:
        """Configured admins on a platform that registered an outbox."""
        boxes = self.notifier.outboxes()
        return [u for u in self.settings.users if u.role is Role.ADMIN and u.platform in boxes]

    def send(self, alerts: list[OpsAlert]) -> None:
        """Queue the alerts for every admin (one message each, in their language); never waits."""
        boxes = self.notifier.outboxes()
        for user in self.admins():
            lang = self.notifier.gate.lang(user, None)
            reply = self.notifier.renderer.render(lang, "ops", "alerts", items=alerts).reply()
            boxes[user.platform].post(user.id, reply, merge=True)
