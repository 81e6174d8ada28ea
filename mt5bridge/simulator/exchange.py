"""The simulated trade server: validates a request completely, then applies it to the book.

Nothing is written before every check has passed, so a refused request never changes state.
Market orders fill at Ask (buy) or Bid (sell); optional slippage is off by default.
"""

from __future__ import annotations

import random

from mt5bridge.simulator import validation as V
from mt5bridge.simulator.fills import Fills
from mt5bridge.simulator.ledger import Ledger
from mt5bridge.simulator.records import Order, Position
from mt5bridge.simulator.requests import Outcome, Request
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as C


class Refused(Exception):
    """A check failed; carries the retcode the server answers with."""

    def __init__(self, retcode: int) -> None:
        super().__init__(retcode)
        self.retcode = retcode


def _require(retcode: int | None) -> None:
    if retcode is not None:
        raise Refused(retcode)


class Exchange:
    """Executes `order_send` requests against a ledger."""

    def __init__(self, ledger: Ledger, *, slippage_points: int = 0, seed: int = 0) -> None:
        self.ledger = ledger
        self.market = ledger.market
        self.book = ledger.book
        self.fills = Fills(ledger)
        self.slippage_points = slippage_points
        self._rng = random.Random(seed)  # noqa: S311 - simulated slippage, not security
        self.terminal_trade_allowed = True

    # --- entry points ------------------------------------------------------------------------
    def send(self, req: Request, reason: int = C.DEAL_REASON_EXPERT) -> Outcome:
        """Execute a request; the outcome carries the retcode (and tickets on success)."""
        try:
            self._precheck(req)
            return self._dispatch(req, reason, apply=True)
        except Refused as refused:
            return Outcome(refused.retcode)

    def check(self, req: Request) -> tuple[int, float]:
        """order_check: (retcode 0 when it would pass, margin the account would then use)."""
        try:
            self._precheck(req)
            self._dispatch(req, C.DEAL_REASON_EXPERT, apply=False)
        except Refused as refused:
            return refused.retcode, self.ledger.margin()
        if req.action == C.TRADE_ACTION_DEAL and not req.position:
            buy = V.is_buy(req.type)
            price = self._market_price(req.symbol, buy)
            return 0, self.ledger.margin_with(req.symbol, buy, req.volume, price)
        return 0, self.ledger.margin()

    # --- dispatch ----------------------------------------------------------------------------
    def _precheck(self, req: Request) -> None:
        if not self.terminal_trade_allowed:
            raise Refused(C.TRADE_RETCODE_CLIENT_DISABLES_AT)
        acc = self.book.account
        if not acc.trade_allowed:
            raise Refused(C.TRADE_RETCODE_TRADE_DISABLED)
        if not acc.trade_expert:
            raise Refused(C.TRADE_RETCODE_SERVER_DISABLES_AT)

    def _dispatch(self, req: Request, reason: int, apply: bool) -> Outcome:
        handlers = {
            C.TRADE_ACTION_DEAL: self._deal,
            C.TRADE_ACTION_PENDING: self._pending,
            C.TRADE_ACTION_SLTP: self._sltp,
            C.TRADE_ACTION_MODIFY: self._modify,
            C.TRADE_ACTION_REMOVE: self._remove,
            C.TRADE_ACTION_CLOSE_BY: self._close_by,
        }
        handler = handlers.get(req.action)
        if handler is None:
            raise Refused(C.TRADE_RETCODE_INVALID)
        return handler(req, reason, apply)

    # --- helpers -----------------------------------------------------------------------------
    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.market.get(symbol)
        if spec is None:
            raise Refused(C.TRADE_RETCODE_INVALID)
        return spec

    def _market_price(self, symbol: str, buy: bool) -> float:
        bid, ask = self.market.quote(symbol)
        return ask if buy else bid

    def _fill_price(self, spec: SymbolSpec, symbol: str, buy: bool) -> float:
        price = self._market_price(symbol, buy)
        if self.slippage_points:
            slip = self._rng.randint(0, self.slippage_points) * spec.point
            price = price + slip if buy else price - slip
        return round(price, spec.digits)

    def _session(self, symbol: str) -> None:
        if not self.market.is_open(symbol):
            raise Refused(C.TRADE_RETCODE_MARKET_CLOSED)

    def _requote(self, spec: SymbolSpec, req: Request, market: float) -> None:
        """Instant/request execution honours price and deviation; market execution ignores both."""
        if spec.exemode not in (C.SYMBOL_TRADE_EXECUTION_INSTANT, C.SYMBOL_TRADE_EXECUTION_REQUEST):
            return
        if req.price <= 0:
            raise Refused(C.TRADE_RETCODE_INVALID_PRICE)
        if abs(req.price - market) > req.deviation * spec.point + spec.point / 10:
            raise Refused(C.TRADE_RETCODE_REQUOTE)

    def _position(self, ticket: int) -> Position:
        pos = self.book.positions.get(ticket)
        if pos is None:
            closed = ticket in self.book.closed_positions
            raise Refused(C.TRADE_RETCODE_POSITION_CLOSED if closed else C.TRADE_RETCODE_INVALID)
        return pos

    def _netting_position(self, symbol: str) -> Position | None:
        if self.ledger.hedging:
            return None
        on_symbol = self.ledger.on_symbol(symbol)
        return on_symbol[0] if on_symbol else None

    # --- market deals --------------------------------------------------------------------------
    def _deal(self, req: Request, reason: int, apply: bool) -> Outcome:
        if req.position:
            return self._close(req, reason, apply)
        spec = self._spec(req.symbol)
        if req.type not in (C.ORDER_TYPE_BUY, C.ORDER_TYPE_SELL):
            raise Refused(C.TRADE_RETCODE_INVALID)
        buy = req.type == C.ORDER_TYPE_BUY
        existing = self._netting_position(req.symbol)
        reducing = existing is not None and existing.is_buy != buy and req.volume <= existing.volume + 1e-9
        _require(V.check_order_type(spec, req.type))
        _require(V.check_trade_mode(self.market.trade_modes[req.symbol], req.type, reducing))
        self._session(req.symbol)
        _require(V.check_volume(spec, req.volume))
        _require(V.check_filling(spec, req.type_filling, pending=False))
        price = self._market_price(req.symbol, buy)
        self._requote(spec, req, price)
        bid, ask = self.market.quote(req.symbol)
        _require(V.check_stops(spec, buy, bid if buy else ask, req.sl, req.tp))
        self._volume_limit(spec, req.symbol, req.volume)
        if not reducing:
            self._money(spec, req.symbol, buy, req.volume, price)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        fill = self._fill_price(spec, req.symbol, buy)
        if existing is not None:
            return self.fills.netting_deal(req, existing, fill, reason)
        return self.fills.open_position(req, fill, reason)

    def _volume_limit(self, spec: SymbolSpec, symbol: str, volume: float) -> None:
        if not spec.volume_limit:
            return
        exp = self.ledger.exposure(symbol)
        pending = sum(o.volume_current for o in self.book.orders.values() if o.symbol == symbol)
        if exp.buys.lots + exp.sells.lots + pending + volume > spec.volume_limit + 1e-9:
            raise Refused(C.TRADE_RETCODE_LIMIT_VOLUME)

    def _money(self, spec: SymbolSpec, symbol: str, buy: bool, volume: float, price: float) -> None:
        """Refuse when free margin after the trade (and its commission) would be negative."""
        figures = self.ledger.figures()
        margin_after = self.ledger.margin_with(symbol, buy, volume, price)
        commission = spec.commission_per_lot * volume
        if figures.equity - commission - margin_after < 0:
            raise Refused(C.TRADE_RETCODE_NO_MONEY)

    def _close(self, req: Request, reason: int, apply: bool) -> Outcome:
        pos = self._position(req.position)
        if req.symbol and req.symbol != pos.symbol:
            raise Refused(C.TRADE_RETCODE_INVALID)
        if req.type != (C.ORDER_TYPE_SELL if pos.is_buy else C.ORDER_TYPE_BUY):
            raise Refused(C.TRADE_RETCODE_INVALID)
        spec = self.market.spec(pos.symbol)
        _require(V.check_trade_mode(self.market.trade_modes[pos.symbol], req.type, closing=True))
        self._session(pos.symbol)
        _require(V.check_volume(spec, req.volume))
        if req.volume > pos.volume + 1e-9:
            raise Refused(C.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        _require(V.check_filling(spec, req.type_filling, pending=False))
        price = self._market_price(pos.symbol, not pos.is_buy)
        self._requote(spec, req, price)
        if V.within_freeze(spec, pos.sl, price) or V.within_freeze(spec, pos.tp, price):
            raise Refused(C.TRADE_RETCODE_FROZEN)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        fill = self._fill_price(spec, pos.symbol, not pos.is_buy)
        return self.fills.close_position(pos, req.volume, fill, reason, req.magic, req.comment)

    # --- pending orders ----------------------------------------------------------------------
    def _pending(self, req: Request, reason: int, apply: bool) -> Outcome:
        spec = self._spec(req.symbol)
        if req.type not in V.PENDING_TYPES:
            raise Refused(C.TRADE_RETCODE_INVALID)
        _require(V.check_order_type(spec, req.type))
        _require(V.check_trade_mode(self.market.trade_modes[req.symbol], req.type, closing=False))
        self._session(req.symbol)
        _require(V.check_volume(spec, req.volume))
        _require(V.check_filling(spec, req.type_filling, pending=True))
        _require(V.check_expiration(spec, req.type_time, req.expiration, self.market.engine.now))
        bid, ask = self.market.quote(req.symbol)
        _require(V.check_pending_price(spec, req.type, req.price, bid, ask))
        _require(V.check_stoplimit(spec, req.type, req.price, req.stoplimit))
        ref = req.stoplimit if req.stoplimit else req.price
        _require(V.check_stops(spec, V.is_buy(req.type), ref, req.sl, req.tp))
        if len(self.book.orders) >= self.book.account.limit_orders:
            raise Refused(C.TRADE_RETCODE_LIMIT_ORDERS)
        self._volume_limit(spec, req.symbol, req.volume)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        return self.fills.place_order(req, reason)

    def _active_order(self, ticket: int) -> Order:
        order = self.book.orders.get(ticket)
        if order is None:
            raise Refused(C.TRADE_RETCODE_INVALID)
        return order

    def _modify(self, req: Request, reason: int, apply: bool) -> Outcome:
        order = self._active_order(req.order)
        spec = self.market.spec(order.symbol)
        self._session(order.symbol)
        bid, ask = self.market.quote(order.symbol)
        market = ask if V.is_buy(order.type) else bid
        if V.within_freeze(spec, order.price_open, market):
            raise Refused(C.TRADE_RETCODE_FROZEN)
        _require(V.check_pending_price(spec, order.type, req.price, bid, ask))
        stoplimit = req.stoplimit or order.price_stoplimit
        _require(V.check_stoplimit(spec, order.type, req.price, stoplimit))
        ref = stoplimit if stoplimit else req.price
        _require(V.check_stops(spec, V.is_buy(order.type), ref, req.sl, req.tp))
        _require(V.check_expiration(spec, req.type_time, req.expiration, self.market.engine.now))
        same = (
            order.price_open,
            order.sl,
            order.tp,
            order.type_time,
            order.time_expiration,
            order.price_stoplimit,
        )
        if same == (req.price, req.sl, req.tp, req.type_time, req.expiration, stoplimit):
            raise Refused(C.TRADE_RETCODE_NO_CHANGES)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        return self.fills.modify_order(order, req, stoplimit)

    def _remove(self, req: Request, reason: int, apply: bool) -> Outcome:
        order = self._active_order(req.order)
        spec = self.market.spec(order.symbol)
        bid, ask = self.market.quote(order.symbol)
        if V.within_freeze(spec, order.price_open, ask if V.is_buy(order.type) else bid):
            raise Refused(C.TRADE_RETCODE_FROZEN)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        return self.fills.finish_order(order, C.ORDER_STATE_CANCELED)

    # --- positions: SL/TP, close by ----------------------------------------------------------
    def _sltp(self, req: Request, reason: int, apply: bool) -> Outcome:
        pos = self._sltp_target(req)
        spec = self.market.spec(pos.symbol)
        self._session(pos.symbol)
        bid, ask = self.market.quote(pos.symbol)
        close_price = bid if pos.is_buy else ask
        if V.within_freeze(spec, pos.sl, close_price) or V.within_freeze(spec, pos.tp, close_price):
            raise Refused(C.TRADE_RETCODE_FROZEN)
        _require(V.check_stops(spec, pos.is_buy, close_price, req.sl, req.tp))
        if (pos.sl, pos.tp) == (req.sl, req.tp):
            raise Refused(C.TRADE_RETCODE_NO_CHANGES)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        return self.fills.set_stops(pos, req.sl, req.tp)

    def _sltp_target(self, req: Request) -> Position:
        if req.position:
            pos = self._position(req.position)
            if req.symbol and req.symbol != pos.symbol:
                raise Refused(C.TRADE_RETCODE_INVALID)
            return pos
        found = self._netting_position(req.symbol)
        if found is None:
            raise Refused(C.TRADE_RETCODE_INVALID)
        return found

    def _close_by(self, req: Request, reason: int, apply: bool) -> Outcome:
        if not self.ledger.hedging:
            raise Refused(C.TRADE_RETCODE_INVALID)
        pos, by = self._position(req.position), self._position(req.position_by)
        if pos.symbol != by.symbol or pos.type == by.type:
            raise Refused(C.TRADE_RETCODE_INVALID)
        spec = self.market.spec(pos.symbol)
        if not spec.order_mode & C.SYMBOL_ORDER_CLOSEBY:
            raise Refused(C.TRADE_RETCODE_INVALID_ORDER)
        self._session(pos.symbol)
        if not apply:
            return Outcome(C.TRADE_RETCODE_DONE)
        return self.fills.close_by(pos, by, reason, req.magic, req.comment)
