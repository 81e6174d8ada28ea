"""The simulator's clock and the hooks that drive it in tests and demos (`Simulator` mixes them in):
the virtual clock and real-time mode, moving time forward, quoting a price, deposits, the terminal's
Algo Trading switch, a symbol's trade mode, losing and regaining the link, an order "placed by hand".
Each change is journaled before the call returns, as the package functions' changes are.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from mt5bridge.terminal.structs import OrderSendResult

if TYPE_CHECKING:
    from mt5bridge.simulator.exchange import Exchange
    from mt5bridge.simulator.ledger import Ledger
    from mt5bridge.simulator.link import Link
    from mt5bridge.simulator.market import Market
    from mt5bridge.simulator.triggers import Triggers

HOUR = 3600


class Controls:
    """Clock and test hooks over the simulator's parts (set by `Simulator.__init__`)."""

    market: Market
    ledger: Ledger
    exchange: Exchange
    triggers: Triggers
    link: Link
    _realtime: bool
    _wall_anchor: tuple[float, int]
    if TYPE_CHECKING:

        def _commit(self) -> None: ...
        def _send(self, request: dict[str, Any], reason: int) -> OrderSendResult | None: ...

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
        with self.link.lock:
            self._realtime = on
            self._wall_anchor = (time.monotonic(), self.now_msc)

    def advance(self, seconds: float) -> None:
        """Move the virtual clock forward; prices move, SL/TP and pending orders trigger, swaps accrue."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.link.lock:
            try:
                self._advance_to(self.now_msc + int(seconds * 1000))
            finally:
                self._commit()

    def _advance_to(self, target_msc: int) -> None:
        while self.now_msc < target_msc:
            now = self.now
            step_end = min(target_msc, (now - now % HOUR + HOUR) * 1000)
            day_before = now // 86400
            ticks = self.market.engine.advance_to(step_end)
            self.triggers.on_ticks(ticks)
            rolled = self.now // 86400 > day_before
            if rolled:
                self.triggers.rollover(self.now - self.now % 86400)
            self.triggers.expire(self.now)
            moved = rolled or not isinstance(ticks, dict) or any(len(t) for t in ticks.values())
            self.triggers.stop_out(self.now_msc, moved=moved)

    def set_price(self, symbol: str, bid: float, ask: float | None = None) -> None:
        """Quote `symbol` now (ask defaults to bid + typical spread) and react to it at once."""
        with self.link.lock:
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
        with self.link.lock:
            ticket = self.ledger.balance_deal(amount, comment, self.now_msc)
            self._commit()
            return ticket

    def set_trade_allowed(self, allowed: bool) -> None:
        """The terminal's "Algo Trading" button: off makes order_send answer 10027."""
        self.exchange.terminal_trade_allowed = allowed

    def set_trade_mode(self, symbol: str, mode: int) -> None:
        """A symbol's SYMBOL_TRADE_MODE_* (disabled, long only, short only, close only, full)."""
        with self.link.lock:
            self.market.trade_modes[symbol] = mode
            self._commit()

    def disconnect(self) -> None:
        """The terminal goes away: every call fails with (-10004, 'No IPC connection')."""
        self.link.connected = False

    def reconnect(self) -> None:
        self.link.connected = True

    def send_as(self, request: dict[str, Any], reason: int) -> OrderSendResult | None:
        """order_send as if placed by hand (reason CLIENT) or another source; used by the demo."""
        with self.link.lock:
            try:
                return self._send(request, reason)
            finally:
                self._commit()
