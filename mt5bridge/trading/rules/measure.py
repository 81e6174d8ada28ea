"""Which positions a rule acts on, and how far in profit a position is (points, money, risk multiples)."""

from __future__ import annotations

from collections.abc import Iterable

from mt5bridge.common.rulespec import Scope, Trigger
from mt5bridge.common.vocab import ProfitUnit
from mt5bridge.trading.rules.inputs import OpenPosition, Quote, Snapshot, SymbolFacts
from mt5bridge.trading.rules.stops import EPS, profit_points


def in_scope(scope: Scope, p: OpenPosition) -> bool:
    """Every filter the scope gives must match; a scope without filters is the whole account."""
    return (
        (scope.ticket is None or p.ticket == scope.ticket)
        and (scope.symbol is None or p.symbol == scope.symbol)
        and (scope.magic is None or p.magic == scope.magic)
        and (scope.side is None or p.side.value == scope.side.value)
    )


def scoped(scope: Scope, snap: Snapshot) -> list[OpenPosition]:
    """The positions in scope, FIFO (opening time, then ticket), as the trading core orders closes."""
    if scope.ticket is not None:
        found = snap.position(scope.ticket)
        candidates: Iterable[OpenPosition] = (found,) if found is not None else ()
    elif scope.symbol is not None:
        candidates = snap.on_symbol(scope.symbol)
    else:
        candidates = snap.fifo
    return [p for p in candidates if in_scope(scope, p)]


def risk_points(p: OpenPosition, facts: SymbolFacts) -> float:
    """Entry-to-SL distance in points; 0 without an SL or with one already on the profit side."""
    if p.sl is None:
        return 0.0
    distance = (p.price_open - p.sl if p.buy else p.sl - p.price_open) / facts.point
    return max(distance, 0.0)


def reached(trigger: Trigger, p: OpenPosition, quote: Quote, facts: SymbolFacts, risk: float | None) -> bool:
    """Is the position at least `trigger.value` in profit? A value of 0 is no condition at all; a risk
    trigger never fires for a position without risk."""
    if trigger.value == 0:
        return True
    if trigger.unit is ProfitUnit.MONEY:
        return p.net >= trigger.value - 1e-9
    points = profit_points(p, quote, facts)
    if trigger.unit is ProfitUnit.POINTS:
        return points >= trigger.value - EPS
    if not risk:
        return False
    return points / risk >= trigger.value - EPS
