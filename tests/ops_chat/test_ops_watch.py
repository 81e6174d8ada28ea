"""The ops watcher over the real parts: simulator rejections, the real disk, a SQLite file that refuses
writes; warnings reach admins only, once per storm."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.notify import Notifier
from bot.core.opsrules import OpsKind
from bot.core.opswatch import OpsWatcher, free_mb
from bot.messages import Outgoing
from mt5bridge.terminal.errors import TradeRejected
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from mt5bridge.trading.settings import AlertSettings
from storage.models import AuditEntry, Outcome
from tests.bot.core_stand import SETUP, Stand, running_stand

LOTS_OF_DISK_MB = 1e12  # more free space than any disk has: the check must say "low"


@dataclass
class Watched:
    stand: Stand
    notifier: Notifier
    sent: list[Outgoing] = field(default_factory=list)

    def watcher(self, **alerts: Any) -> OpsWatcher:
        settings = self.stand.settings.model_copy(update={"alerts": AlertSettings(**alerts)})
        return OpsWatcher(settings, self.stand.core.db, self.notifier)

    async def delivered(self) -> list[Outgoing]:
        for box in self.notifier.outboxes().values():
            await box.drain()
        return self.sent


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[Watched]:
    async with running_stand(tmp_path) as stand:
        made = Watched(stand, Notifier(stand.settings, stand.core.db))

        async def send(out: Outgoing) -> None:
            made.sent.append(out)

        made.notifier.register("telegram", send)
        yield made
        for box in made.notifier.outboxes().values():
            await box.close()


async def _rejected_opens(stand: Stand, count: int) -> None:
    """Opens the terminal refuses (its check already answers 10027), each one audited `rejected`."""
    for _ in range(count):
        with pytest.raises(TradeRejected) as refused:
            await stand.core.service.execute(
                OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01), SETUP
            )
        assert refused.value.mt5_code == 10027


async def test_repeated_10027_is_one_plain_warning_to_admins_only(watched: Watched) -> None:
    stand = watched.stand
    watcher = watched.watcher(rejections_repeat=3, rejections_window_min=10, disk_free_below_mb=0)
    stand.core.sim.set_trade_allowed(False)  # the terminal's "Algo Trading" button off
    await _rejected_opens(stand, 2)
    assert await watcher.check_once() == []  # two are not yet "repeated"
    await _rejected_opens(stand, 1)
    [alert] = await watcher.check_once()
    assert (alert.kind, alert.retcode, alert.count) == (OpsKind.REJECTIONS, 10027, 3)

    # the storm goes on: the admins already know
    await _rejected_opens(stand, 10)
    assert await watcher.check_once() == []
    sent = await watched.delivered()
    assert [(o.platform, o.chat_id) for o in sent] == [("telegram", "1")]  # the admin, not traders/viewers
    assert "自动交易已关闭" in sent[0].reply.text
    assert "算法交易" in sent[0].reply.text  # the fix, said plainly


async def test_a_chat_order_rejected_by_the_terminal_counts_too(watched: Watched) -> None:
    stand = watched.stand
    watcher = watched.watcher(rejections_repeat=2, disk_free_below_mb=0)
    stand.core.sim.set_trade_allowed(False)
    for _ in range(2):  # user 6 trades without confirmations: each message is an execution
        await stand.say("6", "买入0.01手黄金")
    [alert] = await watcher.check_once()
    assert alert.retcode == 10027


async def test_rejections_from_before_the_start_are_not_news(watched: Watched) -> None:
    stand = watched.stand
    stand.core.sim.set_trade_allowed(False)
    await _rejected_opens(stand, 3)
    watcher = watched.watcher(rejections_repeat=3, disk_free_below_mb=0)
    assert await watcher.check_once() == []


async def test_low_disk_on_the_real_disk_warns_once_and_recovers(watched: Watched, tmp_path: Path) -> None:
    watcher = watched.watcher(disk_free_below_mb=LOTS_OF_DISK_MB)
    assert watcher.data == tmp_path  # the SQLite file's folder
    [alert] = await watcher.check_once()
    assert alert.kind is OpsKind.DISK_LOW
    assert 0 < alert.free_mb == pytest.approx(free_mb(tmp_path), rel=0.05)
    assert await watcher.check_once() == []  # still low: quiet
    watcher.settings = watched.stand.settings.model_copy(
        update={"alerts": AlertSettings(disk_free_below_mb=0.001)}
    )
    [back] = await watcher.check_once()
    assert back.kind is OpsKind.DISK_OK
    texts = [o.reply.text for o in await watched.delivered()]
    assert any("磁盘空间不足" in t for t in texts)
    assert any("磁盘空间已恢复" in t for t in texts)


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")  # SQLite itself refuses every write from here on


async def test_a_database_that_refuses_writes_is_told_and_its_recovery_too(watched: Watched) -> None:
    watcher = watched.watcher(disk_free_below_mb=0)
    assert await watcher.check_once() == []
    engine = watched.stand.core.db.connector.engine
    event.listen(engine.sync_engine, "connect", _read_only)
    await engine.dispose()  # the next connection is a read-only one
    [alert] = await watcher.check_once()
    assert alert.kind is OpsKind.DB_UNWRITABLE
    assert "readonly" in alert.error or "read-only" in alert.error
    assert await watcher.check_once() == []  # still failing: quiet
    event.remove(engine.sync_engine, "connect", _read_only)
    await engine.dispose()
    [back] = await watcher.check_once()
    assert back.kind is OpsKind.DB_OK
    texts = [o.reply.text for o in await watched.delivered()]
    assert "数据库无法写入" in texts[0]
    assert "数据库已恢复写入" in texts[-1]


async def test_a_front_counts_its_bridges_rejections_and_not_other_services(watched: Watched) -> None:
    """On a database shared with other services, a front watches its own lines and its bridges'."""
    db = watched.stand.core.db
    settings = watched.stand.settings.model_copy(
        update={"alerts": AlertSettings(rejections_repeat=3, rejections_window_min=10, disk_free_below_mb=0)}
    )
    watcher = OpsWatcher(settings, db, watched.notifier, routed=("beta",))

    async def rejected(account: str, count: int) -> None:
        for _ in range(count):
            entry = AuditEntry(
                at=datetime.now(UTC), platform="rest", user_id="tok", action="order.open",
                outcome=Outcome.REJECTED, retcode=10027, account=account,
            )  # fmt: skip
            await db.audit.append(entry)

    await rejected("other-service", 5)  # not this front's: its own service reports it
    assert await watcher.check_once() == []
    await rejected("beta", 3)  # a bridge of this front
    [alert] = await watcher.check_once()
    assert (alert.retcode, alert.count) == (10027, 3)
