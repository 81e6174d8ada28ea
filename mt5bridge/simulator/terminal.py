"""`Simulator`: an object with the MetaTrader5 module's functions, constants and failure conventions.

Failures return None (or False) and set `last_error()`, as the real package does; trade rejections come
back as an OrderSendResult with MT5's retcode and comment. Extra methods drive it in tests and demos:
`set_price`, `advance`, `deposit`, `set_trade_allowed`, `set_trade_mode`, `disconnect`, `reconnect`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np

from mt5bridge.simulator import sessions, views
from mt5bridge.simulator.clock import BadArgument, arg_epoch, to_server_epoch
from mt5bridge.simulator.exchange import Exchange
from mt5bridge.simulator.ledger import Ledger
from mt5bridge.simulator.market import Market
from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.queries import Queries
from mt5bridge.simulator.records import Account, Book, Deal
from mt5bridge.simulator.requests import Request
from mt5bridge.simulator.symbols import CATALOGUE
from mt5bridge.simulator.triggers import Triggers
from mt5bridge.simulator.validation import RETCODE_TEXT, argument_error
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.structs import OrderCheckResult, OrderSendResult

if TYPE_CHECKING:
    from mt5bridge.simulator.journal import Recorder

P = ParamSpec("P")
R = TypeVar("R")

NO_IPC = (C.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
NOT_FOUND = (C.RES_E_NOT_FOUND, "Terminal: Not found")
INVALID_PARAMS = (C.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
SUCCESS = (C.RES_S_OK, "Success")
DEFAULT_LOGIN = 5_000_123
HOUR = 3600


def _api(func: Callable[P, R]) -> Callable[P, R | None]:
    """Serialise a call, bring the clock up to date, and fail like MT5 when the link is down.

    Whatever the call changed (a trade, or SL/TP triggered as the clock caught up) is in the journal
    before it returns, so before anyone can acknowledge a trade.
    """

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        sim: Simulator = args[0]  # type: ignore[assignment]
        with sim._lock:
            if not sim._initialized or not sim._connected:
                sim._error = NO_IPC
                return None
            try:
                sim._follow_wall_clock()
                sim._error = SUCCESS
                return func(*args, **kwargs)
            except BadArgument:
                sim._error = (C.RES_E_INVALID_PARAMS, "Invalid arguments")
                return None
            finally:
                sim._commit()

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


class Simulator:
    """An offline MT5 terminal and trade server with the MetaTrader5 package's interface."""

    def __init__(
        self,
        seed: int = 0,
        start: datetime | int | None = None,
        balance: float = 10000.0,
        leverage: int = 100,
        margin_mode: str = "hedging",
        currency: str = "USD",
        suffix: str = "",
        *,
        market_hours: str = "real",
        realtime: bool = False,
        slippage_points: int = 0,
        login: int = DEFAULT_LOGIN,
        history_days: int = 60,
        tick_interval: float = 2.0,
        book: Book | None = None,
        start_prices: dict[str, float] | None = None,
        history_end: int | None = None,
    ) -> None:
        if margin_mode not in ("hedging", "netting"):
            raise ValueError("margin_mode must be 'hedging' or 'netting'")
        if market_hours not in ("real", "always"):
            raise ValueError("market_hours must be 'real' or 'always'")
        self.seed = seed
        self.options: dict[str, Any] = {
            "leverage": leverage, "margin_mode": margin_mode, "currency": currency, "suffix": suffix,
            "market_hours": market_hours, "slippage_points": slippage_points, "login": login,
            "history_days": history_days, "tick_interval": tick_interval,
        }  # fmt: skip
        now = sessions.server_now() if start is None else to_server_epoch(start)
        # Where the seeded price history ends: this start, or the first simulator's when resumed (kept
        # in the options, so a saved state brings it back and the history before it stays the same).
        self.options["history_end"] = now if history_end is None else history_end
        engine = PriceEngine(
            CATALOGUE, seed=seed, start=now, always_open=market_hours == "always",
            history_days=history_days, tick_interval=tick_interval, start_prices=start_prices,
            history_end=self.options["history_end"],
        )  # fmt: skip
        self.market = Market(
            CATALOGUE, engine, suffix=suffix, currency=currency, always_open=market_hours == "always"
        )
        mode = (
            C.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
            if margin_mode == "hedging"
            else C.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
        )
        self.book = book or Book(
            Account(login=login, balance=0.0, leverage=leverage, currency=currency, margin_mode=mode)
        )
        self.ledger = Ledger(self.book, self.market)
        self.exchange = Exchange(self.ledger, slippage_points=slippage_points, seed=seed)
        self.triggers = Triggers(self.exchange)
        self.queries = Queries(self.book, self.ledger)
        self._lock = threading.RLock()
        self._initialized = False
        self._connected = True
        self._error = SUCCESS
        self._realtime = realtime
        self._wall_anchor = (time.monotonic(), engine.now_msc)
        self.journal: Recorder | None = None  # attached by persist.attach_journal
        if book is None and balance:
            self.deposit(balance, "Deposit")

    @classmethod
    def demo(cls, days: int = 30, seed: int = 0, **options: Any) -> Simulator:
        """An initialised simulator with `days` of deposit, manual trades and hedging-grid EA history."""
        from mt5bridge.simulator.demo import build_demo

        return build_demo(days=days, seed=seed, **options)

    def _commit(self) -> None:
        """Journal what the current call changed, when a journal is attached (call with the lock held)."""
        if self.journal is not None:
            self.journal.commit()

    # --- clock --------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The virtual clock: server time as epoch seconds."""
        return self.market.engine.now

    @property
    def now_msc(self) -> int:
        return self.market.engine.now_msc

    def _follow_wall_clock(self) -> None:
        if not self._realtime:
            return
        wall0, virt0 = self._wall_anchor
        target = virt0 + int((time.monotonic() - wall0) * 1000)
        if target > self.now_msc:
            self._advance_to(target)

    def set_realtime(self, on: bool) -> None:
        """Let ticks flow with the wall clock from now on (or stop them)."""
        with self._lock:
            self._realtime = on
            self._wall_anchor = (time.monotonic(), self.now_msc)

    def advance(self, seconds: float) -> None:
        """Move the virtual clock forward; prices move, SL/TP and pending orders trigger, swaps accrue."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            try:
                self._advance_to(self.now_msc + int(seconds * 1000))
            finally:
                self._commit()

    def _advance_to(self, target_msc: int) -> None:
        while self.now_msc < target_msc:
            now = self.now
            step_end = min(target_msc, (now - now % HOUR + HOUR) * 1000)
            day_before = now // 86400
            self.triggers.on_ticks(self.market.engine.advance_to(step_end))
            if self.now // 86400 > day_before:
                self.triggers.rollover(self.now - self.now % 86400)
            self.triggers.expire(self.now)
            self.triggers.stop_out(self.now_msc)

    def set_price(self, symbol: str, bid: float, ask: float | None = None) -> None:
        """Quote `symbol` now (ask defaults to bid + typical spread) and react to it at once."""
        with self._lock:
            spec = self.market.get(symbol)
            if spec is None:
                raise KeyError(f"unknown symbol {symbol}")
            try:
                ticks = self.market.engine.set_price(spec.name, bid, ask, self.now_msc)
                self.triggers.on_ticks({spec.name: ticks})
                self.triggers.stop_out(self.now_msc)
            finally:
                self._commit()

    # --- test and demo hooks -------------------------------------------------------------------
    def deposit(self, amount: float, comment: str = "Deposit") -> int:
        """A balance deal (deposit, or withdrawal when negative); returns the deal ticket."""
        with self._lock:
            deal = Deal(
                ticket=self.book.counters.next_deal(),
                order=0,
                time_msc=self.now_msc,
                type=C.DEAL_TYPE_BALANCE,
                entry=C.DEAL_ENTRY_IN,
                magic=0,
                position_id=0,
                reason=C.DEAL_REASON_CLIENT,
                volume=0.0,
                price=0.0,
                profit=round(amount, 2),
                comment=comment,
            )
            self.book.deals.append(deal)
            self.book.account.balance = round(self.book.account.balance + amount, 2)
            self._commit()
            return deal.ticket

    def set_trade_allowed(self, allowed: bool) -> None:
        """The terminal's "Algo Trading" button: off makes order_send answer 10027."""
        self.exchange.terminal_trade_allowed = allowed

    def set_trade_mode(self, symbol: str, mode: int) -> None:
        """A symbol's SYMBOL_TRADE_MODE_* (disabled, long only, short only, close only, full)."""
        with self._lock:
            self.market.trade_modes[symbol] = mode
            self._commit()

    def disconnect(self) -> None:
        """The terminal goes away: every call fails with (-10004, 'No IPC connection')."""
        self._connected = False

    def reconnect(self) -> None:
        self._connected = True

    def send_as(self, request: dict[str, Any], reason: int) -> OrderSendResult | None:
        """order_send as if placed by hand (reason CLIENT) or another source; used by the demo."""
        with self._lock:
            try:
                return self._send(request, reason)
            finally:
                self._commit()

    # --- lifecycle -----------------------------------------------------------------------------
    def initialize(self, path: str | None = None, **kwargs: Any) -> bool:
        """Attach to the (simulated) terminal; a login that is not this account's fails with -6."""
        with self._lock:
            if not self._connected:
                self._error = (
                    C.RES_E_INTERNAL_FAIL_INIT,
                    "IPC initialize failed, MetaTrader 5 x64 not found",
                )
                return False
            login = kwargs.get("login")
            if login is not None and login != self.book.account.login:
                self._error = (C.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
                return False
            self._initialized = True
            self._error = SUCCESS
            return True

    def login(self, login: int, **kwargs: Any) -> bool:
        with self._lock:
            if not self._initialized or not self._connected:
                self._error = NO_IPC
                return False
            if login != self.book.account.login:
                self._error = (C.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
                return False
            self._error = SUCCESS
            return True

    def shutdown(self) -> None:
        with self._lock:
            self._initialized = False

    def last_error(self) -> tuple[int, str]:
        return self._error

    @_api
    def version(self) -> tuple[int, int, str]:
        return (500, views.TERMINAL_BUILD, views.TERMINAL_DATE)

    @_api
    def terminal_info(self) -> Any:
        return views.terminal(True, self.exchange.terminal_trade_allowed, self.book.account.company)

    @_api
    def account_info(self) -> Any:
        return views.account(self.book.account, self.ledger.figures())

    # --- symbols -------------------------------------------------------------------------------
    @_api
    def symbols_total(self) -> int:
        return len(self.market.names)

    @_api
    def symbols_get(self, group: str | None = None) -> tuple[Any, ...]:
        return tuple(self._symbol_info(name) for name in self.market.match(group))

    def _symbol_info(self, name: str) -> Any:
        spec = self.market.spec(name)
        tick_value = self.market.to_account(spec.tick_size * spec.contract_size, spec.currency_profit)
        return views.symbol(self.market, name, spec, round(tick_value, 8))

    @_api
    def symbol_info(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self._error = NOT_FOUND
            return None
        return self._symbol_info(symbol)

    @_api
    def symbol_info_tick(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self._error = NOT_FOUND
            return None
        return views.tick(self.market, symbol)

    @_api
    def symbol_select(self, symbol: str, enable: bool | None = True) -> bool:
        if self.market.get(symbol) is None:
            self._error = NOT_FOUND
            return False
        if enable is False:
            if self.ledger.on_symbol(symbol) or any(o.symbol == symbol for o in self.book.orders.values()):
                self._error = (C.RES_E_FAIL, "Terminal: Call failed")
                return False
            self.market.selected.discard(symbol)
        else:
            self.market.selected.add(symbol)
        return True

    # --- rates and ticks -----------------------------------------------------------------------
    def _market_data(self, symbol: str, fetch: Callable[[str], np.ndarray]) -> np.ndarray | None:
        spec = self.market.get(symbol)
        if spec is None:
            self._error = NOT_FOUND
            return None
        try:
            return fetch(spec.name)
        except (ValueError, TypeError):
            self._error = INVALID_PARAMS
            return None

    @_api
    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int) -> np.ndarray | None:
        start = arg_epoch(date_from)
        return self._market_data(symbol, lambda n: self.market.engine.rates_from(n, timeframe, start, count))

    @_api
    def copy_rates_from_pos(
        self, symbol: str, timeframe: int, start_pos: int, count: int
    ) -> np.ndarray | None:
        return self._market_data(
            symbol, lambda n: self.market.engine.rates_from_pos(n, timeframe, start_pos, count)
        )

    @_api
    def copy_rates_range(
        self, symbol: str, timeframe: int, date_from: Any, date_to: Any
    ) -> np.ndarray | None:
        lo, hi = arg_epoch(date_from), arg_epoch(date_to)
        return self._market_data(symbol, lambda n: self.market.engine.rates_range(n, timeframe, lo, hi))

    @_api
    def copy_ticks_from(self, symbol: str, date_from: Any, count: int, flags: int) -> np.ndarray | None:
        start = arg_epoch(date_from) * 1000
        return self._market_data(symbol, lambda n: self.market.engine.ticks_from(n, start, count, flags))

    @_api
    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int) -> np.ndarray | None:
        lo, hi = arg_epoch(date_from) * 1000, arg_epoch(date_to) * 1000
        return self._market_data(symbol, lambda n: self.market.engine.ticks_range(n, lo, hi, flags))

    # --- positions, orders, history ----------------------------------------------------------
    @_api
    def positions_total(self) -> int:
        return len(self.book.positions)

    @_api
    def positions_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self.queries.positions(symbol, group, ticket)

    @_api
    def orders_total(self) -> int:
        return len(self.book.orders)

    @_api
    def orders_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self.queries.orders(symbol, group, ticket)

    @_api
    def history_orders_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.queries.history_orders(date_from, date_to))

    @_api
    def history_orders_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        return self.queries.history_orders(date_from, date_to, **filters)

    @_api
    def history_deals_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.queries.history_deals(date_from, date_to))

    @_api
    def history_deals_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        return self.queries.history_deals(date_from, date_to, **filters)

    # --- calculations ------------------------------------------------------------------------
    @_api
    def order_calc_margin(self, action: int, symbol: str, volume: float, price: float) -> float | None:
        return self.queries.calc_margin(action, symbol, volume, price)

    @_api
    def order_calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float | None:
        return self.queries.calc_profit(action, symbol, volume, price_open, price_close)

    # --- trading -----------------------------------------------------------------------------
    @_api
    def order_check(self, request: dict[str, Any]) -> OrderCheckResult | None:
        problem = argument_error(request)
        if problem:
            self._error = (C.RES_E_INVALID_PARAMS, problem)
            return None
        req = Request.from_dict(request)
        retcode, margin = self.exchange.check(req)
        fig = self.ledger.figures()
        free = round(fig.equity - margin, 2)
        level = round(fig.equity / margin * 100, 2) if margin > 0 else 0.0
        text = RETCODE_TEXT.get(retcode, "Done")
        return OrderCheckResult(
            retcode, fig.balance, fig.equity, fig.profit, round(margin, 2), free, level, text, req.echo()
        )

    @_api
    def order_send(self, request: dict[str, Any]) -> OrderSendResult | None:
        return self._send(request, C.DEAL_REASON_EXPERT)

    def _send(self, request: dict[str, Any], reason: int) -> OrderSendResult | None:
        problem = argument_error(request)
        if problem:
            self._error = (C.RES_E_INVALID_PARAMS, problem)
            return None
        req = Request.from_dict(request)
        outcome = self.exchange.send(req, reason)
        bid = ask = 0.0
        symbol = req.symbol or self.queries.symbol_of(req)
        if symbol and self.market.get(symbol) is not None:
            bid, ask = self.market.quote(symbol)
        comment = outcome.comment or RETCODE_TEXT.get(outcome.retcode, "")
        request_id = self.book.counters.next_request()
        return OrderSendResult(
            outcome.retcode, outcome.deal, outcome.order, outcome.volume, outcome.price, bid, ask, comment,
            request_id, 0, req.echo(),
        )  # fmt: skip

    # --- market depth (synthesised) ----------------------------------------------------------
    @_api
    def market_book_add(self, symbol: str) -> bool:
        return self.market.get(symbol) is not None

    @_api
    def market_book_release(self, symbol: str) -> bool:
        return self.market.get(symbol) is not None

    @_api
    def market_book_get(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self._error = NOT_FOUND
            return None
        return self.queries.book_levels(symbol)


for _name in dir(C):
    if _name.isupper():
        setattr(Simulator, _name, getattr(C, _name))
