"""Symbol specifications of the simulated ECN-style broker ("raw spread" account).

Numbers follow common ECN-broker MT5 specifications; docs/simulator-market.md gives the reason for each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from mt5bridge.simulator.sessions import SESSIONS, SessionName
from mt5bridge.terminal import constants as c


class Category(StrEnum):
    """Symbol families (SymbolSpec.category)."""

    FOREX = "Forex"
    METALS = "Metals"
    ENERGIES = "Energies"
    INDICES = "Indices"
    CRYPTO = "Crypto"


ALL_ORDERS = (
    c.SYMBOL_ORDER_MARKET
    | c.SYMBOL_ORDER_LIMIT
    | c.SYMBOL_ORDER_STOP
    | c.SYMBOL_ORDER_STOP_LIMIT
    | c.SYMBOL_ORDER_SL
    | c.SYMBOL_ORDER_TP
    | c.SYMBOL_ORDER_CLOSEBY
)
ALL_EXPIRATIONS = (
    c.SYMBOL_EXPIRATION_GTC
    | c.SYMBOL_EXPIRATION_DAY
    | c.SYMBOL_EXPIRATION_SPECIFIED
    | c.SYMBOL_EXPIRATION_SPECIFIED_DAY
)
FOK_IOC = c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """Static contract specification of one simulated symbol (MT5 symbol_info fields)."""

    name: str
    description: str
    path: str
    category: str
    digits: int
    point: float
    tick_size: float
    spread: int
    contract_size: float
    volume_min: float
    volume_step: float
    volume_max: float
    volume_limit: float
    stops_level: int
    freeze_level: int
    calc_mode: int
    currency_base: str
    currency_profit: str
    currency_margin: str
    filling_mode: int
    exemode: int
    order_mode: int
    expiration_mode: int
    swap_mode: int
    swap_long: float
    swap_short: float
    swap_rollover3days: int
    margin_hedged: float
    commission_per_lot: float
    session: str
    base_price: float
    daily_vol: float
    margin_rate: float = 1.0  # MT5's initial margin rate (not readable from Python); CFD and CFD-index modes

    def __post_init__(self) -> None:
        problems = []
        if not math.isclose(self.point, 10.0**-self.digits, rel_tol=1e-12):
            problems.append("point != 10**-digits")
        if self.tick_steps < 1 or not math.isclose(
            self.tick_steps * self.point, self.tick_size, rel_tol=1e-9
        ):
            problems.append("tick_size is not a whole number of points")
        elif self.spread % self.tick_steps:
            problems.append("spread is not a whole number of ticks")
        if not 0 < self.volume_min <= self.volume_max or self.volume_step <= 0:
            problems.append("volume bounds")
        if self.session not in SESSIONS:
            problems.append(f"unknown session {self.session}")
        if self.base_price <= 0 or not 0 < self.daily_vol < 0.2:
            problems.append("price level or volatility")
        if problems:
            raise ValueError(f"{self.name}: " + ", ".join(problems))

    @property
    def tick_steps(self) -> int:
        """trade_tick_size expressed in points."""
        return round(self.tick_size / self.point)


# fmt: off
def _forex(name: str, desc: str, group: str, price: float, vol: float, spread: int,
           swaps: tuple[float, float], stops: int = 0) -> SymbolSpec:
    digits = 3 if name.endswith("JPY") else 5
    return SymbolSpec(
        name=name, description=desc, path=f"Forex\\{group}\\{name}", category=Category.FOREX,
        digits=digits, point=10.0**-digits, tick_size=10.0**-digits, spread=spread,
        contract_size=100_000.0, volume_min=0.01, volume_step=0.01, volume_max=100.0, volume_limit=0.0,
        stops_level=stops, freeze_level=0, calc_mode=c.SYMBOL_CALC_MODE_FOREX,
        currency_base=name[:3], currency_profit=name[3:], currency_margin=name[:3],
        filling_mode=FOK_IOC, exemode=c.SYMBOL_TRADE_EXECUTION_MARKET, order_mode=ALL_ORDERS,
        expiration_mode=ALL_EXPIRATIONS, swap_mode=c.SYMBOL_SWAP_MODE_POINTS,
        swap_long=swaps[0], swap_short=swaps[1], swap_rollover3days=c.DAY_OF_WEEK_WEDNESDAY,
        margin_hedged=50_000.0, commission_per_lot=3.5, session=SessionName.FOREX,
        base_price=price, daily_vol=vol,
    )


def _cfd(name: str, desc: str, category: Category, *, digits: int, spread: int, contract: float,
         vmin: float, vmax: float, ccy: str, base: str, session: SessionName, price: float, vol: float,
         swaps: tuple[float, float], stops: int, freeze: int = 0, commission: float = 0.0,
         filling: int = FOK_IOC, triple: int = c.DAY_OF_WEEK_WEDNESDAY,
         calc_mode: int = c.SYMBOL_CALC_MODE_CFDLEVERAGE, margin_rate: float = 1.0) -> SymbolSpec:
    return SymbolSpec(
        name=name, description=desc, path=f"{category}\\{name}", category=category,
        digits=digits, point=10.0**-digits, tick_size=10.0**-digits, spread=spread,
        contract_size=contract, volume_min=vmin, volume_step=vmin, volume_max=vmax, volume_limit=0.0,
        stops_level=stops, freeze_level=freeze, calc_mode=calc_mode,
        currency_base=base, currency_profit=ccy, currency_margin=ccy,
        filling_mode=filling, exemode=c.SYMBOL_TRADE_EXECUTION_MARKET, order_mode=ALL_ORDERS,
        expiration_mode=ALL_EXPIRATIONS, swap_mode=c.SYMBOL_SWAP_MODE_POINTS,
        swap_long=swaps[0], swap_short=swaps[1], swap_rollover3days=triple,
        margin_hedged=contract / 2, commission_per_lot=commission, session=session,
        base_price=price, daily_vol=vol, margin_rate=margin_rate,
    )


_FRI = c.DAY_OF_WEEK_FRIDAY
_IOC = c.SYMBOL_FILLING_IOC
_NO_STOP_LIMIT = ALL_ORDERS & ~c.SYMBOL_ORDER_STOP_LIMIT

CATALOGUE: tuple[SymbolSpec, ...] = (
    _forex("EURUSD", "Euro vs US Dollar", "Majors", 1.16000, 0.005, 2, (-7.6, 3.1)),
    _forex("GBPUSD", "Great Britain Pound vs US Dollar", "Majors", 1.33000, 0.006, 4, (-4.2, -0.9)),
    _forex("USDJPY", "US Dollar vs Japanese Yen", "Majors", 152.500, 0.006, 3, (14.5, -31.0)),
    _forex("AUDUSD", "Australian Dollar vs US Dollar", "Majors", 0.65500, 0.007, 3, (-2.6, -0.8)),
    _forex("NZDUSD", "New Zealand Dollar vs US Dollar", "Majors", 0.57500, 0.007, 5, (-3.9, 0.6)),
    _forex("USDCAD", "US Dollar vs Canadian Dollar", "Majors", 1.39500, 0.004, 4, (2.8, -8.7)),
    _forex("USDCHF", "US Dollar vs Swiss Franc", "Majors", 0.80000, 0.005, 4, (6.1, -12.4)),
    _forex("EURJPY", "Euro vs Japanese Yen", "Crosses", 176.900, 0.0065, 6, (7.9, -24.5), stops=10),
    _forex("GBPJPY", "Great Britain Pound vs Japanese Yen", "Crosses", 202.800, 0.0075, 10, (15.2, -36.8),
           stops=10),
    _forex("EURGBP", "Euro vs Great Britain Pound", "Crosses", 0.87200, 0.0035, 5, (-6.3, 2.2), stops=10),
    replace(_forex("USDHKD", "US Dollar vs Hong Kong Dollar", "Exotics", 7.78000, 0.0003, 30, (-18.0, -42.0),
                   stops=50), commission_per_lot=0.0),
    _cfd("XAUUSD", "Gold vs US Dollar", Category.METALS, digits=2, spread=12, contract=100.0, vmin=0.01,
         vmax=100.0, ccy="USD", base="XAU", session=SessionName.METALS, price=4100.00, vol=0.012,
         swaps=(-62.0, 31.0), stops=0, commission=3.5),
    _cfd("XAGUSD", "Silver vs US Dollar", Category.METALS, digits=3, spread=20, contract=5000.0, vmin=0.01,
         vmax=50.0, ccy="USD", base="XAG", session=SessionName.METALS, price=50.000, vol=0.022,
         swaps=(-6.0, 1.5), stops=10, commission=3.5, filling=c.SYMBOL_FILLING_FOK,
         calc_mode=c.SYMBOL_CALC_MODE_CFD, margin_rate=0.01),
    _cfd("USOIL", "WTI Crude Oil (spot CFD)", Category.ENERGIES, digits=2, spread=3, contract=1000.0,
         vmin=0.01, vmax=100.0, ccy="USD", base="USD", session=SessionName.ENERGY, price=62.00, vol=0.022,
         swaps=(-1.2, 0.3), stops=20, freeze=5),
    _cfd("UKOIL", "Brent Crude Oil (spot CFD)", Category.ENERGIES, digits=2, spread=4, contract=1000.0,
         vmin=0.01, vmax=100.0, ccy="USD", base="USD", session=SessionName.ENERGY, price=65.50, vol=0.020,
         swaps=(-1.0, 0.2), stops=20, freeze=5),
    _cfd("US30", "Dow Jones Industrial Average (cash CFD)", Category.INDICES, digits=2, spread=150,
         contract=1.0, vmin=0.1, vmax=500.0, ccy="USD", base="USD", session=SessionName.US_INDEX,
         price=47000.00, vol=0.009, swaps=(-690.0, 210.0), stops=100, freeze=10, filling=_IOC, triple=_FRI),
    _cfd("NAS100", "Nasdaq 100 (cash CFD)", Category.INDICES, digits=2, spread=120, contract=1.0, vmin=0.1,
         vmax=500.0, ccy="USD", base="USD", session=SessionName.US_INDEX, price=25000.00, vol=0.013,
         swaps=(-380.0, 110.0), stops=100, freeze=10, filling=_IOC, triple=_FRI),
    replace(_cfd("US500", "S&P 500 (cash CFD)", Category.INDICES, digits=2, spread=50, contract=10.0,
                 vmin=0.1, vmax=500.0, ccy="USD", base="USD", session=SessionName.US_INDEX, price=6800.00,
                 vol=0.010, swaps=(-100.0, 30.0), stops=100, freeze=25, filling=_IOC, triple=_FRI),
            tick_size=0.25),
    _cfd("GER40", "Germany 40 (cash CFD)", Category.INDICES, digits=1, spread=10, contract=1.0, vmin=0.1,
         vmax=500.0, ccy="EUR", base="EUR", session=SessionName.EU_INDEX, price=24000.0, vol=0.011,
         swaps=(-40.0, 5.0), stops=20, freeze=5, filling=_IOC, triple=_FRI,
         calc_mode=c.SYMBOL_CALC_MODE_CFDINDEX, margin_rate=0.05),
    _cfd("HK50", "Hang Seng 50 (cash CFD)", Category.INDICES, digits=0, spread=6, contract=1.0, vmin=1.0,
         vmax=500.0, ccy="HKD", base="HKD", session=SessionName.HK_INDEX, price=26000.0, vol=0.015,
         swaps=(-4.0, 1.0), stops=10, freeze=2, filling=_IOC, triple=_FRI),
    replace(_cfd("BTCUSD", "Bitcoin vs US Dollar", Category.CRYPTO, digits=2, spread=1500, contract=1.0,
                 vmin=0.01, vmax=10.0, ccy="USD", base="BTC", session=SessionName.CRYPTO, price=95000.00,
                 vol=0.030, swaps=(-2000.0, -1200.0), stops=0, triple=_FRI),
            volume_limit=20.0, order_mode=_NO_STOP_LIMIT),
    replace(_cfd("ETHUSD", "Ethereum vs US Dollar", Category.CRYPTO, digits=2, spread=150, contract=1.0,
                 vmin=0.1, vmax=100.0, ccy="USD", base="ETH", session=SessionName.CRYPTO, price=3300.00,
                 vol=0.040, swaps=(-80.0, -50.0), stops=0, triple=_FRI),
            order_mode=_NO_STOP_LIMIT),
)
# fmt: on
"""Every simulated symbol, in a stable order."""

_BY_NAME: Mapping[str, SymbolSpec] = MappingProxyType({spec.name: spec for spec in CATALOGUE})


def get_spec(name: str) -> SymbolSpec:
    """The spec of a canonical symbol name; KeyError if unknown."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown symbol {name!r}") from None
