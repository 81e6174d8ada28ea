"""Scheduled reports after downtime: runs missed within `catch_up_hours` are sent once, marked late;
a recipient already sent a run never gets it again; a failed delivery gets one more try.

The real chat core, notifier and report service over the simulator, with SQLite storage; the scheduler's
clock is injected (the terminal's clock is the simulator's)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import ChatCore
from bot.messages import Outgoing
from mt5bot.config import Settings
from reports.fonts import cjk_font
from reports.models import ReportKind
from reports.runs import missed, triggers
from reports.schedule import FIRST_START_KEY, ReportScheduler
from reports.settings import ReportSettings
from tests.trading.conftest import Core, make_core

RULES = ReportSettings(daily_at="23:00", daily_days="*", monthly_day=1, monthly_at="08:00", chart=False)


def test_missed_lists_every_run_due_in_the_stretch_oldest_first() -> None:
    schedule = triggers(RULES.model_copy(update={"hedge_at": "12:00"}), UTC)
    runs = missed(
        schedule, datetime(2026, 11, 30, 22, 0, tzinfo=UTC), datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    )
    assert [(r.kind, r.period, r.due_at.hour) for r in runs] == [
        (ReportKind.DAILY, "2026-11-30", 23),
        (ReportKind.MONTHLY, "2026-11", 8),
        (ReportKind.HEDGE, "2026-12-01", 12),
        (ReportKind.DAILY, "2026-12-01", 23),
    ]
    assert ReportKind.HEDGE not in triggers(RULES, UTC)  # hedge only on a schedule when hedge_at is set
    weekdays = triggers(RULES.model_copy(update={"daily_days": "mon-fri"}), UTC)
    saturday, monday = datetime(2026, 12, 5, 0, 0, tzinfo=UTC), datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
    assert [r.period for r in missed(weekdays, saturday, monday) if r.kind is ReportKind.DAILY] == [
        "2026-12-07"
    ]


@dataclass
class Stand:
    core: Core
    chat: ChatCore
    now: list[datetime]
    got: list[Outgoing] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def scheduler(self, **rules: object) -> ReportScheduler:
        notifier = self.chat.notifier()

        async def send(out: Outgoing) -> None:
            if out.chat_id in self.down:
                raise ConnectionError("platform down")
            self.got.append(out)

        notifier.register("telegram", send)
        settings = RULES.model_copy(update=rules)
        db = self.core.db
        return ReportScheduler(
            self.chat.deps.reports, settings, notifier.broadcast_report, UTC, runs=db.reports, marks=db.settings,
            clock=lambda: self.now[0],
        )  # fmt: skip

    async def catch_up(self, **rules: object) -> int:
        scheduler = self.scheduler(**rules)
        sent = await scheduler.catch_up()
        await scheduler.drain()
        return sent


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    core = await make_core(tmp_path)
    users = [
        {"platform": "telegram", "id": "1", "role": "admin", "lang": "zh"},
        {"platform": "telegram", "id": "2", "role": "viewer", "lang": "en"},
    ]
    chat = ChatCore(core.service, core.db, Settings(users=users, chat={"notify_batch_sec": 0.05}))
    today = await chat.deps.reports.today()
    # the service first ran a week ago; now it is 23:30 of the terminal's day, the 23:00 run missed
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=23, minutes=30)
    await core.db.settings.set(FIRST_START_KEY, (now - timedelta(days=7)).isoformat())
    yield Stand(core, chat, [now])
    await core.db.close()
    await core.client.close()


async def test_a_run_missed_while_down_is_sent_once_and_marked_late(stand: Stand) -> None:
    assert await stand.catch_up(catch_up_hours=2) == 2
    by_user = {o.chat_id: o.reply.text for o in stand.got}
    today = stand.now[0].date().isoformat()
    assert "⏰ 补发" in by_user["1"] and f"{today} 23:00" in by_user["1"]
    assert "Sent late" in by_user["2"]
    records = await stand.core.db.reports.deliveries("daily", today)
    assert {(r.chat_id, r.state) for r in records} == {("1", "sent"), ("2", "sent")}
    stand.got.clear()
    assert await stand.catch_up(catch_up_hours=2) == 0  # a second start: nothing twice
    assert stand.got == []


async def test_only_within_catch_up_hours_and_after_the_first_start(stand: Stand) -> None:
    stand.now[0] += timedelta(hours=3)  # the run was due 3.5 h ago
    assert await stand.catch_up(catch_up_hours=2) == 0
    assert await stand.catch_up(catch_up_hours=0) == 0
    await stand.core.db.settings.delete(FIRST_START_KEY)  # a fresh install: nothing was "missed"
    assert await stand.catch_up(catch_up_hours=24) == 0
    assert isinstance(await stand.core.db.settings.get(FIRST_START_KEY), str)


async def test_a_failed_delivery_gets_one_more_try_then_no_more(stand: Stand) -> None:
    stand.down.add("2")
    await stand.catch_up(catch_up_hours=2)
    today = stand.now[0].date().isoformat()
    states = {
        r.chat_id: (r.state, r.attempts) for r in await stand.core.db.reports.deliveries("daily", today)
    }
    assert states == {"1": ("sent", 1), "2": ("failed", 1)}
    stand.got.clear()
    assert await stand.catch_up(catch_up_hours=2) == 1  # the failed one only
    assert stand.got == []  # still down
    states = {
        r.chat_id: (r.state, r.attempts) for r in await stand.core.db.reports.deliveries("daily", today)
    }
    assert states["2"] == ("failed", 2)
    stand.down.clear()
    assert await stand.catch_up(catch_up_hours=2) == 0  # two tries in all: no more
    assert stand.got == []


async def test_unsubscribed_kinds_are_not_sent(stand: Stand) -> None:
    await stand.core.db.reports.subscribe("telegram", "2", "daily", False)
    assert await stand.catch_up(catch_up_hours=2) == 1
    assert [o.chat_id for o in stand.got] == ["1"]


async def test_the_cron_job_and_the_catch_up_never_send_one_run_twice(stand: Stand) -> None:
    scheduler = stand.scheduler(catch_up_hours=2)
    [run] = missed(triggers(scheduler.settings, UTC), stand.now[0] - timedelta(hours=1), stand.now[0])
    counts = await asyncio.gather(scheduler.run(run), scheduler.catch_up())  # they meet on one run
    await scheduler.drain()
    assert sorted(counts) == [0, 2] and len(stand.got) == 2
    assert await scheduler.run(run) == 0  # and after it: both recipients are settled


async def test_each_recipient_gets_the_chart_in_their_language(stand: Stand) -> None:
    assert await stand.catch_up(catch_up_hours=2, chart=True) == 2
    images = {o.chat_id: o.reply.image for o in stand.got}
    assert all(png is not None and png.startswith(b"\x89PNG") for png in images.values())
    if cjk_font() is not None:  # without a CJK font a zh chart falls back to the English labels
        assert images["1"] != images["2"]
