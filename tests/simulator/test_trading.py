"""order_send semantics: hedging and netting, partial close, pending orders, modifications, close-by."""

from __future__ import annotations

import pytest

from mt5bridge.simulator import Simulator
from tests.simulator.conftest import close, deal


def test_hedging_opposite_deal_opens_a_hedge(mt5: Simulator) -> None:
    buy = deal(mt5, "EURUSD", "buy", 0.1, magic=11, comment="leg a")
    sell = deal(mt5, "EURUSD", "sell", 0.1, magic=12, comment="leg b")
    positions = {p.ticket: p for p in mt5.positions_get(symbol="EURUSD")}
    assert set(positions) == {buy.order, sell.order}
    assert positions[buy.order].identifier == buy.order  # ticket == identifier == opening order
    assert positions[sell.order].magic == 12 and positions[sell.order].comment == "leg b"
    assert mt5.history_deals_get(ticket=buy.order)[0].ticket == buy.deal


def test_partial_close_keeps_ticket_and_open_price(mt5: Simulator) -> None:
    opened = deal(mt5, "XAUUSD", "buy", 0.05)
    before = mt5.positions_get(ticket=opened.order)[0]
    result = close(mt5, opened.order, 0.01)
    assert result.retcode == mt5.TRADE_RETCODE_DONE
    after = mt5.positions_get(ticket=opened.order)[0]
    assert after.volume == pytest.approx(0.04)
    assert after.price_open == before.price_open
    out = mt5.history_deals_get(position=opened.order)[-1]
    assert out.entry == mt5.DEAL_ENTRY_OUT and out.volume == pytest.approx(0.01)
    assert close(mt5, opened.order, 0.05).retcode == mt5.TRADE_RETCODE_INVALID_CLOSE_VOLUME


def test_close_of_closed_position_is_position_closed(mt5: Simulator) -> None:
    ticket = deal(mt5, "EURUSD", "buy", 0.1).order
    close(mt5, ticket)
    again = deal(mt5, "EURUSD", "sell", 0.1, position=ticket)
    assert again.retcode == mt5.TRADE_RETCODE_POSITION_CLOSED
    never = deal(mt5, "EURUSD", "sell", 0.1, position=999)
    assert never.retcode == mt5.TRADE_RETCODE_INVALID


def test_netting_adds_reduces_and_reverses(netting: Simulator) -> None:
    mt5 = netting
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    first = deal(mt5, "EURUSD", "buy", 0.1)
    mt5.set_price("EURUSD", 1.10100, 1.10102)
    deal(mt5, "EURUSD", "buy", 0.1)
    (pos,) = mt5.positions_get()
    assert pos.volume == pytest.approx(0.2)
    assert pos.price_open == pytest.approx((1.10002 + 1.10102) / 2)
    deal(mt5, "EURUSD", "sell", 0.05)
    assert mt5.positions_get()[0].volume == pytest.approx(0.15)
    reverse = deal(mt5, "EURUSD", "sell", 0.25)
    (pos,) = mt5.positions_get()
    assert pos.type == mt5.POSITION_TYPE_SELL and pos.volume == pytest.approx(0.10)
    assert pos.identifier == first.order and pos.ticket == reverse.order
    entries = [d.entry for d in mt5.history_deals_get(position=first.order)]
    assert entries == [mt5.DEAL_ENTRY_IN, mt5.DEAL_ENTRY_IN, mt5.DEAL_ENTRY_OUT, mt5.DEAL_ENTRY_INOUT]


