"""The simulator's history index answers exactly what a scan of the whole history answers."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mt5bridge.simulator import Simulator, views
from mt5bridge.simulator.records import Deal, Order
from tests.simulator.conftest import WEDNESDAY, deal

SIM = Simulator(seed=1, start=WEDNESDAY)
SIM.initialize()
SYMBOLS = ("EURUSD", "GBPUSD", "XAUUSD", "")
GROUPS = (None, "EUR*", "*,!XAU*", "XAUUSD,GBPUSD")

times = st.integers(0, 40_000)  # msc: 40 seconds, so that many records share a second (and a msc)
deals = st.builds(
    lambda ticket, order, at, position, symbol: Deal(
        ticket=ticket, order=order, time_msc=at, type=0, entry=0, magic=0, position_id=position, reason=3,
        volume=0.1, price=1.0, symbol=symbol,
    ),
    st.integers(1, 10**6), st.integers(0, 8), times, st.integers(0, 8), st.sampled_from(SYMBOLS),
)  # fmt: skip
orders = st.builds(
    lambda ticket, at, position, symbol: Order(
        ticket=ticket, symbol=symbol, type=0, state=4, volume_initial=0.1, volume_current=0.0, price_open=1.0,
        time_setup_msc=at, position_id=position,
    ),
    st.integers(0, 8), times, st.integers(0, 8), st.sampled_from(SYMBOLS),
)  # fmt: skip
queries = st.one_of(
    st.builds(lambda a, b, g: ((a, b), {"group": g} if g else {}), st.integers(-1, 41), st.integers(-1, 41),
              st.sampled_from(GROUPS)),
    st.builds(lambda p: ((), {"position": p}), st.integers(0, 9)),
    st.builds(lambda t: ((), {"ticket": t}), st.integers(0, 9)),
    st.builds(lambda p, t: ((), {"position": p, "ticket": t}), st.integers(0, 9), st.integers(0, 9)),
)  # fmt: skip


def scan(records: list[Any], args: tuple[int, ...], filters: dict[str, Any], *, deals: bool) -> list[Any]:
    """What the simulator answered before the index: every record tested in turn."""
    wanted = set(SIM.market.match(filters["group"])) if filters.get("group") else None
    out = []
    for r in records:
        at, ticket = (r.time_msc, r.order) if deals else (r.time_setup_msc, r.ticket)
        if args and "position" not in filters and "ticket" not in filters:
            if not args[0] * 1000 <= at <= args[1] * 1000 + 999:
                continue
        if filters.get("ticket") is not None and ticket != filters["ticket"]:
            continue
        if filters.get("position") is not None and r.position_id != filters["position"]:
            continue
        if wanted is not None and r.symbol not in wanted:
            continue
        out.append(views.deal(r) if deals else views.order(r))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(deals, max_size=12), st.lists(orders, max_size=6), st.lists(queries, max_size=4)),
                max_size=6))  # fmt: skip
def test_index_answers_as_a_scan(steps: list[tuple[list[Deal], list[Order], list[Any]]]) -> None:
    # A new list each example: the index notices the book's list was replaced and starts again.
    SIM.book.deals, SIM.book.history_orders = [], []
    for new_deals, new_orders, asked in steps:  # records appended between queries, in any time order
        SIM.book.deals.extend(new_deals)
        SIM.book.history_orders.extend(new_orders)
        for args, filters in asked:
            assert list(SIM.queries.history_deals(*(args or (None, None)), **filters)) == scan(
                SIM.book.deals, args, filters, deals=True
            )
            assert list(SIM.queries.history_orders(*(args or (None, None)), **filters)) == scan(
                SIM.book.history_orders, args, filters, deals=False
            )
            if args and not filters:
                assert SIM.history_deals_total(*args) == len(scan(SIM.book.deals, args, {}, deals=True))


def test_trades_are_found_by_position_ticket_and_time(mt5: Simulator) -> None:
    opened = deal(mt5, "EURUSD", "buy", 0.1)
    mt5.advance(60)
    closed = deal(mt5, "EURUSD", "sell", 0.1, position=opened.order)
    by_position = mt5.history_deals_get(position=opened.order)
    assert [d.ticket for d in by_position] == [opened.deal, closed.deal]
    assert [d.ticket for d in mt5.history_deals_get(ticket=closed.order)] == [closed.deal]
    now = mt5.now
    assert [d.ticket for d in mt5.history_deals_get(now, now)] == [closed.deal]
    assert [o.ticket for o in mt5.history_orders_get(position=opened.order)] == [opened.order, closed.order]
