"""A share of a holding from chat ("平一半黄金"): previewed with what is held; on a hedged book, which side.

Through the real chat core and the real trading core over the simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mt5bridge.terminal.models import PositionSide
from tests.bot.core_stand import Stand, action, only, running_stand

BUY, SELL = PositionSide.BUY, PositionSide.SELL


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        made.core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
        yield made


def _volumes(stand: Stand) -> list[tuple[int, float]]:
    return sorted((p.type, round(p.volume, 2)) for p in stand.core.sim.positions_get() or ())


async def test_half_of_one_side_is_previewed_then_closed_fifo(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    await stand.open("XAUUSD", BUY, 0.20)
    preview = only(await stand.say("2", "平一半黄金"))
    assert preview.confirmation_id and "0.30" in preview.text and "0.15" in preview.text
    only(await stand.tap("2", action(preview)))
    assert _volumes(stand) == [(0, 0.15)]  # the 0.10 closed whole, 0.05 of the 0.20


async def test_a_hedged_book_asks_which_side_before_any_preview(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.20)
    await stand.open("XAUUSD", SELL, 0.10)
    question = only(await stand.say("2", "平一半黄金"))
    assert question.confirmation_id is None and "多单还是空单" in question.text
    assert [b.text for row in question.buttons for b in row] == ["多单", "空单"]
    preview = only(await stand.tap("2", question.buttons[0][0].action))  # the buys
    assert preview.confirmation_id and "0.20" in preview.text and "0.10" in preview.text
    only(await stand.tap("2", action(preview)))
    assert _volumes(stand) == [(0, 0.10), (1, 0.10)]  # half of the buys; the sell untouched


async def test_a_named_side_on_a_hedged_book_is_not_asked(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.20)
    await stand.open("XAUUSD", SELL, 0.10)
    preview = only(await stand.say("5", "close half my gold shorts"))
    assert preview.confirmation_id and "0.05" in preview.text
