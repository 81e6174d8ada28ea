"""Trade-request checks as a trade server makes them: plain functions returning an MT5 retcode or None.

The order of checks follows docs/mt5-api.md §5: symbol, trade mode, session, volume, filling, price,
stops, freeze, margin. Every check is side-effect free, so a refused request changes nothing.
"""

from __future__ import annotations

import math
from typing import Any

from mt5bridge.simulator.symbols import SymbolSpec
from mt5bridge.terminal import constants as C

# Client-side argument types of the MetaTrader5 package: a wrong type makes order_send return None
# with (-2, 'Invalid "<field>" argument') before anything reaches the server.
INT_FIELDS = (
    "action",
    "magic",
    "order",
    "deviation",
    "type",
    "type_filling",
    "type_time",
    "expiration",
    "position",
    "position_by",
)
FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
MAX_COMMENT = 31

RETCODE_TEXT: dict[int, str] = {
    0: "Done",
    C.TRADE_RETCODE_REQUOTE: "Requote",
    C.TRADE_RETCODE_REJECT: "Request rejected",
    C.TRADE_RETCODE_PLACED: "Order placed",
    C.TRADE_RETCODE_DONE: "Request executed",
    C.TRADE_RETCODE_DONE_PARTIAL: "Request executed partially",
    C.TRADE_RETCODE_ERROR: "Request processing error",
    C.TRADE_RETCODE_INVALID: "Invalid request",
    C.TRADE_RETCODE_INVALID_VOLUME: "Invalid volume",
    C.TRADE_RETCODE_INVALID_PRICE: "Invalid price",
    C.TRADE_RETCODE_INVALID_STOPS: "Invalid stops",
    C.TRADE_RETCODE_TRADE_DISABLED: "Trade disabled",
    C.TRADE_RETCODE_MARKET_CLOSED: "Market closed",
    C.TRADE_RETCODE_NO_MONEY: "No money",
    C.TRADE_RETCODE_PRICE_CHANGED: "Prices changed",
    C.TRADE_RETCODE_PRICE_OFF: "No prices",
    C.TRADE_RETCODE_INVALID_EXPIRATION: "Invalid expiration",
    C.TRADE_RETCODE_ORDER_CHANGED: "Order state changed",
    C.TRADE_RETCODE_NO_CHANGES: "No changes",
    C.TRADE_RETCODE_SERVER_DISABLES_AT: "AutoTrading disabled by server",
    C.TRADE_RETCODE_CLIENT_DISABLES_AT: "AutoTrading disabled by client",
    C.TRADE_RETCODE_FROZEN: "Order or position frozen",
    C.TRADE_RETCODE_INVALID_FILL: "Unsupported filling mode",
    C.TRADE_RETCODE_CONNECTION: "No connection",
    C.TRADE_RETCODE_LIMIT_ORDERS: "Pending orders limit reached",
    C.TRADE_RETCODE_LIMIT_VOLUME: "Volume limit reached",
    C.TRADE_RETCODE_INVALID_ORDER: "Invalid order",
    C.TRADE_RETCODE_POSITION_CLOSED: "Position already closed",
    C.TRADE_RETCODE_INVALID_CLOSE_VOLUME: "Invalid close volume",
    C.TRADE_RETCODE_LIMIT_POSITIONS: "Positions limit reached",
    C.TRADE_RETCODE_LONG_ONLY: "Long positions only allowed",
    C.TRADE_RETCODE_SHORT_ONLY: "Short positions only allowed",
    C.TRADE_RETCODE_CLOSE_ONLY: "Only position closing is allowed",
    C.TRADE_RETCODE_FIFO_CLOSE: "Position closing is allowed only by FIFO rule",
}

