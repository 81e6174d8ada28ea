"""The trading flow through the real chat core and the real trading core over the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import MAX_ACTION_BYTES
from mt5bridge.terminal.models import PositionSide
from storage.models import Outcome
from tests.bot.core_stand import Stand, action, only, running_stand

BUY, SELL = PositionSide.BUY, PositionSide.SELL


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def test_close_gold_previews_then_confirm_executes_once_and_edits(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    assert preview.confirmation_id is not None
    assert f"#{ticket}" in preview.text and "0.01" in preview.text and "XAUUSD.m" in preview.text
    assert [b.text for b in preview.buttons[0]] == ["✅ 确认", "✖ 取消"]
    assert all(len(b.action.encode()) <= MAX_ACTION_BYTES for row in preview.buttons for b in row)
    assert stand.volumes() == {ticket: 0.05}  # nothing before the tap

    result = only(await stand.tap("2", action(preview)))
    assert result.edit and result.buttons == [] and result.confirmation_id is None
    assert "已执行" in result.text
    assert stand.volumes() == {ticket: pytest.approx(0.04)}

    # the confirmation id is the trading core's request id: one execution recorded under it
    (executed,) = await stand.core.db.audit.for_request(preview.confirmation_id)
    assert (executed.action, executed.outcome, executed.user_id) == ("close", Outcome.OK, "2")
    assert executed.raw_input == "平仓0.01手黄金"


async def test_one_trade_leaves_its_chat_audit_lines_in_order(stand: Stand) -> None:
    # the flows return notes; ChatCore.handle writes them once, in the order they happened
    await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    only(await stand.tap("2", action(preview)))
    entries = list(reversed(await stand.core.db.audit.recent(limit=20, actor="2")))
    chat = [
        (e.action, e.outcome, e.confirmation, e.raw_input) for e in entries if e.action.startswith("chat.")
    ]
    conf = preview.confirmation_id
    assert chat == [
        ("chat.message", Outcome.OK, None, "平仓0.01手黄金"),
        ("chat.preview", Outcome.PENDING, conf, "平仓0.01手黄金"),
        ("chat.confirm", Outcome.OK, conf, "平仓0.01手黄金"),
    ]
    message, pending = entries[0], entries[1]
    assert message.command is not None and message.command["intent"] == "close"
    assert pending.preview is not None and pending.command == message.command and pending.role == "trader"


async def test_second_tap_shows_the_result_and_never_executes_again(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    first = only(await stand.tap("2", action(preview)))
    second = only(await stand.tap("2", action(preview)))
    assert second.text == first.text and second.edit
    assert stand.volumes() == {ticket: pytest.approx(0.04)}


async def test_tap_after_expiry_does_nothing_and_is_audited(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    stand.clock.now += 61
    late = only(await stand.tap("2", action(preview)))
    assert late.edit and late.buttons == [] and "过期" in late.text
    assert stand.volumes() == {ticket: 0.05}
    again = only(await stand.tap("2", action(preview)))
    assert "过期" in again.text
    assert stand.volumes() == {ticket: 0.05}
    entries = await stand.core.db.audit.recent(limit=20)
    assert any(e.action == "chat.confirm" and e.outcome is Outcome.EXPIRED for e in entries)


async def test_untouched_confirmation_expiry_is_audited_on_the_next_message(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    stand.clock.now += 61
    await stand.say("3", "/positions")
    entries = await stand.core.db.audit.recent(limit=20)
    expired = [e for e in entries if e.outcome is Outcome.EXPIRED]
    assert [(e.user_id, e.confirmation) for e in expired] == [("2", preview.confirmation_id)]


async def test_tap_by_another_user_is_refused_and_the_owner_can_still_confirm(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金", chat_id="group", is_group=True))
    other = only(await stand.tap("1", action(preview), chat_id="group", is_group=True))
    assert not other.edit and "不是您的" in other.text
    assert stand.volumes() == {ticket: 0.05}
    denied = await stand.core.db.audit.recent(limit=5, actor="1")
    assert denied[0].outcome is Outcome.DENIED
    done = only(await stand.tap("2", action(preview), chat_id="group", is_group=True, addressed=False))
    assert "已执行" in done.text
    assert stand.volumes() == {ticket: pytest.approx(0.04)}


async def test_cancel_button_does_nothing(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    cancelled = only(await stand.tap("2", action(preview, col=1)))
    assert cancelled.edit and "已取消" in cancelled.text
    only(await stand.tap("2", action(preview)))
    assert stand.volumes() == {ticket: 0.05}


async def test_ambiguous_close_is_answered_by_choosing_a_ticket(stand: Stand) -> None:
    first = await stand.open("XAUUSD", BUY, 0.05)
    second = await stand.open("XAUUSD", BUY, 0.02)
    question = only(await stand.say("2", "平仓黄金"))
    assert question.confirmation_id is None
    assert "1)" in question.text and f"#{first}" in question.text and f"#{second}" in question.text
    assert [b.text for b in question.buttons[0]] == [f"1) #{first}", f"2) #{second}"]
    preview = only(await stand.tap("2", action(question, col=1)))
    assert preview.edit and preview.confirmation_id and f"#{second}" in preview.text
    assert f"#{first}" not in preview.text
    only(await stand.tap("2", action(preview)))
    assert stand.volumes() == {first: 0.05}


async def test_close_without_target_lists_positions_and_never_closes_all(stand: Stand) -> None:
    gold = await stand.open("XAUUSD", BUY, 0.05)
    euro = await stand.open("EURUSD", SELL, 0.1)
    question = only(await stand.say("2", "平仓"))
    assert len(question.buttons[0]) == 2 and question.confirmation_id is None
    typed = only(await stand.say("2", "2"))  # the answer may be typed too
    assert typed.confirmation_id and f"#{euro}" in typed.text and not typed.edit
    assert stand.volumes() == {gold: 0.05, euro: 0.1}


async def test_open_without_side_asks_buy_or_sell(stand: Stand) -> None:
    question = only(await stand.say("2", "下单0.01手欧美"))
    assert "买还是卖" in question.text
    assert [b.text for b in question.buttons[0]] == ["买入", "卖出"]
    preview = only(await stand.tap("2", action(question, col=1)))
    assert preview.confirmation_id and "卖" in preview.text and "EURUSD.m" in preview.text
    assert stand.core.sim.positions_total() == 0
    only(await stand.tap("2", action(preview)))
    (pos,) = list(stand.core.sim.positions_get() or [])
    assert (pos.symbol, pos.type, pos.volume) == ("EURUSD.m", 1, 0.01)


async def test_typed_side_answers_the_question(stand: Stand) -> None:
    only(await stand.say("2", "下单0.01手欧美"))
    preview = only(await stand.say("2", "买"))
    assert preview.confirmation_id and "买" in preview.text


async def test_terminal_disconnected_between_preview_and_confirm(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    stand.core.sim.disconnect()
    failed = only(await stand.tap("2", action(preview)))
    assert failed.edit and failed.buttons == []
    assert "未连接" in failed.text and "terminal_disconnected" in failed.text
    stand.core.sim.reconnect()
    again = only(await stand.tap("2", action(preview)))  # the same tap later still does nothing
    assert "terminal_disconnected" in again.text
    assert stand.volumes() == {ticket: 0.05}


async def test_price_moved_beyond_deviation_asks_again(stand: Stand) -> None:
    stand.core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    preview = only(await stand.say("2", "买入0.01手黄金"))
    assert "2000.20" in preview.text
    stand.core.sim.set_price("XAUUSD.m", 2001.00, 2001.20)  # 100 points; the deviation is 10
    asked = only(await stand.tap("2", action(preview)))
    assert asked.edit and asked.confirmation_id not in (None, preview.confirmation_id)
    assert "价格已变动" in asked.text and "2001.20" in asked.text
    assert stand.core.sim.positions_total() == 0
    only(await stand.tap("2", action(preview)))  # the old confirmation is spent
    assert stand.core.sim.positions_total() == 0
    only(await stand.tap("2", action(asked)))
    assert stand.core.sim.positions_total() == 1


async def test_price_within_deviation_executes(stand: Stand) -> None:
    stand.core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    preview = only(await stand.say("2", "买入0.01手黄金"))
    stand.core.sim.set_price("XAUUSD.m", 2000.05, 2000.25)  # 5 points
    done = only(await stand.tap("2", action(preview)))
    assert "已执行" in done.text
    assert stand.core.sim.positions_total() == 1


async def test_user_with_confirm_never_trades_at_once(stand: Stand) -> None:
    done = only(await stand.say("6", "买入0.01手黄金"))
    assert done.confirmation_id is None and "已执行" in done.text
    assert stand.core.sim.positions_total() == 1


async def test_refusal_from_the_trading_core_is_explained(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    refused = only(await stand.say("2", "平仓1手黄金"))
    assert refused.confirmation_id is None and "volume_exceeds" in refused.text


async def test_english_user_gets_english(stand: Stand) -> None:
    question = only(await stand.say("5", "下单0.01手欧美"))
    assert question.text.startswith("Buy or sell?")
    assert [b.text for b in question.buttons[0]] == ["Buy", "Sell"]
