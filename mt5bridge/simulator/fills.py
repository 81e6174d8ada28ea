"""Applying validated trades to the book: orders, deals, positions and the balance they move.

Tickets follow MT5: orders and deals have separate counters; a position's ticket and identifier are
the ticket of the order that opened it; every later order and deal on it carries that identifier.
"""

from __future__ import annotations

from mt5bridge.simulator import validation as V
from mt5bridge.simulator.ledger import Ledger
from mt5bridge.simulator.money import raw_profit
from mt5bridge.simulator.records import Deal, Order, Position
from mt5bridge.simulator.requests import Outcome, Request
from mt5bridge.terminal import constants as C

_ORDER_REASON = {
    C.DEAL_REASON_CLIENT: C.ORDER_REASON_CLIENT,
    C.DEAL_REASON_EXPERT: C.ORDER_REASON_EXPERT,
    C.DEAL_REASON_SL: C.ORDER_REASON_SL,
    C.DEAL_REASON_TP: C.ORDER_REASON_TP,
    C.DEAL_REASON_SO: C.ORDER_REASON_SO,
}


class Fills:
    """Writes to the book; callers have already validated everything."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.book = ledger.book
        self.market = ledger.market

    def _now(self, at_msc: int | None) -> int:
        return self.market.engine.now_msc if at_msc is None else at_msc

    def _commission(self, symbol: str, volume: float) -> float:
        return -round(self.market.spec(symbol).commission_per_lot * volume, 2)

    def _history_order(
        self, symbol: str, order_type: int, volume: float, price: float, at: int, **kw: object
    ) -> Order:
        order = Order(
            ticket=self.book.counters.next_order(),
            symbol=symbol,
            type=order_type,
            state=C.ORDER_STATE_FILLED,
            volume_initial=volume,
            volume_current=0.0,
            price_open=price,
            price_current=price,
            time_setup_msc=at,
            time_done_msc=at,
            **kw,  # type: ignore[arg-type]
        )
        self.book.history_orders.append(order)
        return order

    def _book_deal(self, deal: Deal) -> Deal:
        self.book.deals.append(deal)
        self.book.account.balance = round(self.book.account.balance + deal.money, 2)
        return deal

    def _deal(self, order: Order, entry: int, volume: float, price: float, at: int, **kw: object) -> Deal:
        fields = {
            "magic": order.magic,
            "reason": order.reason,
            "comment": order.comment,
            "position_id": order.position_id,
            "type": C.DEAL_TYPE_BUY if V.is_buy(order.type) else C.DEAL_TYPE_SELL,
        } | kw
        return self._book_deal(
            Deal(
                ticket=self.book.counters.next_deal(),
                order=order.ticket,
                time_msc=at,
                entry=entry,
                volume=volume,
                price=price,
                symbol=order.symbol,
                commission=self._commission(order.symbol, volume),
                **fields,  # type: ignore[arg-type]
            )
        )

    # --- opening -----------------------------------------------------------------------------
    def open_position(self, req: Request, price: float, reason: int, at_msc: int | None = None) -> Outcome:
        at = self._now(at_msc)
        order = self._history_order(
            req.symbol, req.type, req.volume, price, at, magic=req.magic, reason=_ORDER_REASON[reason],
            comment=req.comment, sl=req.sl, tp=req.tp, type_filling=req.type_filling,
        )  # fmt: skip
        order.position_id = order.ticket
        deal = self._deal(order, C.DEAL_ENTRY_IN, req.volume, price, at, reason=reason)
        self._new_position(order, req.volume, price, at, reason, req.sl, req.tp)
        return Outcome(C.TRADE_RETCODE_DONE, deal.ticket, order.ticket, req.volume, price)

    def _new_position(
        self, order: Order, volume: float, price: float, at: int, reason: int, sl: float, tp: float
    ) -> Position:
        pos = Position(
            ticket=order.ticket,
            identifier=order.position_id,
            symbol=order.symbol,
            type=C.POSITION_TYPE_BUY if V.is_buy(order.type) else C.POSITION_TYPE_SELL,
            volume=volume,
            price_open=price,
            time_msc=at,
            time_update_msc=at,
            magic=order.magic,
            reason=min(reason, C.POSITION_REASON_EXPERT),
            sl=sl,
            tp=tp,
            comment=order.comment,
        )
        self.ledger.add(pos)
        return pos

    # --- closing -------------------------------------------------------------------------------
    def _realize(self, pos: Position, volume: float, price: float, at: int) -> tuple[float, float]:
        """(profit, swap) in account currency for closing `volume` of the position at `price`."""
        spec = self.market.spec(pos.symbol)
        raw = raw_profit(spec, pos.type, volume, pos.price_open, price)
        profit = round(self.market.to_account(raw, spec.currency_profit, at), 2)
        share = volume / pos.volume if pos.volume else 1.0
        swap = round(pos.swap * share, 2)
        return profit, swap

    def _shrink(self, pos: Position, volume: float, swap: float, at: int) -> None:
        remaining = round(pos.volume - volume, 8)
        if remaining <= 1e-9:
            self.ledger.remove(pos)
            return
        pos.volume = remaining
        pos.swap = round(pos.swap - swap, 2)
        pos.time_update_msc = at
        self.ledger.touch(pos)

    def close_position(
        self,
        pos: Position,
        volume: float,
        price: float,
        reason: int,
        magic: int,
        comment: str,
        at_msc: int | None = None,
    ) -> Outcome:
        """Close all or part of a position with an opposite deal (entry OUT)."""
        at = self._now(at_msc)
        close_type = C.ORDER_TYPE_SELL if pos.is_buy else C.ORDER_TYPE_BUY
        order = self._history_order(
            pos.symbol, close_type, volume, price, at, magic=magic, reason=_ORDER_REASON[reason],
            comment=comment, position_id=pos.identifier,
        )  # fmt: skip
        profit, swap = self._realize(pos, volume, price, at)
        deal = self._deal(order, C.DEAL_ENTRY_OUT, volume, price, at, profit=profit, swap=swap, reason=reason)
        self._shrink(pos, volume, swap, at)
        return Outcome(C.TRADE_RETCODE_DONE, deal.ticket, order.ticket, volume, price)

    def netting_deal(self, req: Request, pos: Position, price: float, reason: int) -> Outcome:
        """A deal on a netting account's symbol: add to, reduce, close or reverse its one position."""
        at = self._now(None)
        if pos.is_buy == V.is_buy(req.type):
            return self._add_to(req, pos, price, reason, at)
        if req.volume <= pos.volume + 1e-9:
            return self.close_position(pos, req.volume, price, reason, req.magic, req.comment, at)
        return self._reverse(req, pos, price, reason, at)

    def _add_to(self, req: Request, pos: Position, price: float, reason: int, at: int) -> Outcome:
        order = self._history_order(
            req.symbol, req.type, req.volume, price, at, magic=req.magic, reason=_ORDER_REASON[reason],
            comment=req.comment, position_id=pos.identifier,
        )  # fmt: skip
        deal = self._deal(order, C.DEAL_ENTRY_IN, req.volume, price, at, reason=reason)
        total = pos.volume + req.volume
        pos.price_open = round((pos.price_open * pos.volume + price * req.volume) / total, 8)
        pos.volume = round(total, 8)
        pos.time_update_msc = at
        if req.sl or req.tp:
            pos.sl, pos.tp = req.sl, req.tp
        self.ledger.touch(pos)
        return Outcome(C.TRADE_RETCODE_DONE, deal.ticket, order.ticket, req.volume, price)

    def _reverse(self, req: Request, pos: Position, price: float, reason: int, at: int) -> Outcome:
        """One INOUT deal closes the old position and opens the rest the other way; identifier kept."""
        order = self._history_order(
            req.symbol, req.type, req.volume, price, at, magic=req.magic, reason=_ORDER_REASON[reason],
            comment=req.comment, position_id=pos.identifier,
        )  # fmt: skip
        profit, swap = self._realize(pos, pos.volume, price, at)
        deal = self._deal(
            order, C.DEAL_ENTRY_INOUT, req.volume, price, at, profit=profit, swap=swap, reason=reason
        )
        rest = round(req.volume - pos.volume, 8)
        self.ledger.remove(pos)
        self.book.closed_positions.discard(pos.identifier)
        new = self._new_position(order, rest, price, at, reason, req.sl, req.tp)
        new.identifier = pos.identifier
        return Outcome(C.TRADE_RETCODE_DONE, deal.ticket, order.ticket, req.volume, price)

    def close_by(self, pos: Position, by: Position, reason: int, magic: int, comment: str) -> Outcome:
        """Offset two opposite positions at `by`'s open price: two OUT_BY deals, net result on the first."""
        at = self._now(None)
        volume = min(pos.volume, by.volume)
        price = by.price_open
        order = self._history_order(
            pos.symbol, C.ORDER_TYPE_CLOSE_BY, volume, price, at, magic=magic, reason=_ORDER_REASON[reason],
            comment=comment, position_id=pos.identifier, position_by_id=by.identifier,
        )  # fmt: skip
        results = []
        for target in (pos, by):
            profit, swap = self._realize(target, volume, price, at)
            deal_type = C.DEAL_TYPE_SELL if target.is_buy else C.DEAL_TYPE_BUY
            results.append(
                self._deal(
                    order,
                    C.DEAL_ENTRY_OUT_BY,
                    volume,
                    price,
                    at,
                    profit=profit,
                    swap=swap,
                    position_id=target.identifier,
                    type=deal_type,
                )
            )
            self._shrink(target, volume, swap, at)
        return Outcome(C.TRADE_RETCODE_DONE, results[0].ticket, order.ticket, volume, price)

    # --- pending orders --------------------------------------------------------------------------
    def place_order(self, req: Request, reason: int) -> Outcome:
        at = self._now(None)
        bid, ask = self.market.quote(req.symbol)
        order = Order(
            ticket=self.book.counters.next_order(),
            symbol=req.symbol,
            type=req.type,
            state=C.ORDER_STATE_PLACED,
            volume_initial=req.volume,
            volume_current=req.volume,
            price_open=req.price,
            price_stoplimit=req.stoplimit,
            price_current=ask if V.is_buy(req.type) else bid,
            time_setup_msc=at,
            time_expiration=self._expiry(req),
            type_time=req.type_time,
            type_filling=req.type_filling,
            magic=req.magic,
            reason=_ORDER_REASON[reason],
            sl=req.sl,
            tp=req.tp,
            comment=req.comment,
        )
        self.book.orders[order.ticket] = order
        self.book.touched(order)
        return Outcome(C.TRADE_RETCODE_DONE, 0, order.ticket, req.volume, req.price)

    def _expiry(self, req: Request) -> int:
        now = self.market.engine.now
        if req.type_time == C.ORDER_TIME_DAY:
            return now - now % 86400 + 86400
        if req.type_time == C.ORDER_TIME_SPECIFIED_DAY:
            return req.expiration - req.expiration % 86400 + 86400
        if req.type_time == C.ORDER_TIME_SPECIFIED:
            return req.expiration
        return 0

    def modify_order(self, order: Order, req: Request, stoplimit: float) -> Outcome:
        order.price_open, order.sl, order.tp = req.price, req.sl, req.tp
        order.price_stoplimit = stoplimit
        order.type_time = req.type_time
        order.time_expiration = self._expiry(req)
        self.book.touched(order)
        return Outcome(C.TRADE_RETCODE_DONE, 0, order.ticket, order.volume_current, req.price)

    def finish_order(self, order: Order, state: int, at_msc: int | None = None) -> Outcome:
        """Move an active order to history as CANCELED, EXPIRED, REJECTED or FILLED."""
        order.state = state
        order.time_done_msc = self._now(at_msc)
        del self.book.orders[order.ticket]
        self.book.touched(order)
        self.book.history_orders.append(order)
        return Outcome(C.TRADE_RETCODE_DONE, 0, order.ticket, order.volume_current, order.price_open)

    def fill_order(self, order: Order, price: float, at: int) -> Outcome:
        """A triggered pending order becomes a position (or, on netting, a deal on the one position)."""
        volume = order.volume_current
        req = Request(
            action=C.TRADE_ACTION_DEAL, symbol=order.symbol, volume=volume,
            type=C.ORDER_TYPE_BUY if V.is_buy(order.type) else C.ORDER_TYPE_SELL,
            sl=order.sl, tp=order.tp, magic=order.magic, comment=order.comment,
        )  # fmt: skip
        order.volume_current = 0.0
        order.price_current = price
        self.finish_order(order, C.ORDER_STATE_FILLED, at)
        reason = C.DEAL_REASON_EXPERT if order.reason == C.ORDER_REASON_EXPERT else C.DEAL_REASON_CLIENT
        existing = None if self.ledger.hedging else next(iter(self.ledger.on_symbol(order.symbol)), None)
        if existing is not None:
            return self.netting_deal(req, existing, price, reason)
        order.position_id = order.ticket
        deal = self._deal(order, C.DEAL_ENTRY_IN, volume, price, at, reason=reason)
        self._new_position(order, volume, price, at, reason, order.sl, order.tp)
        return Outcome(C.TRADE_RETCODE_DONE, deal.ticket, order.ticket, volume, price)

    # --- modifications ---------------------------------------------------------------------------
    def set_stops(self, pos: Position, sl: float, tp: float) -> Outcome:
        pos.sl, pos.tp = sl, tp
        pos.time_update_msc = self._now(None)
        self.ledger.touch(pos)
        return Outcome(C.TRADE_RETCODE_DONE, 0, 0, pos.volume, 0.0)