BUY_TYPES = (C.ORDER_TYPE_BUY, C.ORDER_TYPE_BUY_LIMIT, C.ORDER_TYPE_BUY_STOP, C.ORDER_TYPE_BUY_STOP_LIMIT)
PENDING_TYPES = (
    C.ORDER_TYPE_BUY_LIMIT,
    C.ORDER_TYPE_SELL_LIMIT,
    C.ORDER_TYPE_BUY_STOP,
    C.ORDER_TYPE_SELL_STOP,
    C.ORDER_TYPE_BUY_STOP_LIMIT,
    C.ORDER_TYPE_SELL_STOP_LIMIT,
)
_ORDER_MODE_BIT = {
    C.ORDER_TYPE_BUY: C.SYMBOL_ORDER_MARKET,
    C.ORDER_TYPE_SELL: C.SYMBOL_ORDER_MARKET,
    C.ORDER_TYPE_BUY_LIMIT: C.SYMBOL_ORDER_LIMIT,
    C.ORDER_TYPE_SELL_LIMIT: C.SYMBOL_ORDER_LIMIT,
    C.ORDER_TYPE_BUY_STOP: C.SYMBOL_ORDER_STOP,
    C.ORDER_TYPE_SELL_STOP: C.SYMBOL_ORDER_STOP,
    C.ORDER_TYPE_BUY_STOP_LIMIT: C.SYMBOL_ORDER_STOP_LIMIT,
    C.ORDER_TYPE_SELL_STOP_LIMIT: C.SYMBOL_ORDER_STOP_LIMIT,
}


