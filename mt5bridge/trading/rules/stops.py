"""Stop-loss arithmetic: the tick grid, "tighter", the stops level and the freeze level (docs/rules.md).

A buy closes at the bid and its SL sits below it; a sell closes at the ask and its SL sits above. Every
function takes `buy` rather than branching on the side itself, so the two cases stay mirror images.
"""

from __future__ import annotations

import math
from enum import Enum

from mt5bridge.trading.rules.inputs import OpenPosition, Quote, SymbolFacts

# Float noise allowance, as a share of a tick: 1.10300 - 1.10000 is 299.99999999999997 points.
EPS = 1e-6


class Rounding(Enum):
    NEAREST = "nearest"
    UP = "up"
    DOWN = "down"


def decimals(step: float) -> int:
    """Decimals needed to write a multiple of `step` exactly (0.25 -> 2, 0.001 -> 3, 5 -> 0)."""
    for d in range(13):
        if abs(round(step, d) - step) <= step * 1e-9:
            return d
    return 12


def to_tick(price: float, facts: SymbolFacts, how: Rounding = Rounding.NEAREST) -> float:
    """`price` on the symbol's tick grid, written without float noise (3612.4, not 3612.4000000000005)."""
    ticks = price / facts.tick_size
    if how is Rounding.UP:
        n = math.ceil(ticks - EPS)
    elif how is Rounding.DOWN:
        n = math.floor(ticks + EPS)
    else:
        n = round(ticks)
    return round(n * facts.tick_size, max(facts.digits, decimals(facts.tick_size)))


def closing_price(buy: bool, quote: Quote) -> float:
    """The price a position would close at: the bid for a buy, the ask for a sell."""
    return quote.bid if buy else quote.ask


def profit_points(p: OpenPosition, quote: Quote, facts: SymbolFacts) -> float:
    """How far the price has moved in the position's favour, in points (negative at a loss)."""
    moved = quote.bid - p.price_open if p.buy else p.price_open - quote.ask
    return moved / facts.point


def improves(buy: bool, current: float | None, new: float, min_move: float, facts: SymbolFacts) -> bool:
    """Is `new` tighter than `current` by at least `min_move` (a price distance)? No SL is beaten by any."""
    if current is None:
        return True
    gain = new - current if buy else current - new
    return gain >= min_move - facts.tick_size * EPS


def tightest(buy: bool, a: float, b: float) -> float:
    return max(a, b) if buy else min(a, b)


def stop_limit(buy: bool, quote: Quote, facts: SymbolFacts) -> float:
    """The tightest SL MT5 accepts now, on the grid: the stops level away from the closing price (at least
    one tick, since an SL at the price itself would close the position at once)."""
    gap = max(facts.stops_level * facts.point, facts.tick_size)
    if buy:
        return to_tick(quote.bid - gap, facts, Rounding.DOWN)
    return to_tick(quote.ask + gap, facts, Rounding.UP)


def within_limit(buy: bool, sl: float, limit: float, facts: SymbolFacts) -> bool:
    """Is `sl` at or beyond `limit` on the safe side (as far from the price as the stops level asks)?"""
    slack = facts.tick_size * EPS
    return sl <= limit + slack if buy else sl >= limit - slack


def frozen(p: OpenPosition, quote: Quote, facts: SymbolFacts) -> bool:
    """MT5 refuses to modify or close a position whose SL or TP lies within the freeze level of its
    closing price (10029). At exactly the freeze distance it is refused too (MQL5 asks for more)."""
    if facts.freeze_level == 0:
        return False
    price = closing_price(p.buy, quote)
    gap = facts.freeze_level * facts.point + facts.tick_size * EPS
    return any(level is not None and abs(price - level) <= gap for level in (p.sl, p.tp))
