"""Finding the broker's real symbol for a canonical name: `XAUUSD` -> `XAUUSD.m`, `XAUUSDm`, `GOLD`...

The terminal's symbol list is read once and cached; a miss refreshes it once (brokers add symbols).
Preference: an exact name, then the canonical name with a broker suffix, then a known broker synonym;
among several, a symbol that trades fully (trade mode FULL) and is visible in Market Watch wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import SymbolSpec, SymbolTradeMode
from mt5bridge.trading.errors import UnknownSymbol

# Broker names for the same instrument, seen across MT5 brokers.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "XAUUSD": ("GOLD",),
    "XAGUSD": ("SILVER",),
    "USOIL": ("WTI", "XTIUSD", "USOUSD", "CL-OIL", "USCRUDE", "OILUSD"),
    "UKOIL": ("BRENT", "XBRUSD", "UKOUSD", "UKBRENT"),
    "US30": ("DJ30", "DOW30", "WS30", "US30CASH", "DJI30"),
    "NAS100": ("USTEC", "NDX100", "US100", "NAS100CASH", "NQ100"),
    "US500": ("SPX500", "SP500", "US500CASH", "SPX"),
    "GER40": ("DE40", "GER30", "DAX40", "DE30", "GER40CASH"),
    "HK50": ("HSI", "HK50CASH", "HSI50"),
    "BTCUSD": ("BITCOIN", "BTCUSDT"),
    "ETHUSD": ("ETHEREUM", "ETHUSDT"),
}
# A broker suffix starts with a separator (".m", "-ECN", "#") or is a few lower-case letters ("m", "pro");
# never a digit or a capital run, so US300 is not US30 and XAUUSDX is not XAUUSD.
_SUFFIX = re.compile(r"^(?:[._#-][A-Za-z0-9]{0,6}[#+]?|[a-z]{1,3}[#+]?|[#+])$")


def candidates(wanted: str, names: Iterable[str]) -> list[str]:
    """Broker names that can stand for `wanted`, best first (pure, for tests)."""
    key = wanted.upper()
    stems = (key, *SYNONYMS.get(key, ()))
    exact, suffixed = [], []
    for name in names:
        upper = name.upper()
        if upper == key:
            exact.append(name)
            continue
        for stem in stems:
            if upper == stem:
                suffixed.append(name)
                break
            if upper.startswith(stem) and _SUFFIX.match(name[len(stem) :]):
                suffixed.append(name)
                break
    return exact + suffixed


_CANONICAL_OF = {alias: canonical for canonical, names in SYNONYMS.items() for alias in names}

AliasLookup = Callable[[str], str | None]
"""A trader's name for an instrument (`gold`, `黄金`, `纳指`) -> its canonical name, or None."""


def canonical_of(name: str, aliases: AliasLookup | None = None) -> str:
    """The canonical name `name` stands for: an injected alias table first, then broker synonyms."""
    if aliases is not None and (found := aliases(name)):
        return found
    return _CANONICAL_OF.get(name.upper(), name)


class SymbolResolver:
    """Canonical name, alias or broker name -> the terminal's symbol spec (cached)."""

    def __init__(self, client: MT5Client, aliases: AliasLookup | None = None) -> None:
        self._client = client
        self._aliases = aliases
        self._specs: dict[str, SymbolSpec] = {}
        self._resolved: dict[str, str] = {}

    def canonical(self, name: str) -> str:
        """The canonical name a trader's name stands for (`黄金` -> XAUUSD), or the name itself."""
        return canonical_of(name.strip(), self._aliases).upper()

    async def _refresh(self) -> None:
        self._specs = {s.name: s for s in await self._client.symbols()}
        self._resolved.clear()

    async def resolve(self, wanted: str) -> SymbolSpec:
        """The spec of the symbol `wanted` stands for, read fresh; UnknownSymbol when none does."""
        return await self._client.symbol(await self.name(wanted))

    async def name(self, wanted: str) -> str:
        """The broker's name of the symbol `wanted` stands for (no terminal call once known)."""
        key = wanted.strip()
        if not key:
            raise UnknownSymbol(wanted)
        for attempt in range(2):
            if attempt or not self._specs:
                await self._refresh()
            name = (
                self._resolved.get(key.upper())
                or self._pick(key)
                or self._pick(canonical_of(key, self._aliases))
            )
            if name is not None:
                self._resolved[key.upper()] = name
                return name
        raise UnknownSymbol(wanted)

    def _pick(self, wanted: str) -> str | None:
        found = candidates(wanted, self._specs)
        if not found:
            return None

        def rank(name: str) -> tuple[int, int]:
            spec = self._specs[name]
            return (spec.trade_mode is not SymbolTradeMode.FULL, not spec.visible)

        return min(found, key=lambda n: (rank(n), found.index(n)))
