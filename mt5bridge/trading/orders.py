"""Building MT5 request dicts from trader terms: pure functions over a symbol spec and a quote.

Volumes are checked against the symbol's min/step/max and refused, never rounded. The filling mode is
chosen from what the symbol allows (FOK, then IOC, else RETURN; pending orders RETURN), never by passing
the symbol's bit mask as the request's enum (a classic 10030 bug).

Every number from a request is checked before any arithmetic on it: NaN, infinity and values so large that
their position on the grid overflows are refused as InvalidOrder, never an OverflowError, whichever
front-end (REST, chat) sent them.
"""

from __future__ import annotations

import math
from typing import Any

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.enums import OrderType
from mt5bridge.terminal.models import PositionSide, SymbolSpec
from mt5bridge.trading.errors import InvalidOrder
from mt5bridge.trading.models import OrderKind

# A float holds every integer up to 2**53: past that many steps a grid position is meaningless.
_MAX_GRID_STEPS = 2.0**53


def check_volume(spec: SymbolSpec, volume: float) -> None:
    """Refuse a volume off the symbol's grid or outside min/max, with the numbers in the message."""
    if not math.isfinite(volume):
        raise InvalidOrder("invalid_volume", f"{volume} lots is not a number of lots")
    if spec.volume_step <= 0:
        raise InvalidOrder("invalid_volume", f"{spec.name} has no volume step; it cannot be traded")
    if volume < spec.volume_min - 1e-9 or volume > spec.volume_max + 1e-9:
        raise InvalidOrder(
            "invalid_volume",
            f"{volume:g} lots is outside {spec.name}'s range {spec.volume_min:g}..{spec.volume_max:g}",
        )
    steps = (volume - spec.volume_min) / spec.volume_step
    if abs(steps - round(steps)) > 1e-6:
        raise InvalidOrder(
            "invalid_volume",
            f"{volume:g} lots is not a multiple of {spec.name}'s volume step {spec.volume_step:g}",
        )


def filling_for(spec: SymbolSpec, pending: bool) -> int:
    """The request's type_filling that the symbol accepts."""
    if pending:
        return C.ORDER_FILLING_RETURN
    if spec.filling_mode & C.SYMBOL_FILLING_FOK:
        return C.ORDER_FILLING_FOK
    if spec.filling_mode & C.SYMBOL_FILLING_IOC:
        return C.ORDER_FILLING_IOC
    return C.ORDER_FILLING_RETURN


def pending_type(side: PositionSide, kind: OrderKind, price: float, bid: float, ask: float) -> int:
    """ORDER_TYPE_* of a pending order; `pending` picks limit or stop from where the price sits."""
    buy = side is PositionSide.BUY
    if kind is OrderKind.PENDING:
        market = ask if buy else bid
        below = price < market
        kind = OrderKind.LIMIT if below == buy else OrderKind.STOP
    if kind is OrderKind.LIMIT:
        return C.ORDER_TYPE_BUY_LIMIT if buy else C.ORDER_TYPE_SELL_LIMIT
    if kind is OrderKind.STOP:
        return C.ORDER_TYPE_BUY_STOP if buy else C.ORDER_TYPE_SELL_STOP
    raise InvalidOrder("invalid_order_type", f"{kind} is not a pending order type")


# Pending orders by side and by kind. A stop-limit counts as a stop: until it triggers it is one (above the
# market for a buy, below for a sell); once triggered MT5 replaces it with a plain limit order.
_PENDING_SIDE = {
    OrderType.BUY_LIMIT: PositionSide.BUY,
    OrderType.BUY_STOP: PositionSide.BUY,
    OrderType.BUY_STOP_LIMIT: PositionSide.BUY,
    OrderType.SELL_LIMIT: PositionSide.SELL,
    OrderType.SELL_STOP: PositionSide.SELL,
    OrderType.SELL_STOP_LIMIT: PositionSide.SELL,
}
_PENDING_KIND = {
    OrderType.BUY_LIMIT: OrderKind.LIMIT,
    OrderType.SELL_LIMIT: OrderKind.LIMIT,
    OrderType.BUY_STOP: OrderKind.STOP,
    OrderType.SELL_STOP: OrderKind.STOP,
    OrderType.BUY_STOP_LIMIT: OrderKind.STOP,
    OrderType.SELL_STOP_LIMIT: OrderKind.STOP,
}


