"""Ask instead of giving up: the questions a command's `needs` drive, through the real chat core and the
simulator. Commands are built directly where the parser's phrase is not the point; taps and typed answers
go through `ChatCore.handle` like any platform's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.messages import Reply
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest, OrderKind
from nlu import Command, Intent, Selector, Side
from nlu.command import Need
from storage.models import Outcome
from tests.bot.core_stand import SETUP, Stand, action, only, running_stand

BUY, SELL = PositionSide.BUY, PositionSide.SELL


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def start(stand: Stand, user: str, cmd: Command, raw: str = "typed") -> Reply:
    """The trading flow's answer to a parsed command, as `ChatCore.handle` would get it (not audited)."""
    p = stand.chat.deps.gate.principal("telegram", user, user, None, raw)
    assert p is not None
    return only((await stand.chat.trades.start(p, cmd)).replies)


def labels(reply: Reply) -> list[str]:
    return [b.text for row in reply.buttons for b in row]


def tap_label(reply: Reply, label: str) -> str:
    [found] = [b.action for row in reply.buttons for b in row if b.text == label]
    return found


def positions(stand: Stand) -> list[tuple[str, int, float, int]]:
    return sorted((p.symbol, p.type, p.volume, p.magic) for p in stand.core.sim.positions_get() or ())


async def pending(stand: Stand, symbol: str, side: PositionSide, price: float) -> int:
    req = OpenRequest(symbol=symbol, side=side, volume=0.01, order_type=OrderKind.LIMIT, price=price)
    result = await stand.core.service.execute(req, SETUP)
    assert result.ok
    return result.outcomes[0].order


async def confirm(stand: Stand, preview: Reply, user: str = "2") -> Reply:
    assert preview.confirmation_id, preview.text
    return only(await stand.tap(user, action(preview)))


# --- volume or price -------------------------------------------------------------------------------
SELL_EURUSD_1 = Command(
    intent=Intent.OPEN, symbol="EURUSD", side=Side.SELL, needs=(Need.VOLUME_OR_PRICE,), number=0.02
)


async def test_tapping_the_volume_opens_that_volume_after_confirmation(stand: Stand) -> None:
    question = await start(stand, "2", SELL_EURUSD_1)
    assert "0.02 是手数还是价格" in question.text and question.confirmation_id is None
    assert labels(question) == ["0.02 手", "价格 0.02"]
    preview = only(await stand.tap("2", tap_label(question, "0.02 手")))
    assert preview.edit and "卖 0.02 手" in preview.text
    assert positions(stand) == []  # an answer never trades by itself
    assert "已执行" in (await confirm(stand, preview)).text
    assert positions(stand) == [("EURUSD.m", 1, 0.02, 0)]


async def test_tapping_the_price_places_a_pending_order_at_that_price(stand: Stand) -> None:
    price = round((await stand.core.service.quote("EURUSD")).bid + 0.005, 5)
    cmd = Command(intent=Intent.OPEN, symbol="EURUSD", side=Side.SELL, volume=0.01,
                  needs=(Need.VOLUME_OR_PRICE,), number=price)  # fmt: skip
    question = await start(stand, "2", cmd)
    assert labels(question) == [f"价格 {price:g}"]  # the volume is known: the number can only be the price
    preview = only(await stand.tap("2", action(question)))
    assert f"卖 0.01 手 · 挂单 @ {price:.5f}" in preview.text
    assert stand.core.sim.orders_total() == 0
    await confirm(stand, preview)
    [order] = list(stand.core.sim.orders_get() or [])
    assert (order.symbol, order.type, order.price_open, order.volume_initial) == ("EURUSD.m", 3, price, 0.01)
    assert positions(stand) == []


async def test_price_without_a_volume_then_says_what_is_missing(stand: Stand) -> None:
    question = await start(stand, "5", SELL_EURUSD_1)  # user 5 speaks English
    assert "Is 0.02 the volume or the price?" in question.text
    assert labels(question) == ["0.02 lots", "price 0.02"]
    missing = only(await stand.say("5", "price"))  # typed, like a tap on "price 0.02"
    assert "Missing: volume" in missing.text and missing.confirmation_id is None
    assert stand.core.sim.orders_total() == 0


