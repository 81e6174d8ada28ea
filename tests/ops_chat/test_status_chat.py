"""`/status` and `/loglevel` in chat: admins see real figures and switch the level; others are refused."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.notify import Notifier
from bot.core.status import StatusSources, gather
from bot.messages import Outgoing
from mt5bridge.common.errorcount import ErrorCounter
from mt5bridge.trading.events import EventBus
from storage.models import Outcome
from tests.bot.core_stand import Stand, only, running_stand


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


@pytest.fixture
def counter() -> Iterator[ErrorCounter]:
    """An error counter on the root logger, as setup_logging installs it, removed afterwards."""
    root = logging.getLogger()
    installed = ErrorCounter()
    root.addHandler(installed)
    yield installed
    root.removeHandler(installed)


@pytest.fixture
def root_level() -> Iterator[None]:
    """Whatever a test switches the root level to, the next test starts from the level it had."""
    root = logging.getLogger()
    before = root.level
    yield
    root.setLevel(before)


async def _report_run(stand: Stand) -> None:
    """What the scheduler records for a run: the run, one recipient sent and one failed."""
    runs = stand.core.db.reports
    await runs.begin("daily", "2026-12-04", datetime(2026, 12, 4, 23, 55, tzinfo=UTC), late=False)
    await runs.record("daily", "2026-12-04", "telegram", "1", None)
    await runs.record("daily", "2026-12-04", "telegram", "2", "blocked by the user")


async def test_status_for_an_admin_shows_the_live_figures(stand: Stand, counter: ErrorCounter) -> None:
    await _report_run(stand)
    logging.getLogger("mt5bot.test").error("something broke")  # one error in the last hour
    bus = EventBus()
    bus.subscribe(name="ws-feed")
    notifier = Notifier(stand.settings, stand.core.db)

    async def nowhere(_out: Outgoing) -> None:
        return None

    notifier.register("telegram", nowhere)
    admin = stand.chat.commands.admin
    admin.sources = StatusSources(
        db=stand.core.db, started=admin.sources.started, trading=stand.core.service, bus=bus,
        notifier=notifier, errors=ErrorCounter.on(),
    )  # fmt: skip

    status = await gather(admin.sources)
    assert status.errors_last_hour == 1
    assert status.database.dialect == "sqlite"
    assert status.database.size_bytes is not None and status.database.size_bytes > 0
    assert status.last_report is not None
    assert (status.last_report.kind, status.last_report.sent, status.last_report.failed) == ("daily", 1, 1)
    assert [q.name for q in status.bus] == ["ws-feed"]
    assert [q.name for q in status.outboxes] == ["telegram"]

    text = only(await stand.say("1", "/status")).text
    assert "服务状态" in text
    assert "最近一小时错误：1" in text
    assert "daily 2026-12-04" in text
    assert "已送达 1，失败 1" in text
    assert "ws-feed 0" in text
    english = only(await stand.say("5", "/status", lang="en"))  # a trader: refused whatever the language
    assert "Service status" not in english.text
    await bus.close()


async def test_status_in_english_says_what_it_does_not_know(stand: Stand) -> None:
    text = only(await stand.say("1", "/status", lang="en")).text  # Ann's platform says English
    assert "Service status" in text
    assert "Terminal: unknown" in text
    assert "Last report: none yet" in text


async def test_status_is_refused_to_non_admins_and_audited(stand: Stand) -> None:
    for user in ("2", "3"):
        reply = only(await stand.say(user, "/status"))
        assert "服务状态" not in reply.text
        assert "管理操作" in reply.text
    denied = await stand.core.db.audit.recent(limit=5, actor="3")
    assert [e.action for e in denied][:1] == ["chat.admin.status"]
    assert denied[0].outcome is Outcome.DENIED


@pytest.mark.usefixtures("root_level")
async def test_loglevel_switches_the_root_level_and_back(stand: Stand) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    assert "debug" in only(await stand.say("1", "/loglevel debug")).text
    assert root.getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("bot.core.core").isEnabledFor(logging.DEBUG)
    assert "info" in only(await stand.say("1", "/loglevel INFO")).text
    assert root.getEffectiveLevel() == logging.INFO
    audit = await stand.core.db.audit.recent(limit=10, actor="1")
    assert {"chat.admin.loglevel.debug", "chat.admin.loglevel.info"} <= {e.action for e in audit}


@pytest.mark.usefixtures("root_level")
@pytest.mark.parametrize("text", ["/loglevel", "/loglevel verbose", "/loglevel debug info"])
async def test_loglevel_with_bad_arguments_shows_the_usage(stand: Stand, text: str) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    reply = only(await stand.say("1", text))
    assert "/loglevel debug|info|warning" in reply.text
    assert root.level == logging.INFO


@pytest.mark.usefixtures("root_level")
async def test_loglevel_is_refused_to_a_trader(stand: Stand) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    reply = only(await stand.say("2", "/loglevel debug"))
    assert "管理操作" in reply.text
    assert root.level == logging.INFO
