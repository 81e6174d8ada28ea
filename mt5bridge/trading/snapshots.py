"""Account snapshots on an interval: balance, equity and margin over time, for equity curves and drawdown.

MT5 keeps no equity history, so the service samples it. A failed sample (terminal down) is skipped, not
retried: the curve shows the gap honestly.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from mt5bridge.common.poller import Poller
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error
from storage.database import Database
from storage.models import AccountSnapshot

log = logging.getLogger(__name__)


class SnapshotRecorder(Poller):
    """Samples `account_info()` every `interval` seconds into the snapshot store."""

    def __init__(self, client: MT5Client, db: Database, interval: float) -> None:
        super().__init__("snapshots", interval, self.record_once)
        self.client = client
        self.db = db

    async def record_once(self) -> AccountSnapshot | None:
        """Take one sample now; None when the terminal cannot answer."""
        try:
            acc = await self.client.account()
        except MT5Error as exc:
            log.debug("snapshot skipped: %s", exc)
            return None
        snap = AccountSnapshot(
            at=datetime.now(UTC),
            login=acc.login,
            balance=acc.balance,
            equity=acc.equity,
            margin=acc.margin,
            margin_free=acc.margin_free,
            margin_level=acc.margin_level,
            profit=acc.profit,
            credit=acc.credit,
        )
        await self.db.snapshots.record(snap)
        return snap