def pending_matches(order_type: OrderType, side: PositionSide | None, kind: OrderKind | None) -> bool:
    """Whether a pending order of `order_type` is on `side` and of `kind` (limit, or stop incl. stop-limit);
    None matches anything."""
    return (side is None or _PENDING_SIDE.get(order_type) is side) and (
        kind is None or _PENDING_KIND.get(order_type) is kind
    )


def normalize_price(spec: SymbolSpec, price: float, what: str) -> float:
    """A price on the symbol's tick grid; refuse one that is not (never silently move a stop).

    A non-zero price that would round to 0 is refused too: 0 means "no level", so a stop of 1e-300 must
    not quietly remove a stop.
    """
    tick = spec.tick_size or spec.point
    if not math.isfinite(price):
        raise InvalidOrder("invalid_price", f"{what} {price} is not a price")
    if tick <= 0:
        raise InvalidOrder("invalid_price", f"{spec.name} has no price grid; it cannot be traded")
    steps = price / tick
    if abs(steps) >= _MAX_GRID_STEPS:
        raise InvalidOrder("invalid_price", f"{what} {price:g} is out of range for {spec.name}")
    rounded = round(round(steps) * tick, spec.digits)
    if abs(rounded - price) > spec.point / 100 or (rounded == 0 and price != 0):
        raise InvalidOrder("invalid_price", f"{what} {price} is not on {spec.name}'s price grid ({tick:g})")
    return rounded


def market_request(
    spec: SymbolSpec,
    side: PositionSide,
    volume: float,
    *,
    sl: float,
    tp: float,
    magic: int,
    deviation: int,
    price: float,
    position: int = 0,
    comment: str = "",
) -> dict[str, Any]:
    """A TRADE_ACTION_DEAL request (open, or close when `position` is given)."""
    request: dict[str, Any] = {
        "action": C.TRADE_ACTION_DEAL,
        "symbol": spec.name,
        "volume": float(volume),
        "type": C.ORDER_TYPE_BUY if side is PositionSide.BUY else C.ORDER_TYPE_SELL,
        "price": float(price),
        "deviation": int(deviation),
        "magic": int(magic),
        "type_filling": filling_for(spec, pending=False),
        "type_time": C.ORDER_TIME_GTC,
        "comment": comment,
    }
    if position:
        request["position"] = int(position)
    else:
        request["sl"], request["tp"] = float(sl), float(tp)
    return request


def pending_request(
    spec: SymbolSpec,
    order_type: int,
    volume: float,
    price: float,
    *,
    sl: float,
    tp: float,
    magic: int,
    comment: str = "",
) -> dict[str, Any]:
    return {
        "action": C.TRADE_ACTION_PENDING,
        "symbol": spec.name,
        "volume": float(volume),
        "type": order_type,
        "price": float(price),
        "sl": float(sl),
        "tp": float(tp),
        "magic": int(magic),
        "type_filling": filling_for(spec, pending=True),
        "type_time": C.ORDER_TIME_GTC,
        "comment": comment,
    }


def sltp_request(symbol: str, ticket: int, sl: float, tp: float) -> dict[str, Any]:
    """TRADE_ACTION_SLTP sends both levels (0 removes one)."""
    return {
        "action": C.TRADE_ACTION_SLTP,
        "symbol": symbol,
        "position": int(ticket),
        "sl": float(sl),
        "tp": float(tp),
    }


def modify_pending_request(ticket: int, price: float, sl: float, tp: float) -> dict[str, Any]:
    return {
        "action": C.TRADE_ACTION_MODIFY,
        "order": int(ticket),
        "price": float(price),
        "sl": float(sl),
        "tp": float(tp),
        "type_time": C.ORDER_TIME_GTC,
    }


def remove_request(ticket: int) -> dict[str, Any]:
    return {"action": C.TRADE_ACTION_REMOVE, "order": int(ticket)}
