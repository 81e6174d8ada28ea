"""Whether a fresh preview is still what the user confirmed: the same legs, and prices within deviation.

Pure functions over two `Preview`s; `TradingService.execute(expected=...)` calls them on its one
re-preview and raises `PreviewChanged` with the fresh plan when they say it moved.
"""

from __future__ import annotations

from collections.abc import Mapping

from mt5bridge.trading.errors import ChangeReason
from mt5bridge.trading.models import Action, OrderKind, Preview


def plan_of(preview: Preview) -> list[tuple[int | None, str, float]]:
    """What a plan does, leg by leg: which ticket, which symbol, how many lots."""
    return [(leg.ticket, leg.symbol, leg.volume) for leg in preview.legs]


def price_moved(before: Preview, now: Preview, points: Mapping[str, float], deviation: int) -> bool:
    """True when a market price moved more than `deviation` points since the preview the user saw."""
    pairs: list[tuple[str, float | None, float | None]]
    if before.action is Action.OPEN:
        if before.order_type is not OrderKind.MARKET or before.price is None or now.price is None:
            return False
        pairs = [(before.symbol or "", before.price, now.price)]
    elif before.action is Action.CLOSE:
        fresh = {leg.ticket: leg.price for leg in now.legs}
        pairs = [(leg.symbol, leg.price, fresh.get(leg.ticket)) for leg in before.legs]
    else:
        return False
    for symbol, old, new in pairs:
        if old is None or new is None:
            continue
        point = points.get(symbol, 0.0)
        if abs(new - old) > deviation * point + point * 1e-6:
            return True
    return False


def change_of(
    expected: Preview, now: Preview, points: Mapping[str, float], deviation: int
) -> ChangeReason | None:
    """Why `now` is not what was confirmed as `expected` (a moved price first), or None if it still is."""
    if price_moved(expected, now, points, deviation):
        return "price_moved"
    if plan_of(expected) != plan_of(now):
        return "plan_changed"
    return None
