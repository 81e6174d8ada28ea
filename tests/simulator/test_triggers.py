"""Server-side reactions to ticks: SL/TP at the triggering tick's price, pending triggers, stop-out."""

from __future__ import annotations

import pytest

from mt5bridge.simulator import Simulator
from tests.simulator.conftest import deal


def pending(mt5: Simulator, kind: int, price: float, **extra: float) -> int:
    request = {
        "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1, "type": kind, "price": price,
        "type_filling": mt5.ORDER_FILLING_RETURN, **extra,
    }  # fmt: skip
    result = mt5.order_send(request)
    assert result.retcode == 10009, result
    return result.order


def test_buy_sl_closes_at_the_gapped_bid(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    ticket = deal(mt5, "EURUSD", "buy", 0.1, sl=1.09500, tp=1.10500).order
    mt5.set_price("EURUSD", 1.09600, 1.09602)
    assert mt5.positions_total() == 1
    mt5.set_price("EURUSD", 1.09400, 1.09402)  # gap through the SL: slippage as live
    assert mt5.positions_total() == 0
    out = mt5.history_deals_get(position=ticket)[-1]
    assert out.reason == mt5.DEAL_REASON_SL and out.price == pytest.approx(1.09400)
    assert out.comment == "[sl 1.09500]"
    assert out.profit == pytest.approx((1.09400 - 1.10002) * 100000 * 0.1)


def test_sell_tp_closes_at_ask(mt5: Simulator) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.10)
    ticket = deal(mt5, "XAUUSD", "sell", 0.1, tp=1990.00).order
    mt5.set_price("XAUUSD", 1989.95, 1990.00)  # Ask reaches the TP
    out = mt5.history_deals_get(position=ticket)[-1]
    assert out.reason == mt5.DEAL_REASON_TP and out.price == pytest.approx(1990.00)
    assert out.profit == pytest.approx((2000.00 - 1990.00) * 100 * 0.1)


@pytest.mark.parametrize(
    ("kind", "price", "quiet", "trigger", "fill"),
    [
        (2, 1.09500, (1.09600, 1.09602), (1.09490, 1.09500), 1.09500),  # buy limit: Ask <= price
        (3, 1.10500, (1.10400, 1.10402), (1.10500, 1.10502), 1.10500),  # sell limit: Bid >= price
        (4, 1.10500, (1.10400, 1.10402), (1.10510, 1.10512), 1.10512),  # buy stop: Ask >= price, fills at Ask
        (5, 1.09500, (1.09600, 1.09602), (1.09480, 1.09482), 1.09480),  # sell stop: Bid <= price, at Bid
    ],
)
def test_pending_triggers(
    mt5: Simulator, kind: int, price: float, quiet: tuple, trigger: tuple, fill: float
) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    ticket = pending(mt5, kind, price, sl=0.0)
    mt5.set_price("EURUSD", *quiet)
    assert mt5.orders_total() == 1 and mt5.positions_total() == 0
    mt5.set_price("EURUSD", *trigger)
    assert mt5.orders_total() == 0
    (pos,) = mt5.positions_get()
    assert pos.ticket == ticket and pos.price_open == pytest.approx(fill)
    assert mt5.history_orders_get(ticket=ticket)[0].state == mt5.ORDER_STATE_FILLED


def test_stop_limit_becomes_limit_then_fills(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    ticket = pending(mt5, mt5.ORDER_TYPE_BUY_STOP_LIMIT, 1.10200, stoplimit=1.10100)
    mt5.set_price("EURUSD", 1.10200, 1.10202)  # stop reached: a buy limit at 1.10100 appears
    (order,) = mt5.orders_get()
    assert order.ticket == ticket and order.type == mt5.ORDER_TYPE_BUY_LIMIT and order.price_open == 1.10100
    mt5.set_price("EURUSD", 1.10090, 1.10095)
    assert mt5.positions_get()[0].price_open == pytest.approx(1.10100)


def test_sl_hit_during_advance(mt5: Simulator) -> None:
    tick = mt5.symbol_info_tick("BTCUSD")
    deal(mt5, "BTCUSD", "buy", 0.01, sl=round(tick.bid - 50, 2), tp=round(tick.bid + 50, 2))
    for _ in range(48):
        mt5.advance(3600)
        if not mt5.positions_total():
            break
    assert mt5.positions_total() == 0
    out = mt5.history_deals_get(0, 2**40)[-1]
    assert out.reason in (mt5.DEAL_REASON_SL, mt5.DEAL_REASON_TP)
    assert out.time_msc > tick.time_msc


def test_stop_out_closes_the_worst_position(mt5: Simulator) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.10)
    deal(mt5, "XAUUSD", "buy", 4.0)  # margin 8000.40 on 10000 equity
    mt5.set_price("XAUUSD", 1991.00, 1991.10)
    assert mt5.positions_total() == 1
    mt5.set_price("XAUUSD", 1985.00, 1985.10)  # equity ~3950 < 50 % of margin
    assert mt5.positions_total() == 0
    out = mt5.history_deals_get(0, 2**40)[-1]
    assert out.reason == mt5.DEAL_REASON_SO and out.comment.startswith("[so ")


def test_stop_out_after_a_withdrawal_comes_with_the_next_clock_step_even_without_a_tick(
    mt5: Simulator,
) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.10)
    deal(mt5, "XAUUSD", "buy", 4.0)  # margin 8000.40 on 10000 equity
    mt5.advance(1)
    assert mt5.positions_total() == 1
    mt5.deposit(-6000.0, "Withdrawal")  # equity ~3,960: under 50 % of the margin, no price moved
    ticked = mt5.market.engine.advance_to  # only to see whether the next step brings a tick
    seen: list[bool] = []
    mt5.market.engine.advance_to = lambda t: seen.append(bool(r := ticked(t))) or r  # type: ignore[method-assign]
    mt5.advance(0.001)
    assert seen == [False]  # a step without a new quote: the account's change alone calls the check
    assert mt5.positions_total() == 0
    assert mt5.history_deals_get(0, 2**40)[-1].reason == mt5.DEAL_REASON_SO


def test_day_orders_expire(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    ticket = pending(mt5, 2, 1.05000, type_time=mt5.ORDER_TIME_DAY)
    mt5.advance(86400)
    assert mt5.orders_total() == 0
    assert mt5.history_orders_get(ticket=ticket)[0].state == mt5.ORDER_STATE_EXPIRED


def test_swap_accrues_at_rollover_and_triples_on_wednesday(mt5: Simulator) -> None:
    ticket = deal(mt5, "EURUSD", "buy", 1.0).order  # Wednesday 10:00
    mt5.advance(15 * 3600)  # past Wednesday's midnight: triple swap
    swap = mt5.positions_get(ticket=ticket)[0].swap
    # swap_long -7.6 points * 0.00001 * 100000 * 1 lot * 3 nights = -22.80 USD
    assert swap == pytest.approx(-22.80)
