"""`TickPoller`: polls the quotes of the symbols subscribers asked for and publishes only changed ticks.

MT5 pushes nothing to Python, so ticks are polled (`symbol_info_tick`). A symbol is selected into Market
Watch the first time it is polled (its ticks may be stale otherwise). While the terminal is unreachable a
round is skipped quietly: the heartbeat reports the outage.
"""

from __future__ import annotations

import logging

from mt5bridge.common.poller import Poller
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import InvalidRequest, MT5Error, TerminalUnavailable
from mt5bridge.trading.events.bus import EventBus
from mt5bridge.trading.events.models import TickEvent

log = logging.getLogger(__name__)


class TickPoller(Poller):
    """Publishes a `TickEvent` when a subscribed symbol's (time_msc, bid, ask) changes."""

    def __init__(self, client: MT5Client, bus: EventBus, interval: float = 0.1) -> None:
        super().__init__("tick-poller", interval, self.poll_once)
        self.client = client
        self.bus = bus
        self._last: dict[str, tuple[int, float, float]] = {}
        self._selected: set[str] = set()
        self._unknown: set[str] = set()

    async def poll_once(self) -> int:
        """One round over the subscribed symbols; returns how many ticks were published."""
        wanted = self.bus.tick_symbols() - self._unknown
        for gone in set(self._last) - wanted:
            del self._last[gone]  # a re-subscribed symbol starts with a fresh tick
        published = 0
        for symbol in sorted(wanted):
            try:
                published += await self._poll(symbol)
            except TerminalUnavailable:
                return published
        return published

    async def _poll(self, symbol: str) -> int:
        try:
            if symbol not in self._selected:
                await self.client.select_symbol(symbol)
                self._selected.add(symbol)
            tick = await self.client.tick(symbol)
        except InvalidRequest as exc:
            log.warning("tick poller: not polling %s: %s", symbol, exc)
            self._unknown.add(symbol)
            return 0
        except TerminalUnavailable:
            raise
        except MT5Error as exc:
            log.warning("tick poller: %s: %s", symbol, exc)
            return 0
        key = (tick.time_msc, tick.bid, tick.ask)
        if self._last.get(symbol) == key:
            return 0
        self._last[symbol] = key
        self.bus.publish(
            TickEvent(symbol=symbol, bid=tick.bid, ask=tick.ask, time=tick.time, time_msc=tick.time_msc)
        )
        return 1
