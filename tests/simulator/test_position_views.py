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
