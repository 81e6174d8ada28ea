"""positions_get answers from remembered views until a quote or the position changes, and is then
exactly what a fresh computation gives."""

from __future__ import annotations

from mt5bridge.simulator import Simulator, views
from tests.simulator.conftest import deal


def fresh(mt5: Simulator) -> list[object]:
    return [views.position(p, mt5.ledger) for p in mt5.book.positions.values()]


def test_views_are_reused_only_while_nothing_changed(mt5: Simulator) -> None:
    for side in ("buy", "sell", "buy"):
        assert deal(mt5, "EURUSD", side, 0.1).retcode == mt5.TRADE_RETCODE_DONE
    assert deal(mt5, "USDJPY", "buy", 0.2).retcode == mt5.TRADE_RETCODE_DONE  # profit converted from JPY
    first = mt5.positions_get()
    again = mt5.positions_get()
    assert again == first and all(a is b for a, b in zip(again, first, strict=True))  # reused
    mt5.set_price("EURUSD", 1.2345)
    moved = mt5.positions_get()
    assert list(moved) == fresh(mt5) and moved[0].price_current == 1.2345
    assert moved[0].profit != first[0].profit
    ticket = moved[0].ticket
    sent = mt5.order_send(
        {"action": mt5.TRADE_ACTION_SLTP, "position": ticket, "symbol": "EURUSD", "sl": 1.1}
    )
    assert sent.retcode == mt5.TRADE_RETCODE_DONE
    modified = mt5.positions_get(ticket=ticket)
    assert modified[0].sl == 1.1 and list(mt5.positions_get()) == fresh(mt5)
    mt5.set_price("USDJPY", 160.0)  # only the JPY position's quote moved
    assert list(mt5.positions_get()) == fresh(mt5)


def test_closed_positions_leave_the_memory(mt5: Simulator) -> None:
    for _ in range(100):
        deal(mt5, "EURUSD", "buy", 0.01)
    mt5.positions_get()
    for pos in list(mt5.positions_get()):
        deal(mt5, "EURUSD", "sell", 0.01, position=pos.ticket)
    deal(mt5, "EURUSD", "buy", 0.01)
    assert len(mt5.positions_get()) == 1
    assert len(mt5.queries._views) <= 1 + 64


def test_a_view_of_another_symbol_survives_a_tick_elsewhere_but_not_on_its_conversion(mt5: Simulator) -> None:
    """Views are keyed by their own and their conversion symbols' quotes, not by any tick anywhere."""
    deal(mt5, "EURUSD", "buy", 0.1)
    deal(mt5, "EURJPY", "buy", 0.1)  # profit in JPY, converted through USDJPY
    eur, jpy = mt5.positions_get()
    mt5.set_price("XAUUSD", 2500.0)  # neither position reads gold
    again = mt5.positions_get()
    assert again[0] is eur and again[1] is jpy
    mt5.set_price("USDJPY", 170.0)  # the JPY position's conversion moved: its profit in USD did
    moved = mt5.positions_get()
    assert moved[0] is eur and moved[1] is not jpy and list(moved) == fresh(mt5)
    assert moved[1].profit != jpy.profit


def test_symbol_info_follows_every_input_of_its_view(mt5: Simulator) -> None:
    """symbol_info is remembered per symbol until its tick, day range, selection, trade mode or tick
    value changes; each change shows at once."""
    first = mt5.symbol_info("EURUSD")
    assert mt5.symbol_info("EURUSD") is first
    mt5.set_price("EURUSD", 1.2345)
    priced = mt5.symbol_info("EURUSD")
    assert priced.bid == 1.2345 and priced.bidhigh >= 1.2345
    mt5.set_trade_mode("EURUSD", mt5.SYMBOL_TRADE_MODE_CLOSEONLY)
    assert mt5.symbol_info("EURUSD").trade_mode == mt5.SYMBOL_TRADE_MODE_CLOSEONLY
    jpy = mt5.symbol_info("EURJPY")
    mt5.set_price("USDJPY", 170.0)  # EURJPY's tick value is in JPY per USD
    assert mt5.symbol_info("EURJPY").trade_tick_value != jpy.trade_tick_value
    hidden = mt5.symbol_info("NZDUSD")
    mt5.symbol_select("NZDUSD", not hidden.select)
    assert mt5.symbol_info("NZDUSD").select is not hidden.select
