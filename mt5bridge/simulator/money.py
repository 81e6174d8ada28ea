"""Profit, margin and currency conversion as MT5 computes them, as plain functions over specs and prices.

Formulas follow MT5's `trade_calc_mode` table (docs/simulator.md): profit is computed in the symbol's
profit currency, margin in its margin currency, and both are converted to the account currency at the
conversion symbol's current Bid (multiplying by XXXACC, dividing by ACCXXX, or through USD).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as C

PriceOf = Callable[[str], float]
"""The current Bid of a symbol by its (broker) name."""


@dataclass(frozen=True, slots=True)
class Route:
    """How to turn an amount in one currency into the account currency: (symbol, multiply) steps."""

    steps: tuple[tuple[str, bool], ...]

    def apply(self, amount: float, bid_of: PriceOf) -> float:
        for symbol, multiply in self.steps:
            rate = bid_of(symbol)
            amount = amount * rate if multiply else amount / rate
        return amount

    def rate(self, bid_of: PriceOf) -> float:
        return self.apply(1.0, bid_of)


def _pair_index(specs: Iterable[tuple[str, SymbolSpec]]) -> dict[tuple[str, str], str]:
    pairs: dict[tuple[str, str], str] = {}
    for name, spec in specs:
        if spec.calc_mode == C.SYMBOL_CALC_MODE_FOREX and spec.currency_base != spec.currency_profit:
            pairs.setdefault((spec.currency_base, spec.currency_profit), name)
    return pairs


def _direct(pairs: Mapping[tuple[str, str], str], src: str, dst: str) -> tuple[str, bool] | None:
    if (src, dst) in pairs:
        return pairs[(src, dst)], True
    if (dst, src) in pairs:
        return pairs[(dst, src)], False
    return None


def find_route(src: str, dst: str, specs: Iterable[tuple[str, SymbolSpec]]) -> Route | None:
    """A conversion route from `src` to `dst` currency using forex pairs, direct or through USD."""
    if src == dst:
        return Route(())
    pairs = _pair_index(specs)
    step = _direct(pairs, src, dst)
    if step:
        return Route((step,))
    for hub in ("USD", "EUR"):
        first, second = _direct(pairs, src, hub), _direct(pairs, hub, dst)
        if first and second:
            return Route((first, second))
    return None


def direction(order_type: int) -> int:
    """+1 for buy-side types, -1 for sell-side (order or position type)."""
    return 1 if order_type % 2 == 0 else -1


def raw_profit(
    spec: SymbolSpec, order_type: int, volume: float, price_open: float, price_close: float
) -> float:
    """Profit in the symbol's profit currency (before conversion), sign by side."""
    move = (price_close - price_open) * direction(order_type)
    if spec.calc_mode == C.SYMBOL_CALC_MODE_FUTURES:
        return move * _tick_value_raw(spec) / spec.tick_size * volume
    return move * spec.contract_size * volume


def _tick_value_raw(spec: SymbolSpec) -> float:
    return spec.tick_size * spec.contract_size


def raw_margin(spec: SymbolSpec, volume: float, price: float, leverage: int) -> float:
    """Margin in the symbol's margin currency, by `trade_calc_mode` and the spec's initial margin rate."""
    units = volume * spec.contract_size
    mode = spec.calc_mode
    if mode == C.SYMBOL_CALC_MODE_FOREX:
        return units / leverage
    if mode == C.SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE:
        return units
    if mode == C.SYMBOL_CALC_MODE_CFD:
        return units * price * spec.margin_rate
    if mode == C.SYMBOL_CALC_MODE_CFDINDEX:
        return units * price * _tick_value_raw(spec) / spec.tick_size / spec.contract_size * spec.margin_rate
    if mode == C.SYMBOL_CALC_MODE_CFDLEVERAGE:
        return units * price / leverage
    raise ValueError(f"calc mode {mode} is not simulated")


@dataclass(frozen=True, slots=True)
class SideExposure:
    """One side of a symbol's open positions: total lots and the volume-weighted open price."""

    lots: float = 0.0
    price: float = 0.0


def hedged_margin(
    spec: SymbolSpec, buys: SideExposure, sells: SideExposure, leverage: int, hedging: bool
) -> float:
    """Margin of a symbol's open positions in its margin currency.

    On hedging accounts the covered volume (min of both sides, counted on both sides) is charged at
    `margin_hedged` contract units per lot instead of `contract_size`; the uncovered rest at full rate.
    """
    if not hedging:
        side = buys if buys.lots else sells
        return raw_margin(spec, side.lots, side.price, leverage)
    covered = min(buys.lots, sells.lots)
    big = buys if buys.lots >= sells.lots else sells
    margin = raw_margin(spec, big.lots - covered, big.price, leverage)
    if covered and spec.contract_size:
        ratio = spec.margin_hedged / spec.contract_size
        margin += raw_margin(spec, covered, buys.price, leverage) * ratio
        margin += raw_margin(spec, covered, sells.price, leverage) * ratio
    return margin


def round_money(value: float, digits: int = 2) -> float:
    """Round an account-currency amount as MT5 shows it (currency digits)."""
    return round(value + 0.0, digits)
