"""Choosing which reports come: "订阅日报", "取消月报", "/unsubscribe hedge", "退订" / "订阅" — through the
real chat core, and then the notifier's recipients for each report kind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import Outgoing
from reports.models import ReportKind
from tests.bot.core_stand import Stand, only, running_stand

TRADER, OTHER = "2", "5"  # core_stand's users: "5" writes English


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def recipients(stand: Stand, kind: ReportKind) -> set[str]:
    notifier = stand.chat.notifier()
    got: list[Outgoing] = []

    async def send(out: Outgoing) -> None:
        got.append(out)

    notifier.register("telegram", send)
    report = await stand.chat.deps.reports.build(kind)
    handed = await notifier.broadcast_report(report, None)
    await asyncio.gather(*(h.outcome for h in handed))
    return {o.chat_id for o in got}


async def test_unsubscribing_one_kind_stops_only_that_kind(stand: Stand) -> None:
    assert TRADER in await recipients(stand, ReportKind.MONTHLY)
    reply = only(await stand.say(TRADER, "取消月报"))
    assert "已取消月报" in reply.text
    assert TRADER not in await recipients(stand, ReportKind.MONTHLY)
    assert TRADER in await recipients(stand, ReportKind.DAILY)
    reply = only(await stand.say(TRADER, "订阅月报"))
    assert "已订阅月报" in reply.text and "上个月" in reply.text
    assert TRADER in await recipients(stand, ReportKind.MONTHLY)


async def test_english_and_slash_forms(stand: Stand) -> None:
    reply = only(await stand.say(OTHER, "/unsubscribe daily"))
    assert "Unsubscribed from the daily report" in reply.text
    assert OTHER not in await recipients(stand, ReportKind.DAILY)
    reply = only(await stand.say(OTHER, "subscribe to the hedge report"))
    assert "not scheduled" in reply.text  # reports.hedge_at is unset: said plainly


async def test_unsubscribing_everything_and_back(stand: Stand) -> None:
    assert "已关闭全部通知" in only(await stand.say(TRADER, "退订")).text
    assert TRADER not in await recipients(stand, ReportKind.DAILY)
    reply = only(await stand.say(TRADER, "订阅日报"))
    assert "通知总开关是关闭的" in reply.text  # the kind is on, but nothing comes until "订阅"
    assert "已打开通知" in only(await stand.say(TRADER, "订阅")).text
    assert TRADER in await recipients(stand, ReportKind.DAILY)
    record = await stand.core.db.users.get("telegram", TRADER)
    assert record is not None and record.subscribed and record.role.value == "trader"


async def test_a_question_about_subscribing_is_not_a_report(stand: Stand) -> None:
    reply = only(await stand.say(TRADER, "订阅日报吗"))
    assert "没看懂" in reply.text and reply.image is None
