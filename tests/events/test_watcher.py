"""TradeWatcher against a real client over the simulator: trade events by us, by EAs and by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal import models as M
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.events import (
    AccountUpdate,
    CancelState,
    CloseReason,
    EventBus,
    EventKind,
    PendingCancelled,
    PendingFilled,
    PendingPlaced,
    PositionClosed,
    PositionModified,
    PositionOpened,
    PositionReduced,
    StopLossHit,
    TakeProfitHit,
    TradeWatcher,
)
from mt5bridge.trading.events.diff import DealIndex, Snapshot, position_events
from tests.events.conftest import market


def trade_events(events: list) -> list:
    return [e for e in events if e.kind is not EventKind.ACCOUNT_UPDATE]


async def exit_money(client: MT5Client, position: int) -> float:
    deals = await client.deals(position=position)
    return round(
        sum(d.profit + d.commission + d.swap + d.fee for d in deals if d.entry is M.DealEntry.OUT), 2
    )


async def test_sl_hit_by_the_simulator_gives_one_stop_loss_event_with_realized_profit(
    sim: Simulator, client: MT5Client, bus: EventBus, watcher: TradeWatcher
) -> None:
    sub = bus.subscribe(None, name="test")
    tick = await client.tick("EURUSD")
    result = await client.order_send(market(volume=0.5, sl=round(tick.bid - 0.002, 5), magic=42), tag="slhit")
    opened = trade_events(await watcher.poll_once())
    assert [type(e) for e in opened] == [PositionOpened]
    sim.set_price("EURUSD", tick.bid - 0.003)
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [StopLossHit]
    hit = events[0]
    assert isinstance(hit, StopLossHit)
    assert (hit.ticket, hit.reason, hit.magic, hit.volume, hit.side) == (
        result.order,
        CloseReason.SL,
        42,
        0.5,
        M.PositionSide.BUY,
    )
    assert hit.profit == await exit_money(client, result.order)
    # the loss is about 0.5 lot * 100k * (open - close) plus commission: clearly negative
    assert hit.profit is not None and hit.profit < -100
    assert hit.price is not None and hit.price <= tick.bid - 0.002
    received = [sub.get_nowait() for _ in range(sub.pending)]
    assert [e.kind for e in received if e is not None and e.kind is not EventKind.ACCOUNT_UPDATE] == [
        EventKind.POSITION_OPENED,
        EventKind.STOP_LOSS_HIT,
    ]


async def test_tp_hit_and_manual_close(sim: Simulator, client: MT5Client, watcher: TradeWatcher) -> None:
    tick = await client.tick("EURUSD")
    tp = await client.order_send(market(side=C.ORDER_TYPE_SELL, tp=round(tick.ask - 0.002, 5)), tag="tp")
    by_hand = sim.send_as(market(volume=0.2), C.DEAL_REASON_CLIENT)
    assert by_hand is not None
    await watcher.poll_once()
    sim.set_price("EURUSD", tick.bid - 0.003)
    sim.send_as(market(volume=0.2, side=C.ORDER_TYPE_SELL, position=by_hand.order), C.DEAL_REASON_CLIENT)
    events = {e.ticket: e for e in trade_events(await watcher.poll_once())}  # type: ignore[union-attr]
    assert isinstance(events[tp.order], TakeProfitHit) and events[tp.order].profit > 0
    manual = events[by_hand.order]
    assert isinstance(manual, PositionClosed) and manual.reason is CloseReason.MANUAL
    assert manual.profit == await exit_money(client, by_hand.order)


async def test_a_position_opened_and_closed_between_two_rounds_is_reported_closed(
    sim: Simulator, client: MT5Client, watcher: TradeWatcher
) -> None:
    """A scalp inside one round is in neither snapshot; its deals still make it one closed event."""
    await watcher.poll_once()
    opened = sim.send_as(market(volume=0.3, side=C.ORDER_TYPE_SELL, magic=7), C.DEAL_REASON_EXPERT)
    assert opened is not None
    tick = await client.tick("EURUSD")
    sim.set_price("EURUSD", tick.bid - 0.001)  # the sell gains
    closing = market(volume=0.3, position=opened.order, magic=7)
    assert sim.send_as(closing, C.DEAL_REASON_EXPERT) is not None
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [PositionClosed]
    closed = events[0]
    assert isinstance(closed, PositionClosed)
    assert (closed.ticket, closed.symbol, closed.side, closed.volume, closed.magic) == (
        opened.order, "EURUSD", M.PositionSide.SELL, 0.3, 7,
    )  # fmt: skip
    assert closed.reason is CloseReason.EXPERT
    assert closed.profit == await exit_money(client, opened.order) and closed.profit > 0
    assert trade_events(await watcher.poll_once()) == []  # reported once


async def test_positions_by_hand_and_by_an_ea_are_reported_with_their_magic(
    sim: Simulator, client: MT5Client, watcher: TradeWatcher
) -> None:
    manual = sim.send_as(market("XAUUSD", 0.01), C.DEAL_REASON_CLIENT)
    ea = await client.order_send(market("GBPUSD", 0.1, magic=777001), tag="ea")
    assert manual is not None
    opened = {e.position.ticket: e.position for e in trade_events(await watcher.poll_once())}  # type: ignore[union-attr]
    assert opened[manual.order].magic == 0 and opened[manual.order].reason is M.Reason.CLIENT
    assert opened[ea.order].magic == 777001 and opened[ea.order].reason is M.Reason.EXPERT
    assert trade_events(await watcher.poll_once()) == []  # nothing changed: nothing reported


async def test_pending_placed_then_filled_then_position_opened(
    sim: Simulator, client: MT5Client, watcher: TradeWatcher
) -> None:
    tick = await client.tick("EURUSD")
    price = round(tick.ask - 0.003, 5)
    req = {
        "action": C.TRADE_ACTION_PENDING,
        "symbol": "EURUSD",
        "volume": 0.3,
        "type": C.ORDER_TYPE_BUY_LIMIT,
        "price": price,
        "type_filling": C.ORDER_FILLING_RETURN,
        "magic": 5,
    }
    placed = await client.order_send(req, tag="lim")
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [PendingPlaced]
    assert events[0].order.ticket == placed.order  # type: ignore[union-attr]
    sim.set_price("EURUSD", price - 0.0005)
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [PendingFilled, PositionOpened]
    fill = events[0]
    assert isinstance(fill, PendingFilled)
    assert (fill.order_ticket, fill.position_ticket, fill.volume, fill.magic) == (
        placed.order,
        placed.order,
        0.3,
        5,
    )
    assert fill.price == pytest.approx(price)


async def test_pending_cancel_and_expiry_states(client: MT5Client, watcher: TradeWatcher) -> None:
    tick = await client.tick("EURUSD")
    req = {
        "action": C.TRADE_ACTION_PENDING,
        "symbol": "EURUSD",
        "volume": 0.1,
        "type": C.ORDER_TYPE_SELL_STOP,
        "price": round(tick.bid - 0.004, 5),
        "type_filling": C.ORDER_FILLING_RETURN,
    }
    placed = await client.order_send(req, tag="stop")
    await watcher.poll_once()
    await client.order_send({"action": C.TRADE_ACTION_REMOVE, "order": placed.order}, tag="rm")
    events = trade_events(await watcher.poll_once())
    assert len(events) == 1 and isinstance(events[0], PendingCancelled)
    assert (events[0].order_ticket, events[0].state) == (placed.order, CancelState.CANCELLED)


async def test_partial_close_and_sl_change(sim: Simulator, client: MT5Client, watcher: TradeWatcher) -> None:
    opened = await client.order_send(market(volume=0.5, magic=9), tag="p")
    await watcher.poll_once()
    sim.set_price("EURUSD", (await client.tick("EURUSD")).bid + 0.001)
    await client.order_send(
        market(volume=0.2, side=C.ORDER_TYPE_SELL, position=opened.order, magic=9), tag="pc"
    )
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [PositionReduced]
    reduced = events[0]
    assert isinstance(reduced, PositionReduced)
    assert (reduced.volume_closed, reduced.volume_left, reduced.reason) == (0.2, 0.3, CloseReason.EXPERT)
    assert reduced.profit == await exit_money(client, opened.order) and reduced.profit > 0
    tick = await client.tick("EURUSD")
    sl = round(tick.bid - 0.005, 5)
    await client.order_send({"action": C.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": opened.order,
                             "sl": sl, "tp": 0.0}, tag="sl")  # fmt: skip
    events = trade_events(await watcher.poll_once())
    assert len(events) == 1 and isinstance(events[0], PositionModified)
    assert (events[0].old_sl, events[0].new_sl, events[0].new_volume) == (None, sl, 0.3)


async def test_close_seen_in_an_earlier_deal_batch_still_reports_its_profit(
    client: MT5Client, watcher: TradeWatcher
) -> None:
    opened = await client.order_send(market(volume=0.1), tag="race")
    await watcher.poll_once()
    await client.order_send(market(volume=0.1, side=C.ORDER_TYPE_SELL, position=opened.order), tag="racec")
    # the closing deal is read (and remembered) before the position disappears from the snapshot
    for deal in await client.deals(position=opened.order):
        watcher._remember(deal)
    events = trade_events(await watcher.poll_once())
    assert len(events) == 1 and isinstance(events[0], PositionClosed)
    assert events[0].profit == await exit_money(client, opened.order)
    assert events[0].reason is CloseReason.EXPERT


async def test_account_update_only_when_changed(
    sim: Simulator, client: MT5Client, watcher: TradeWatcher
) -> None:
    first = await watcher.poll_once()
    assert [type(e) for e in first] == [AccountUpdate]
    assert await watcher.poll_once() == []
    await client.order_send(market(volume=1.0), tag="acc")
    sim.set_price("EURUSD", (await client.tick("EURUSD")).bid + 0.002)
    updates = [e for e in await watcher.poll_once() if isinstance(e, AccountUpdate)]
    assert len(updates) == 1 and updates[0].margin > 0 and updates[0].profit > 0


async def test_a_round_during_an_outage_reports_nothing(
    sim: Simulator, client: MT5Client, watcher: TradeWatcher
) -> None:
    opened = await client.order_send(market(volume=0.1), tag="out")
    await watcher.poll_once()
    sim.disconnect()
    assert await watcher.poll_once() == []
    sim.reconnect()
    assert await client.connect()
    await client.order_send(market(volume=0.1, side=C.ORDER_TYPE_SELL, position=opened.order), tag="outc")
    events = trade_events(await watcher.poll_once())
    assert [type(e) for e in events] == [PositionClosed]


def _position(ticket: int, volume: float = 1.0, sl: float | None = None) -> M.Position:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    return M.Position(
        ticket=ticket, identifier=ticket, symbol="EURUSD", side=M.PositionSide.BUY, volume=volume,
        price_open=1.1, price_current=1.1, sl=sl, tp=None, swap=0.0, profit=0.0, magic=1, comment="",
        external_id="", reason=M.Reason.EXPERT, time=now, time_server=0, time_msc=0, time_update=now,
        time_update_server=0,
    )  # fmt: skip


def test_diff_of_1000_positions() -> None:
    old = Snapshot.of([_position(t) for t in range(1, 1001)], [])
    # 300 closed, 300 new, 200 SL moved, 200 reduced
    new_positions = [_position(t) for t in range(301, 1301)]
    for i, t in enumerate(range(301, 701)):
        new_positions[i] = _position(t, sl=1.0) if t < 501 else _position(t, volume=0.5)
    new = Snapshot.of(new_positions, [])
    now = datetime.now(UTC)
    events = position_events(old, new, DealIndex.of([]), now)
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.POSITION_CLOSED) == 300
    assert kinds.count(EventKind.POSITION_OPENED) == 300
    assert kinds.count(EventKind.POSITION_MODIFIED) == 200
    assert kinds.count(EventKind.POSITION_REDUCED) == 200
    assert position_events(new, new, DealIndex.of([]), now) == []


async def test_watcher_round_with_1000_open_positions(
    sim: Simulator, client: MT5Client, bus: EventBus
) -> None:
    sim.deposit(100_000)
    for _ in range(1000):
        assert sim.send_as(market(volume=0.01), C.DEAL_REASON_CLIENT).retcode == C.TRADE_RETCODE_DONE
    watcher = TradeWatcher(client, bus)
    await watcher.prime()
    sim.send_as(market(volume=0.01), C.DEAL_REASON_CLIENT)
    started = time.perf_counter()
    events = trade_events(await watcher.poll_once())
    elapsed = time.perf_counter() - started
    assert [type(e) for e in events] == [PositionOpened]
    assert len(await client.positions()) == 1001
    assert elapsed < 10.0  # pathological-regression guard only; bench_events.py measures speed