async def test_typed_unit_words_and_numbers_answer_the_question(stand: Stand) -> None:
    await start(stand, "2", SELL_EURUSD_1)
    preview = only(await stand.say("2", "手"))
    assert preview.confirmation_id and "0.02 手" in preview.text
    await start(stand, "2", SELL_EURUSD_1)
    assert "还缺少" in only(await stand.say("2", "2")).text  # option 2: the price


async def test_a_number_too_large_for_lots_is_only_offered_as_a_price(stand: Stand) -> None:
    cmd = SELL_EURUSD_1.model_copy(update={"symbol": "XAUUSD", "number": 2300.5})
    assert labels(await start(stand, "2", cmd)) == ["价格 2300.5"]


# --- side and symbol, one at a time in the order of the needs ----------------------------------------
async def test_symbol_then_side_are_asked_in_order_then_previewed(stand: Stand) -> None:
    cmd = Command(intent=Intent.OPEN, volume=0.01, needs=(Need.SYMBOL, Need.SIDE))
    question = await start(stand, "2", cmd)
    assert "交易哪个品种" in question.text
    assert labels(question) == ["XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "XAGUSD", "USOIL"]
    side = only(await stand.tap("2", tap_label(question, "GBPUSD")))
    assert "买还是卖" in side.text and "GBPUSD" in side.text and side.confirmation_id is None
    preview = only(await stand.say("2", "2"))  # a typed number picks the option (2: sell)
    assert "GBPUSD.m" in preview.text and "卖" in preview.text
    await confirm(stand, preview)
    assert positions(stand) == [("GBPUSD.m", 1, 0.01, 0)]


async def test_symbols_of_open_positions_come_first(stand: Stand) -> None:
    await stand.open("GBPJPY", BUY, 0.01)
    await stand.open("EURUSD", SELL, 0.01)
    question = await start(stand, "2", Command(intent=Intent.OPEN, side=Side.BUY, volume=0.01,
                                               needs=(Need.SYMBOL,)))  # fmt: skip
    assert labels(question) == ["GBPJPY", "EURUSD", "XAUUSD", "GBPUSD", "USDJPY", "XAGUSD"]


async def test_a_typed_symbol_name_answers_the_symbol_question(stand: Stand) -> None:
    await start(stand, "2", Command(intent=Intent.OPEN, side=Side.BUY, volume=0.01, needs=(Need.SYMBOL,)))
    preview = only(await stand.say("2", "白银"))
    assert preview.confirmation_id and "XAGUSD.m" in preview.text
    await confirm(stand, preview)
    assert positions(stand) == [("XAGUSD.m", 0, 0.01, 0)]


async def test_symbol_choices_honour_the_users_symbols(stand: Stand) -> None:
    cmd = Command(intent=Intent.OPEN, side=Side.BUY, volume=0.01, needs=(Need.SYMBOL,))
    question = await start(stand, "4", cmd)  # user 4 may trade XAUUSD only
    assert labels(question) == ["XAUUSD"]
    refused = only(await stand.say("4", "欧美"))  # typed: resolved, then refused like a said symbol
    assert "EURUSD" in refused.text and refused.buttons == []
    assert positions(stand) == []


async def test_text_that_answers_nothing_is_read_as_a_new_message(stand: Stand) -> None:
    cmd = Command(intent=Intent.OPEN, side=Side.BUY, volume=0.01, needs=(Need.SYMBOL,))
    question = await start(stand, "2", cmd)
    only(await stand.say("2", "9"))  # no option 9, no symbol: not an answer
    assert stand.chat.deps.dialogs.open_for(("telegram", "2", "2")) is not None
    assert only(await stand.tap("2", action(question))).confirmation_id  # still answerable


# --- which position or order -----------------------------------------------------------------------
async def test_close_with_a_ticket_need_lists_positions_and_closes_the_tapped_one(stand: Stand) -> None:
    gold = await stand.open("XAUUSD", BUY, 0.05)
    euro = await stand.open("EURUSD", SELL, 0.1)
    question = await start(stand, "2", Command(intent=Intent.CLOSE, needs=(Need.TICKET,)))
    assert "要平哪一单" in question.text and labels(question) == [f"1) #{gold}", f"2) #{euro}"]
    preview = only(await stand.tap("2", action(question, col=1)))
    assert f"#{euro}" in preview.text and f"#{gold}" not in preview.text
    await confirm(stand, preview)
    assert stand.volumes() == {gold: 0.05}


async def test_cancel_asks_among_pending_orders_not_positions(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    bid = (await stand.core.service.quote("EURUSD")).bid
    low = await pending(stand, "EURUSD", BUY, round(bid - 0.01, 5))
    high = await pending(stand, "EURUSD", SELL, round(bid + 0.01, 5))
    question = await start(stand, "2", Command(intent=Intent.CANCEL, needs=(Need.TICKET,)))
    assert "要撤销哪一单" in question.text and "买入限价" in question.text
    assert labels(question) == [f"1) #{low}", f"2) #{high}"]
    preview = only(await stand.tap("2", action(question)))
    await confirm(stand, preview)
    assert [o.ticket for o in stand.core.sim.orders_get() or ()] == [high]


async def test_cancel_with_no_pending_orders_says_so(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    reply = await start(stand, "2", Command(intent=Intent.CANCEL, needs=(Need.TICKET,)))
    assert "当前没有挂单" in reply.text and reply.buttons == []


# --- lock ------------------------------------------------------------------------------------------
async def test_lock_one_position_opens_the_opposite_side_after_confirmation(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05, magic=7)
    preview = await start(stand, "2", Command(intent=Intent.LOCK, symbol="XAUUSD"))
    assert f"锁仓 #{ticket}" in preview.text and "卖 0.05 手" in preview.text
    assert positions(stand) == [("XAUUSD.m", 0, 0.05, 7)]
    await confirm(stand, preview)
    assert positions(stand) == [("XAUUSD.m", 0, 0.05, 7), ("XAUUSD.m", 1, 0.05, 0)]


async def test_lock_with_two_positions_asks_which_then_locks_that_one(stand: Stand) -> None:
    first = await stand.open("XAUUSD", BUY, 0.05)
    second = await stand.open("XAUUSD", BUY, 0.02)
    question = await start(stand, "2", Command(intent=Intent.LOCK, symbol="XAUUSD"))
    assert "要锁哪一单" in question.text and labels(question) == [f"1) #{first}", f"2) #{second}"]
    preview = only(await stand.tap("2", action(question, col=1)))
    assert f"锁仓 #{second}" in preview.text and "卖 0.02 手" in preview.text
    await confirm(stand, preview)
    assert positions(stand) == [("XAUUSD.m", 0, 0.02, 0), ("XAUUSD.m", 0, 0.05, 0), ("XAUUSD.m", 1, 0.02, 0)]


async def test_lock_with_a_selector_picks_one_without_asking(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    latest = await stand.open("XAUUSD", SELL, 0.02)
    preview = await start(stand, "5", Command(intent=Intent.LOCK, symbol="XAUUSD", selector=Selector.LATEST))
    assert f"Lock #{latest}" in preview.text and "buy 0.02 lots" in preview.text


async def test_lock_with_nothing_to_lock_says_so(stand: Stand) -> None:
    await stand.open("EURUSD", BUY, 0.05)
    reply = await start(stand, "2", Command(intent=Intent.LOCK, symbol="XAUUSD"))
    assert "没有符合条件的持仓可以锁仓" in reply.text and reply.confirmation_id is None
    assert len(positions(stand)) == 1


# --- fraction closes and cancel filters --------------------------------------------------------------
async def test_half_close_previews_the_share_and_closes_it(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.3)
    preview = await start(stand, "5", Command(intent=Intent.CLOSE, symbol="XAUUSD", fraction=0.5))
    assert "½ of what you hold (0.30 lots): 0.15 lots" in preview.text
    await confirm(stand, preview, "5")
    assert stand.volumes() == {ticket: pytest.approx(0.15)}


async def test_cancel_by_side_leaves_the_other_side(stand: Stand) -> None:
    bid = (await stand.core.service.quote("EURUSD")).bid
    await pending(stand, "EURUSD", BUY, round(bid - 0.01, 5))
    high = await pending(stand, "EURUSD", SELL, round(bid + 0.01, 5))
    preview = await start(stand, "2", Command(intent=Intent.CANCEL, symbol="EURUSD", side=Side.BUY))
    await confirm(stand, preview)
    assert [o.ticket for o in stand.core.sim.orders_get() or ()] == [high]


# --- who may answer --------------------------------------------------------------------------------
async def test_a_viewer_is_never_asked(stand: Stand) -> None:
    await stand.open("XAUUSD", BUY, 0.05)
    for cmd in (SELL_EURUSD_1, Command(intent=Intent.CLOSE, needs=(Need.TICKET,)),
                Command(intent=Intent.LOCK, symbol="XAUUSD")):  # fmt: skip
        reply = await start(stand, "3", cmd)
        assert reply.buttons == [] and reply.confirmation_id is None
    assert stand.chat.deps.dialogs.open_for(("telegram", "3", "3")) is None
    assert len(positions(stand)) == 1


async def test_a_foreign_or_expired_tap_does_nothing(stand: Stand) -> None:
    question = await start(stand, "2", SELL_EURUSD_1)
    foreign = only(await stand.tap("3", action(question)))  # a viewer tapping a trader's question
    assert foreign.confirmation_id is None and foreign.buttons == []
    foreign = only(await stand.tap("5", action(question)))
    assert "not yours" in foreign.text
    stand.clock.now += 61  # the question lives as long as a confirmation (60 s here)
    expired = only(await stand.tap("2", action(question)))
    assert "已失效" in expired.text and expired.buttons == []
    assert positions(stand) == [] and stand.core.sim.orders_total() == 0


async def test_questions_and_answers_are_audited(stand: Stand) -> None:
    p = stand.chat.deps.gate.principal("telegram", "2", "2", None, "sell eurusd 0.02")
    assert p is not None
    step = await stand.chat.trades.start(p, SELL_EURUSD_1)
    [asked] = step.notes
    assert (asked.action, asked.outcome, asked.command) == ("question.volume_or_price", Outcome.PENDING,
                                                            SELL_EURUSD_1)  # fmt: skip
    question_id = asked.confirmation
    only(await stand.tap("2", action(step.replies[0])))
    entries = list(reversed(await stand.core.db.audit.recent(limit=10, actor="2")))
    answer, preview = entries[0], entries[1]
    assert (answer.action, answer.outcome, answer.confirmation) == ("chat.answer", Outcome.OK, question_id)
    assert answer.command is not None and answer.command["volume"] == 0.02
    assert answer.raw_input == "sell eurusd 0.02"  # the question's message, not the button id
    assert (preview.action, preview.outcome) == ("chat.preview", Outcome.PENDING)


# --- the parser's phrases, end to end ---------------------------------------------------------------
async def test_sell_eurusd_1_asks_lots_or_price_then_opens_one_lot(stand: Stand) -> None:
    question = only(await stand.say("2", "sell eurusd 1"))
    assert labels(question) == ["1 手", "价格 1"]
    preview = only(await stand.tap("2", tap_label(question, "1 手")))
    await confirm(stand, preview)
    assert positions(stand) == [("EURUSD.m", 1, 1.0, 0)]


async def test_buy_lots_without_symbol_asks_the_symbol(stand: Stand) -> None:
    question = only(await stand.say("5", "buy 0.01 lots"))
    assert "Which symbol?" in question.text and labels(question)[0] == "XAUUSD"
    preview = only(await stand.say("5", "gold"))
    await confirm(stand, preview, "5")
    assert positions(stand) == [("XAUUSD.m", 0, 0.01, 0)]


async def test_lock_gold_and_close_half_by_phrase(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.3)
    preview = only(await stand.say("2", "锁仓黄金"))
    assert f"锁仓 #{ticket}" in preview.text
    await confirm(stand, preview)
    half = only(await stand.say("2", f"平一半 #{ticket}"))
    assert "½ 持仓（共 0.30 手）：平 0.15 手" in half.text
    await confirm(stand, half)
    assert sorted(stand.volumes().values()) == [pytest.approx(0.15), 0.3]