def argument_error(request: Any) -> str | None:
    """The client-side error text for a malformed request dict, or None when its types are right."""
    if not isinstance(request, dict):
        return "Invalid arguments"
    for name in INT_FIELDS:
        value = request.get(name, 0)
        if not isinstance(value, int) or value < 0:
            return f'Invalid "{name}" argument'
    for name in FLOAT_FIELDS:
        value = request.get(name, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f'Invalid "{name}" argument'
    symbol, comment = request.get("symbol", ""), request.get("comment", "")
    if not isinstance(symbol, str):
        return 'Invalid "symbol" argument'
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        return 'Invalid "comment" argument'
    return None


def is_buy(order_type: int) -> bool:
    return order_type in BUY_TYPES


def on_grid(value: float, step: float) -> bool:
    """True when value is a whole multiple of step (within float noise)."""
    if step <= 0:
        return True
    ratio = value / step
    return abs(ratio - round(ratio)) < 1e-7


def check_trade_mode(trade_mode: int, order_type: int, closing: bool) -> int | None:
    if trade_mode == C.SYMBOL_TRADE_MODE_DISABLED:
        return C.TRADE_RETCODE_TRADE_DISABLED
    if closing:
        return None
    if trade_mode == C.SYMBOL_TRADE_MODE_CLOSEONLY:
        return C.TRADE_RETCODE_CLOSE_ONLY
    if trade_mode == C.SYMBOL_TRADE_MODE_LONGONLY and not is_buy(order_type):
        return C.TRADE_RETCODE_LONG_ONLY
    if trade_mode == C.SYMBOL_TRADE_MODE_SHORTONLY and is_buy(order_type):
        return C.TRADE_RETCODE_SHORT_ONLY
    return None


def check_order_type(spec: SymbolSpec, order_type: int) -> int | None:
    bit = _ORDER_MODE_BIT.get(order_type)
    if bit is None:
        return C.TRADE_RETCODE_INVALID
    return None if spec.order_mode & bit else C.TRADE_RETCODE_INVALID_ORDER


def check_volume(spec: SymbolSpec, volume: float) -> int | None:
    """Volume within min/max and on the step grid, else 10014 (never rounded)."""
    if volume <= 0 or volume < spec.volume_min - 1e-12 or volume > spec.volume_max + 1e-12:
        return C.TRADE_RETCODE_INVALID_VOLUME
    if not on_grid(volume - spec.volume_min, spec.volume_step):
        return C.TRADE_RETCODE_INVALID_VOLUME
    return None


def check_filling(spec: SymbolSpec, type_filling: int, pending: bool) -> int | None:
    """FOK and IOC need their bit in the symbol's mask; RETURN is accepted (see docs/simulator.md)."""
    if type_filling == C.ORDER_FILLING_FOK and not spec.filling_mode & C.SYMBOL_FILLING_FOK:
        return C.TRADE_RETCODE_INVALID_FILL
    if type_filling == C.ORDER_FILLING_IOC and not spec.filling_mode & C.SYMBOL_FILLING_IOC:
        return C.TRADE_RETCODE_INVALID_FILL
    if type_filling == C.ORDER_FILLING_BOC and not pending:
        return C.TRADE_RETCODE_INVALID_FILL
    if type_filling > C.ORDER_FILLING_BOC:
        return C.TRADE_RETCODE_INVALID_FILL
    return None


def is_normalized(price: float, spec: SymbolSpec) -> bool:
    """The price has no more precision than the symbol's digits and tick size."""
    return on_grid(round(price, spec.digits + 3), spec.tick_size) and abs(
        price - round(price, spec.digits)
    ) < (spec.point / 1000)


def check_stops(spec: SymbolSpec, buy: bool, ref: float, sl: float, tp: float) -> int | None:
    """SL/TP on the right side of `ref` (Bid for buys, Ask for sells, the order price for pending orders),
    at least `stops_level` points away; 0 means none."""
    gap = spec.stops_level * spec.point
    for level in (sl, tp):
        if level and not is_normalized(level, spec):
            return C.TRADE_RETCODE_INVALID_STOPS
    eps = spec.point / 10
    if buy:
        bad_sl = sl > 0 and (sl >= ref or ref - sl < gap - eps)
        bad_tp = tp > 0 and (tp <= ref or tp - ref < gap - eps)
    else:
        bad_sl = sl > 0 and (sl <= ref or sl - ref < gap - eps)
        bad_tp = tp > 0 and (tp >= ref or ref - tp < gap - eps)
    return C.TRADE_RETCODE_INVALID_STOPS if bad_sl or bad_tp else None


def check_pending_price(
    spec: SymbolSpec, order_type: int, price: float, bid: float, ask: float
) -> int | None:
    """Limit below/above and stop above/below the market by at least the stops level, else 10015."""
    if price <= 0 or not is_normalized(price, spec):
        return C.TRADE_RETCODE_INVALID_PRICE
    gap = spec.stops_level * spec.point
    eps = spec.point / 10
    ok = {
        C.ORDER_TYPE_BUY_LIMIT: ask - price >= gap - eps and price < ask,
        C.ORDER_TYPE_SELL_LIMIT: price - bid >= gap - eps and price > bid,
        C.ORDER_TYPE_BUY_STOP: price - ask >= gap - eps and price > ask,
        C.ORDER_TYPE_SELL_STOP: bid - price >= gap - eps and price < bid,
        C.ORDER_TYPE_BUY_STOP_LIMIT: price - ask >= gap - eps and price > ask,
        C.ORDER_TYPE_SELL_STOP_LIMIT: bid - price >= gap - eps and price < bid,
    }.get(order_type, False)
    return None if ok else C.TRADE_RETCODE_INVALID_PRICE


def check_stoplimit(spec: SymbolSpec, order_type: int, price: float, stoplimit: float) -> int | None:
    """The limit of a stop-limit order sits at or beyond its trigger on the limit's side."""
    if order_type not in (C.ORDER_TYPE_BUY_STOP_LIMIT, C.ORDER_TYPE_SELL_STOP_LIMIT):
        return None
    if stoplimit <= 0 or not is_normalized(stoplimit, spec):
        return C.TRADE_RETCODE_INVALID_PRICE
    if order_type == C.ORDER_TYPE_BUY_STOP_LIMIT and stoplimit > price:
        return C.TRADE_RETCODE_INVALID_PRICE
    if order_type == C.ORDER_TYPE_SELL_STOP_LIMIT and stoplimit < price:
        return C.TRADE_RETCODE_INVALID_PRICE
    return None


def check_expiration(spec: SymbolSpec, type_time: int, expiration: int, now: int) -> int | None:
    allowed = {
        C.ORDER_TIME_GTC: C.SYMBOL_EXPIRATION_GTC,
        C.ORDER_TIME_DAY: C.SYMBOL_EXPIRATION_DAY,
        C.ORDER_TIME_SPECIFIED: C.SYMBOL_EXPIRATION_SPECIFIED,
        C.ORDER_TIME_SPECIFIED_DAY: C.SYMBOL_EXPIRATION_SPECIFIED_DAY,
    }
    bit = allowed.get(type_time)
    if bit is None or not spec.expiration_mode & bit:
        return C.TRADE_RETCODE_INVALID_EXPIRATION
    if type_time in (C.ORDER_TIME_SPECIFIED, C.ORDER_TIME_SPECIFIED_DAY) and expiration <= now:
        return C.TRADE_RETCODE_INVALID_EXPIRATION
    return None


def within_freeze(spec: SymbolSpec, level: float, market: float) -> bool:
    """A price within the freeze level of the market cannot be modified or removed (10029)."""
    return bool(spec.freeze_level and level and abs(level - market) < spec.freeze_level * spec.point)
