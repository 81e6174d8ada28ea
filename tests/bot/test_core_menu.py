"""Platforms without buttons (QQ): numbered menus in the text, a typed number presses, nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import Outgoing
from mt5bridge.terminal.models import PositionSide
from reports.models import ReportKind
from tests.bot.core_stand import Stand, only, running_stand

TRADER = "2"


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def say(stand: Stand, text: str, **kw: object) -> list:
    return await stand.say(TRADER, text, buttons=False, **kw)


async def test_preview_lists_numbered_choices_and_typing_one_confirms(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    preview = only(await say(stand, "平仓0.01手黄金"))
    assert preview.text.rstrip().endswith("[1] ✅ 确认\n[2] ✖ 取消\n回复序号选择")
    assert "[1] ✅ 确认" in (preview.html or "")
    assert stand.volumes() == {ticket: 0.05}  # nothing before the choice
    only(await say(stand, "1"))
    assert stand.volumes() == {ticket: pytest.approx(0.04)}
    again = only(await say(stand, "1"))  # the menu is used up: "1" is just text now
    assert stand.volumes() == {ticket: pytest.approx(0.04)}
    assert "[1]" not in again.text


async def test_typing_two_cancels(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    only(await say(stand, "平仓0.01手黄金"))
    only(await say(stand, "2"))
    only(await say(stand, "1"))
    assert stand.volumes() == {ticket: 0.05}


async def test_menu_expires_with_the_confirmation(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    only(await say(stand, "平仓0.01手黄金"))
    stand.clock.now += stand.settings.chat.confirm_ttl_sec + 1
    only(await say(stand, "1"))
    assert stand.volumes() == {ticket: 0.05}


async def test_a_newer_answer_replaces_the_menu(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    only(await say(stand, "平仓0.01手黄金"))
    only(await say(stand, "持仓"))  # an answer without choices: the old menu is gone
    only(await say(stand, "1"))
    assert stand.volumes() == {ticket: 0.05}


async def test_out_of_range_numbers_and_button_platforms_press_nothing(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    only(await say(stand, "平仓0.01手黄金"))
    only(await say(stand, "3"))
    assert stand.volumes() == {ticket: 0.05}
    # On a platform with buttons, typed numbers are never presses.
    only(await stand.say(TRADER, "平仓0.01手黄金"))
    only(await stand.say(TRADER, "1"))
    assert stand.volumes() == {ticket: 0.05}


async def test_a_question_is_answered_by_number(stand: Stand) -> None:
    asked = only(await say(stand, "下单0.01手黄金"))
    assert "[1]" in asked.text and "[2]" in asked.text  # buy or sell?
    preview = only(await say(stand, "1"))
    assert "[1] ✅ 确认" in preview.text
    only(await say(stand, "1"))
    assert [p.volume for p in stand.core.sim.positions_get() or ()] == [pytest.approx(0.01)]


async def test_in_a_group_only_an_addressed_number_counts(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    group = {"chat_id": "g77", "is_group": True}
    only(await say(stand, "平仓0.01手黄金", addressed=True, **group))
    assert await say(stand, "1", addressed=False, **group) == []
    assert stand.volumes() == {ticket: 0.05}
    only(await say(stand, "1", addressed=True, **group))
    assert stand.volumes() == {ticket: pytest.approx(0.04)}


async def test_scheduled_report_numbers_its_suggestions_for_buttonless_platforms(stand: Stand) -> None:
    await stand.open("XAUUSD", PositionSide.BUY, 0.05)
    chat = stand.chat
    notifier = chat.notifier()
    got: list[Outgoing] = []

    async def send(out: Outgoing) -> None:
        got.append(out)

    notifier.register("telegram", send, buttons=False)
    # Any margin in use counts as low, so the hedge analysis surely suggests something.
    alerts = stand.settings.alerts.model_copy(update={"margin_level_below": 1e9})
    chat.deps.reports.settings = stand.settings.model_copy(update={"alerts": alerts})
    report = await chat.deps.reports.build(ReportKind.HEDGE)
    assert report.hedge.suggestions and report.hedge.suggestions[0].action
    handed = await notifier.broadcast_report(report, None)
    assert handed and await asyncio.gather(*(h.outcome for h in handed)) == [None] * len(handed)
    [mine] = [o for o in got if o.chat_id == TRADER]
    assert "[1]" in mine.reply.text
    before = stand.volumes()
    preview = only(await say(stand, "1"))  # press the first suggestion: a preview, not a trade
    assert "[1] ✅ 确认" in preview.text
    assert stand.volumes() == before
