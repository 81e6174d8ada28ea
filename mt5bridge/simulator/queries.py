"""Read-side of the simulator: filtered positions and orders, history, calculations, market depth."""

from __future__ import annotations

from typing import Any

from mt5bridge.simulator import views
from mt5bridge.simulator.clock import BadArgument, arg_epoch
from mt5bridge.simulator.index import HistoryIndex
from mt5bridge.simulator.ledger import Ledger
from mt5bridge.simulator.money import raw_margin, raw_profit
from mt5bridge.simulator.records import Book, Deal, Order
from mt5bridge.simulator.requests import Request
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.structs import BookInfo, TradeDeal, TradeOrder, TradePosition


def _deal_time(d: Deal) -> int:
    return d.time_msc


def _deal_position(d: Deal) -> int:
    return d.position_id


def _deal_order(d: Deal) -> int:
    return d.order  # history_deals_get(ticket=) names the deal's order


def _order_time(o: Order) -> int:
    return o.time_setup_msc


def _order_position(o: Order) -> int:
    return o.position_id


def _order_ticket(o: Order) -> int:
    return o.ticket


class Queries:
    """What `positions_get`, `history_deals_get`, `order_calc_*` and friends answer."""

    def __init__(self, book: Book, ledger: Ledger) -> None:
        self.book = book
        self.ledger = ledger
        self.market = ledger.market
        # The history lists only grow; these find a window's or a position's records without a scan.
        self._deals: HistoryIndex[Deal] = HistoryIndex(
            lambda: self.book.deals, time=_deal_time, position=_deal_position, ticket=_deal_order
        )
        # An open position's view costs ~15 us (profit, conversion); asked again before its own quotes or
        # the position changed, the previous one is the same answer (a thousand positions: ~4.5 ms ->
        # ~0.5 ms). Keyed by its symbol's and conversion symbols' ticks, not any symbol's: on a live
        # account some symbol ticks every few milliseconds.
        self._views: dict[int, tuple[tuple[object, ...], TradePosition]] = {}
        self._deps: dict[str, tuple[str, ...]] = {}
        self._orders: HistoryIndex[Order] = HistoryIndex(
            lambda: self.book.history_orders, time=_order_time, position=_order_position, ticket=_order_ticket
        )

    def _depends(self, symbol: str) -> tuple[str, ...]:
        """The symbols whose quotes a position's view reads: its own, and its profit currency's
        conversion route to the account currency (a tick elsewhere leaves the view as it was)."""
        found = self._deps.get(symbol)
        if found is None:
            try:
                route = self.market.route(self.market.spec(symbol).currency_profit)
            except LookupError:  # no conversion: the view itself reports it
                return (symbol,)
            found = self._deps[symbol] = (symbol, *(name for name, _ in route.steps))
        return found

    def _symbols(self, symbol: str | None, group: str | None) -> set[str] | None:
        if symbol is not None:
            return {symbol}
        if group is not None:
            return set(self.market.match(group))
        return None

    def positions(
        self, symbol: str | None, group: str | None, ticket: int | None
    ) -> tuple[TradePosition, ...]:
        wanted = self._symbols(symbol, group)
        quotes: dict[str, tuple[object, ...]] = {}  # this call's quotes each view depends on, by symbol
        cache = self._views
        found = []
        for pos in self.book.positions.values():
            if ticket is not None and pos.ticket != ticket:
                continue
            if wanted is not None and pos.symbol not in wanted:
                continue
            stamp = quotes.get(pos.symbol)
            if stamp is None:
                stamp = quotes[pos.symbol] = tuple(self.market.tick(n) for n in self._depends(pos.symbol))
            # everything a view reads that can change: its quotes, and the position's own changing fields
            key = (stamp, pos.time_update_msc, pos.volume, pos.price_open, pos.sl, pos.tp, pos.swap)
            seen = cache.get(pos.ticket)
            if seen is not None and seen[0] == key:
                found.append(seen[1])
                continue
            view = views.position(pos, self.ledger)
            cache[pos.ticket] = (key, view)
            found.append(view)
        if len(cache) > 2 * len(self.book.positions) + 64:  # closed positions leave
            self._views = {t: v for t, v in cache.items() if t in self.book.positions}
        return tuple(found)

    def orders(self, symbol: str | None, group: str | None, ticket: int | None) -> tuple[TradeOrder, ...]:
        wanted = self._symbols(symbol, group)
        return tuple(
            views.order(o, self.market)
            for o in self.book.orders.values()
            if (ticket is None or o.ticket == ticket) and (wanted is None or o.symbol in wanted)
        )

    @staticmethod
    def _window(date_from: Any, date_to: Any, filters: dict[str, Any]) -> tuple[int, int] | None:
        """The [from, to] window in msc, or None when a ticket/position filter replaces dates."""
        if filters.get("ticket") is not None or filters.get("position") is not None:
            return None
        if date_from is None or date_to is None:
            raise BadArgument("date_from and date_to are required")
        return arg_epoch(date_from) * 1000, arg_epoch(date_to) * 1000 + 999

    def _candidates(
        self, index: HistoryIndex[Any], window: tuple[int, int] | None, filters: dict[str, Any]
    ) -> list[Any]:
        """The records a history query can match, in the book's order: the position's, the ticket's, or
        those in the window (a superset: the caller applies every filter)."""
        if filters.get("position") is not None:
            return index.of_position(filters["position"])
        if filters.get("ticket") is not None:
            return index.of_ticket(filters["ticket"])
        if window is None:  # unreachable: _window requires dates without a ticket or position
            raise BadArgument("date_from and date_to are required")
        return index.between(*window)

    def _history_orders(self, date_from: Any, date_to: Any, filters: dict[str, Any]) -> list[Order]:
        window = self._window(date_from, date_to, filters)
        wanted = self._symbols(None, filters.get("group"))
        out = []
        for o in self._candidates(self._orders, window, filters):
            if window and not window[0] <= o.time_setup_msc <= window[1]:
                continue
            if filters.get("ticket") is not None and o.ticket != filters["ticket"]:
                continue
            if filters.get("position") is not None and o.position_id != filters["position"]:
                continue
            if wanted is not None and o.symbol not in wanted:
                continue
            out.append(o)
        return out

    def _history_deals(self, date_from: Any, date_to: Any, filters: dict[str, Any]) -> list[Deal]:
        window = self._window(date_from, date_to, filters)
        wanted = self._symbols(None, filters.get("group"))
        out = []
        for d in self._candidates(self._deals, window, filters):
            if window and not window[0] <= d.time_msc <= window[1]:
                continue
            if filters.get("ticket") is not None and d.order != filters["ticket"]:
                continue
            if filters.get("position") is not None and d.position_id != filters["position"]:
                continue
            if wanted is not None and d.symbol not in wanted:
                continue
            out.append(d)
        return out

    def history_orders(self, date_from: Any, date_to: Any, **filters: Any) -> tuple[TradeOrder, ...]:
        """Finished orders set up in a window, or by ticket (`ticket=`) or position id (`position=`)."""
        return tuple(views.order(o) for o in self._history_orders(date_from, date_to, filters))

    def history_orders_total(self, date_from: Any, date_to: Any) -> int:
        return len(self._history_orders(date_from, date_to, {}))

    def history_deals(self, date_from: Any, date_to: Any, **filters: Any) -> tuple[TradeDeal, ...]:
        """Deals in a window, or by order ticket (`ticket=`) or position id (`position=`), dates ignored."""
        return tuple(views.deal(d) for d in self._history_deals(date_from, date_to, filters))

    def history_deals_total(self, date_from: Any, date_to: Any) -> int:
        return len(self._history_deals(date_from, date_to, {}))

    def calc_margin(self, action: int, symbol: str, volume: float, price: float) -> float | None:
        spec = self.market.get(symbol)
        if spec is None or action not in (C.ORDER_TYPE_BUY, C.ORDER_TYPE_SELL) or volume <= 0:
            raise BadArgument("invalid margin request")
        raw = raw_margin(spec, volume, price, self.book.account.leverage)
        return round(self.market.to_account(raw, spec.currency_margin), 2)

    def calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float:
        spec = self.market.get(symbol)
        if spec is None or action not in (C.ORDER_TYPE_BUY, C.ORDER_TYPE_SELL) or volume <= 0:
            raise BadArgument("invalid profit request")
        raw = raw_profit(spec, action, volume, price_open, price_close)
        return round(self.market.to_account(raw, spec.currency_profit), 2)

    def symbol_of(self, req: Request) -> str:
        """The symbol a ticket-only request (SLTP, MODIFY, REMOVE, CLOSE_BY) refers to, or ""."""
        for ticket in (req.position, req.order):
            if ticket in self.book.positions:
                return self.book.positions[ticket].symbol
            if ticket in self.book.orders:
                return self.book.orders[ticket].symbol
        return ""

    def book_levels(self, symbol: str, depth: int = 5) -> tuple[BookInfo, ...]:
        """A synthetic depth of market around the current quote: sells first, prices descending."""
        spec = self.market.spec(symbol)
        bid, ask = self.market.quote(symbol)
        step = spec.tick_size * max(1, spec.spread // 4 or 1)
        sells = [
            BookInfo(C.BOOK_TYPE_SELL, round(ask + i * step, spec.digits), 10 * (i + 1), 10.0 * (i + 1))
            for i in reversed(range(depth))
        ]
        buys = [
            BookInfo(C.BOOK_TYPE_BUY, round(bid - i * step, spec.digits), 10 * (i + 1), 10.0 * (i + 1))
            for i in range(depth)
        ]
        return tuple(sells + buys)