def test_sl_and_tp_set_on_open_and_modified(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    ticket = deal(mt5, "EURUSD", "buy", 0.1, sl=1.09500, tp=1.10500).order
    pos = mt5.positions_get(ticket=ticket)[0]
    assert (pos.sl, pos.tp) == (1.09500, 1.10500)
    request = {"action": mt5.TRADE_ACTION_SLTP, "position": ticket, "sl": 1.09600, "tp": 0.0}
    assert mt5.order_send(request).retcode == mt5.TRADE_RETCODE_DONE
    pos = mt5.positions_get(ticket=ticket)[0]
    assert (pos.sl, pos.tp) == (1.09600, 0.0)
    assert mt5.order_send(request).retcode == mt5.TRADE_RETCODE_NO_CHANGES


def test_pending_orders_place_modify_remove(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    placed = mt5.order_send(
        {
            "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
            "type": mt5.ORDER_TYPE_BUY_LIMIT, "price": 1.09500, "type_filling": mt5.ORDER_FILLING_RETURN,
            "magic": 5, "comment": "dip",
        }
    )  # fmt: skip
    assert placed.retcode == mt5.TRADE_RETCODE_DONE
    (order,) = mt5.orders_get()
    assert order.state == mt5.ORDER_STATE_PLACED and order.price_open == 1.09500
    modify = {
        "action": mt5.TRADE_ACTION_MODIFY,
        "order": placed.order,
        "price": 1.09400,
        "sl": 1.09000,
        "tp": 0.0,
    }
    assert mt5.order_send(modify).retcode == mt5.TRADE_RETCODE_DONE
    assert mt5.orders_get(ticket=placed.order)[0].price_open == 1.09400
    assert mt5.order_send({"action": mt5.TRADE_ACTION_REMOVE, "order": placed.order}).retcode == 10009
    assert mt5.orders_total() == 0
    history = mt5.history_orders_get(ticket=placed.order)
    assert history[0].state == mt5.ORDER_STATE_CANCELED


def test_pending_price_on_wrong_side_is_invalid_price(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    for kind, price in ((2, 1.10100), (3, 1.09900), (4, 1.09900), (5, 1.10100)):
        request = {
            "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1, "type": kind,
            "price": price, "type_filling": mt5.ORDER_FILLING_RETURN,
        }  # fmt: skip
        assert mt5.order_send(request).retcode == mt5.TRADE_RETCODE_INVALID_PRICE, kind
    assert mt5.orders_total() == 0


def test_close_by_offsets_at_the_opposite_open_price(mt5: Simulator) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.10)
    buy = deal(mt5, "XAUUSD", "buy", 0.3).order  # at 2000.10
    mt5.set_price("XAUUSD", 2005.00, 2005.10)
    sell = deal(mt5, "XAUUSD", "sell", 0.1).order  # at 2005.00
    result = mt5.order_send({"action": mt5.TRADE_ACTION_CLOSE_BY, "position": buy, "position_by": sell})
    assert result.retcode == mt5.TRADE_RETCODE_DONE
    (rest,) = mt5.positions_get()
    assert rest.ticket == buy and rest.volume == pytest.approx(0.2) and rest.price_open == 2000.10
    out = [d for d in mt5.history_deals_get(0, 2**40) if d.entry == mt5.DEAL_ENTRY_OUT_BY]
    assert len(out) == 2
    assert sum(d.profit for d in out) == pytest.approx((2005.00 - 2000.10) * 100 * 0.1)
    assert mt5.history_orders_get(ticket=result.order)[0].type == mt5.ORDER_TYPE_CLOSE_BY


def test_order_check_projects_margin_without_trading(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    request = {
        "action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 1.0, "type": 0,
        "type_filling": mt5.ORDER_FILLING_IOC,
    }  # fmt: skip
    check = mt5.order_check(request)
    assert check.retcode == 0 and check.comment == "Done"
    assert check.margin == pytest.approx(1100.0)
    assert check.margin_free == pytest.approx(check.equity - 1100.0)
    assert mt5.positions_total() == 0


def test_magic_and_comment_flow_to_deals_and_history(mt5: Simulator) -> None:
    result = deal(mt5, "GBPUSD", "sell", 0.2, magic=20250101, comment="grid L1")
    (d,) = mt5.history_deals_get(ticket=result.order)
    assert (d.magic, d.comment, d.reason) == (20250101, "grid L1", mt5.DEAL_REASON_EXPERT)
    (o,) = mt5.history_orders_get(ticket=result.order)
    assert (o.magic, o.comment, o.state) == (20250101, "grid L1", mt5.ORDER_STATE_FILLED)
