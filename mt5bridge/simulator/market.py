"""The simulated broker's symbol list: broker names (with suffix), quotes, sessions and conversions."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from mt5bridge.simulator import sessions
from mt5bridge.simulator.money import Route, find_route
from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as C


class Market:
    """Symbols as the broker names them, over the price engine that knows them by canonical name."""

    def __init__(
        self,
        specs: Sequence[SymbolSpec],
        engine: PriceEngine,
        *,
        suffix: str,
        currency: str,
        always_open: bool,
    ) -> None:
        self.engine = engine
        self.suffix = suffix
        self.currency = currency
        self.always_open = always_open
        self._specs = {spec.name + suffix: spec for spec in specs}
        self.names: tuple[str, ...] = tuple(self._specs)
        self.trade_modes: dict[str, int] = dict.fromkeys(self.names, C.SYMBOL_TRADE_MODE_FULL)
        self.selected: set[str] = set(self.names)
        self._routes: dict[str, Route | None] = {}

    def get(self, name: str) -> SymbolSpec | None:
        """The spec of a broker symbol name, or None."""
        return self._specs.get(name)

    def spec(self, name: str) -> SymbolSpec:
        return self._specs[name]

    def tick(self, name: str) -> tuple[int, float, float]:
        """(time_msc, bid, ask) of the latest tick."""
        return self.engine.tick(self._specs[name].name)

    def quote(self, name: str, at_msc: int | None = None) -> tuple[float, float]:
        """(bid, ask) now, or as they were at `at_msc`."""
        if at_msc is None:
            _, bid, ask = self.tick(name)
            return bid, ask
        return self.engine.price_at(self._specs[name].name, at_msc)

    def is_open(self, name: str, at: int | None = None) -> bool:
        """Whether the symbol's session is open at server epoch second `at` (default: now)."""
        when = self.engine.now if at is None else at
        return sessions.is_open(self._specs[name].session, when, self.always_open)

    def route(self, currency: str) -> Route:
        if currency not in self._routes:
            self._routes[currency] = find_route(currency, self.currency, self._specs.items())
        route = self._routes[currency]
        if route is None:
            raise LookupError(f"no conversion from {currency} to {self.currency}")
        return route

    def to_account(self, amount: float, currency: str, at_msc: int | None = None) -> float:
        """An amount in `currency` converted to the account currency at the conversion symbols' Bid."""
        return self.route(currency).apply(amount, lambda name: self.quote(name, at_msc)[0])

    def match(self, group: str | None) -> list[str]:
        """Broker names matching an MT5 group mask: comma-separated, `*` wildcards, `!` excludes."""
        if not group:
            return list(self.names)
        masks = [m.strip().upper() for m in group.split(",") if m.strip()]
        include = [m for m in masks if not m.startswith("!")]
        exclude = [m[1:] for m in masks if m.startswith("!")]
        out = []
        for name in self.names:
            upper = name.upper()
            if include and not any(fnmatch.fnmatchcase(upper, m) for m in include):
                continue
            if any(fnmatch.fnmatchcase(upper, m) for m in exclude):
                continue
            out.append(name)
        return out
