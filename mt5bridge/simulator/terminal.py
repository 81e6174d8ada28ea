"""`Simulator`: an object with the MetaTrader5 module's functions, constants and failure conventions.

Failures return None (or False) and set `last_error()`, as the real package does (link.py: the lock, the
link state and the call wrapper); trade rejections come back as an OrderSendResult with MT5's retcode and
comment (views.py builds the structures). Extra methods drive it in tests and demos (controls.py):
`set_price`, `advance`, `deposit`, `set_trade_allowed`, `set_trade_mode`, `disconnect`, `reconnect`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from mt5bridge.simulator import sessions, views
from mt5bridge.simulator.clock import arg_epoch, to_server_epoch
from mt5bridge.simulator.controls import Controls
from mt5bridge.simulator.exchange import Exchange
from mt5bridge.simulator.ledger import Ledger
from mt5bridge.simulator.link import INVALID_PARAMS, NOT_FOUND, Link, mt5_call
from mt5bridge.simulator.market import Market
from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.queries import Queries
from mt5bridge.simulator.records import Account, Book
from mt5bridge.simulator.requests import Request
from mt5bridge.simulator.symbols import CATALOGUE
from mt5bridge.simulator.triggers import Triggers
from mt5bridge.simulator.validation import argument_error
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.structs import OrderCheckResult, OrderSendResult

if TYPE_CHECKING:
    from mt5bridge.simulator.journal import Recorder

DEFAULT_LOGIN = 5_000_123


class Simulator(Controls):
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
        self.link = Link(before=self._follow_wall_clock, after=self._commit)
        self._realtime = realtime
        self._wall_anchor = (time.monotonic(), engine.now_msc)
        self.journal: Recorder | None = None  # attached by persist.attach_journal
        self._symbol_views: dict[str, tuple[tuple[object, ...], Any]] = {}
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

    # --- lifecycle -----------------------------------------------------------------------------
    def initialize(self, path: str | None = None, **kwargs: Any) -> bool:
        """Attach to the (simulated) terminal; a login that is not this account's fails with -6."""
        return self.link.initialize(kwargs.get("login"), self.book.account.login)

    def login(self, login: int, **kwargs: Any) -> bool:
        return self.link.login(login, self.book.account.login)

    def shutdown(self) -> None:
        self.link.shutdown()

    def last_error(self) -> tuple[int, str]:
        return self.link.error

    @mt5_call
    def version(self) -> tuple[int, int, str]:
        return (500, views.TERMINAL_BUILD, views.TERMINAL_DATE)

    @mt5_call
    def terminal_info(self) -> Any:
        return views.terminal(True, self.exchange.terminal_trade_allowed, self.book.account.company)

    @mt5_call
    def account_info(self) -> Any:
        return views.account(self.book.account, self.ledger.figures())

    # --- symbols -------------------------------------------------------------------------------
    @mt5_call
    def symbols_total(self) -> int:
        return len(self.market.names)

    @mt5_call
    def symbols_get(self, group: str | None = None) -> tuple[Any, ...]:
        return tuple(self._symbol_info(name) for name in self.market.match(group))

    def _symbol_info(self, name: str) -> Any:
        spec, market = self.market.spec(name), self.market
        tick_value = round(market.to_account(spec.tick_size * spec.contract_size, spec.currency_profit), 8)
        # Building the 96 fields costs ~18 us: the view is kept until one of its inputs changes (its
        # tick, today's range, Market Watch selection, trade mode, tick value); the spec never does.
        key = (market.tick(name), market.engine.day_stats(spec.name), name in market.selected,
               market.trade_modes[name], tick_value)  # fmt: skip
        seen = self._symbol_views.get(name)
        if seen is not None and seen[0] == key:
            return seen[1]
        view = views.symbol(market, name, spec, tick_value)
        self._symbol_views[name] = (key, view)
        return view

    @mt5_call
    def symbol_info(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self.link.error = NOT_FOUND
            return None
        return self._symbol_info(symbol)

    @mt5_call
    def symbol_info_tick(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self.link.error = NOT_FOUND
            return None
        return views.tick(self.market, symbol)

    @mt5_call
    def symbol_select(self, symbol: str, enable: bool | None = True) -> bool:
        if self.market.get(symbol) is None:
            self.link.error = NOT_FOUND
            return False
        if enable is False:
            if self.ledger.on_symbol(symbol) or any(o.symbol == symbol for o in self.book.orders.values()):
                self.link.error = (C.RES_E_FAIL, "Terminal: Call failed")
                return False
            self.market.selected.discard(symbol)
        else:
            self.market.selected.add(symbol)
        return True

    # --- rates and ticks -----------------------------------------------------------------------
    def _market_data(self, symbol: str, fetch: Callable[[str], np.ndarray]) -> np.ndarray | None:
        spec = self.market.get(symbol)
        if spec is None:
            self.link.error = NOT_FOUND
            return None
        try:
            return fetch(spec.name)
        except (ValueError, TypeError):
            self.link.error = INVALID_PARAMS
            return None

    @mt5_call
    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int) -> np.ndarray | None:
        start = arg_epoch(date_from)
        return self._market_data(symbol, lambda n: self.market.engine.rates_from(n, timeframe, start, count))

    @mt5_call
    def copy_rates_from_pos(
        self, symbol: str, timeframe: int, start_pos: int, count: int
    ) -> np.ndarray | None:
        return self._market_data(
            symbol, lambda n: self.market.engine.rates_from_pos(n, timeframe, start_pos, count)
        )

    @mt5_call
    def copy_rates_range(
        self, symbol: str, timeframe: int, date_from: Any, date_to: Any
    ) -> np.ndarray | None:
        lo, hi = arg_epoch(date_from), arg_epoch(date_to)
        return self._market_data(symbol, lambda n: self.market.engine.rates_range(n, timeframe, lo, hi))

    @mt5_call
    def copy_ticks_from(self, symbol: str, date_from: Any, count: int, flags: int) -> np.ndarray | None:
        start = arg_epoch(date_from) * 1000
        return self._market_data(symbol, lambda n: self.market.engine.ticks_from(n, start, count, flags))

    @mt5_call
    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int) -> np.ndarray | None:
        lo, hi = arg_epoch(date_from) * 1000, arg_epoch(date_to) * 1000
        return self._market_data(symbol, lambda n: self.market.engine.ticks_range(n, lo, hi, flags))

    # --- positions, orders, history ----------------------------------------------------------
    @mt5_call
    def positions_total(self) -> int:
        return len(self.book.positions)

    @mt5_call
    def positions_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self.queries.positions(symbol, group, ticket)

    @mt5_call
    def orders_total(self) -> int:
        return len(self.book.orders)

    @mt5_call
    def orders_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self.queries.orders(symbol, group, ticket)

    @mt5_call
    def history_orders_total(self, date_from: Any, date_to: Any) -> int:
        return self.queries.history_orders_total(date_from, date_to)

    @mt5_call
    def history_orders_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        return self.queries.history_orders(date_from, date_to, **filters)

    @mt5_call
    def history_deals_total(self, date_from: Any, date_to: Any) -> int:
        return self.queries.history_deals_total(date_from, date_to)

    @mt5_call
    def history_deals_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        return self.queries.history_deals(date_from, date_to, **filters)

    # --- calculations ------------------------------------------------------------------------
    @mt5_call
    def order_calc_margin(self, action: int, symbol: str, volume: float, price: float) -> float | None:
        return self.queries.calc_margin(action, symbol, volume, price)

    @mt5_call
    def order_calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float | None:
        return self.queries.calc_profit(action, symbol, volume, price_open, price_close)

    # --- trading -----------------------------------------------------------------------------
    @mt5_call
    def order_check(self, request: dict[str, Any]) -> OrderCheckResult | None:
        problem = argument_error(request)
        if problem:
            self.link.error = (C.RES_E_INVALID_PARAMS, problem)
            return None
        req = Request.from_dict(request)
        retcode, margin = self.exchange.check(req)
        return views.check_result(req, retcode, margin, self.ledger.figures())

    @mt5_call
    def order_send(self, request: dict[str, Any]) -> OrderSendResult | None:
        return self._send(request, C.DEAL_REASON_EXPERT)

    def _send(self, request: dict[str, Any], reason: int) -> OrderSendResult | None:
        problem = argument_error(request)
        if problem:
            self.link.error = (C.RES_E_INVALID_PARAMS, problem)
            return None
        req = Request.from_dict(request)
        outcome = self.exchange.send(req, reason)
        bid = ask = 0.0
        symbol = req.symbol or self.queries.symbol_of(req)
        if symbol and self.market.get(symbol) is not None:
            bid, ask = self.market.quote(symbol)
        return views.send_result(req, outcome, bid, ask, self.book.counters.next_request())

    # --- market depth (synthesised) ----------------------------------------------------------
    @mt5_call
    def market_book_add(self, symbol: str) -> bool:
        return self.market.get(symbol) is not None

    @mt5_call
    def market_book_release(self, symbol: str) -> bool:
        return self.market.get(symbol) is not None

    @mt5_call
    def market_book_get(self, symbol: str) -> Any:
        if self.market.get(symbol) is None:
            self.link.error = NOT_FOUND
            return None
        return self.queries.book_levels(symbol)


for _name in dir(C):
    if _name.isupper():
        setattr(Simulator, _name, getattr(C, _name))
