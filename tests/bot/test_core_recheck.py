"""A confirmation tap costs one preview (issue 11, point 3): the trading core re-checks what the user saw,
and the chat asks again with the fresh preview the core's `PreviewChanged` carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core import ChatCore
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Preview
from mt5bridge.trading.service import TradeRequestModel, TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.models import Outcome
from tests.bot.core_stand import FakeClock, Stand, action, only, settings
from tests.trading.conftest import Core, make_core

BUY = PositionSide.BUY


class CountingService(TradingService):
    """The real trading core, counting its previews (the chat's and its own inside `execute`)."""

    previews = 0

    async def preview(self, req: TradeRequestModel) -> Preview:
        self.previews += 1
        return await super().preview(req)


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    made = await make_core(tmp_path)
    service = CountingService(made.client, made.db, RiskSettings(max_daily_loss=0))
    core = Core(service, made.sim, made.client, made.db)
    config = settings()
    clock = FakeClock()
    yield Stand(core, ChatCore(service, made.db, config, clock=clock), clock, config)
    await made.db.close()
    await made.client.close()


def previews(stand: Stand) -> int:
    service = stand.core.service
    assert isinstance(service, CountingService)
    return service.previews


async def test_a_confirmed_close_costs_one_preview_for_the_message_and_one_for_the_tap(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    before = previews(stand)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    assert previews(stand) == before + 1
    done = only(await stand.tap("2", action(preview)))
    assert "已执行" in done.text
    assert previews(stand) == before + 2


async def test_a_moved_price_asks_again_with_the_one_fresh_preview(stand: Stand) -> None:
    stand.core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    preview = only(await stand.say("2", "买入0.01手黄金"))
    stand.core.sim.set_price("XAUUSD.m", 2001.00, 2001.20)
    before = previews(stand)
    asked = only(await stand.tap("2", action(preview)))
    assert previews(stand) == before + 1  # the core's re-check; the chat offers what it found
    assert asked.edit and asked.confirmation_id not in (None, preview.confirmation_id)
    assert "价格已变动" in asked.text and "2001.20" in asked.text
    assert stand.core.sim.positions_total() == 0
    entries = await stand.core.db.audit.recent(limit=10)
    assert any(e.action == "chat.confirm" and e.error_code == "price_moved" for e in entries)
    only(await stand.tap("2", action(asked)))
    assert stand.core.sim.positions_total() == 1


async def test_changed_positions_ask_again_with_the_new_plan(stand: Stand) -> None:
    first = await stand.open("XAUUSD", BUY, 0.01)
    preview = only(await stand.say("2", "平仓全部黄金"))
    assert f"#{first}" in preview.text
    second = await stand.open("XAUUSD", BUY, 0.01)
    before = previews(stand)
    asked = only(await stand.tap("2", action(preview)))
    assert previews(stand) == before + 1
    assert asked.confirmation_id not in (None, preview.confirmation_id)
    assert f"#{second}" in asked.text and "价格已变动" not in asked.text
    assert stand.core.sim.positions_total() == 2
    (refused,) = [
        e for e in await stand.core.db.audit.recent(limit=10) if e.request_id == preview.confirmation_id
    ]
    assert (refused.outcome, refused.error_code) == (Outcome.REFUSED, "preview_changed")
    only(await stand.tap("2", action(asked)))
    assert stand.core.sim.positions_total() == 0


async def test_never_mode_still_trades_at_once(stand: Stand) -> None:
    done = only(await stand.say("6", "买入0.01手黄金"))
    assert done.confirmation_id is None and "已执行" in done.text
    assert stand.core.sim.positions_total() == 1
