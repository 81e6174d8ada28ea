"""MT5's integer codes as named enums, and the mapping both ways (`mt5_value`, `from_mt5`).

Members are lower-case words (`buy`, `sell_limit`, `hedging`); MT5's integers stay reachable through
`mt5_value()`. An unknown value raises ValueError: the client turns it into an error rather than guess what
a new MT5 code means. `mt5bridge.terminal.models` re-exports all of them beside the structures.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import TypeVar

from mt5bridge.terminal import constants as C


class PositionSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    BUY = "buy"
    SELL = "sell"
    BUY_LIMIT = "buy_limit"
    SELL_LIMIT = "sell_limit"
    BUY_STOP = "buy_stop"
    SELL_STOP = "sell_stop"
    BUY_STOP_LIMIT = "buy_stop_limit"
    SELL_STOP_LIMIT = "sell_stop_limit"
    CLOSE_BY = "close_by"


class OrderState(StrEnum):
    STARTED = "started"
    PLACED = "placed"
    CANCELED = "canceled"
    PARTIAL = "partial"
    FILLED = "filled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REQUEST_ADD = "request_add"
    REQUEST_MODIFY = "request_modify"
    REQUEST_CANCEL = "request_cancel"


class DealType(StrEnum):
    BUY = "buy"
    SELL = "sell"
    BALANCE = "balance"
    CREDIT = "credit"
    CHARGE = "charge"
    CORRECTION = "correction"
    BONUS = "bonus"
    COMMISSION = "commission"
    COMMISSION_DAILY = "commission_daily"
    COMMISSION_MONTHLY = "commission_monthly"
    COMMISSION_AGENT_DAILY = "commission_agent_daily"
    COMMISSION_AGENT_MONTHLY = "commission_agent_monthly"
    INTEREST = "interest"
    BUY_CANCELED = "buy_canceled"
    SELL_CANCELED = "sell_canceled"
    DIVIDEND = "dividend"
    DIVIDEND_FRANKED = "dividend_franked"
    TAX = "tax"


class DealEntry(StrEnum):
    IN = "in"
    OUT = "out"
    INOUT = "inout"
    OUT_BY = "out_by"


class Reason(StrEnum):
    """Who or what caused a position, order or deal (DEAL_REASON_* is the superset)."""

    CLIENT = "client"
    MOBILE = "mobile"
    WEB = "web"
    EXPERT = "expert"
    SL = "sl"
    TP = "tp"
    SO = "so"
    ROLLOVER = "rollover"
    VMARGIN = "vmargin"
    SPLIT = "split"


class MarginMode(StrEnum):
    RETAIL_NETTING = "netting"
    EXCHANGE = "exchange"
    RETAIL_HEDGING = "hedging"


class AccountTradeMode(StrEnum):
    DEMO = "demo"
    CONTEST = "contest"
    REAL = "real"


class SymbolTradeMode(StrEnum):
    DISABLED = "disabled"
    LONGONLY = "long_only"
    SHORTONLY = "short_only"
    CLOSEONLY = "close_only"
    FULL = "full"


class OrderFilling(StrEnum):
    FOK = "fok"
    IOC = "ioc"
    RETURN = "return"
    BOC = "boc"


class OrderTime(StrEnum):
    GTC = "gtc"
    DAY = "day"
    SPECIFIED = "specified"
    SPECIFIED_DAY = "specified_day"


_PREFIX: dict[type[StrEnum], str] = {
    PositionSide: "POSITION_TYPE_",
    OrderType: "ORDER_TYPE_",
    OrderState: "ORDER_STATE_",
    DealType: "DEAL_TYPE_",
    DealEntry: "DEAL_ENTRY_",
    Reason: "DEAL_REASON_",
    MarginMode: "ACCOUNT_MARGIN_MODE_",
    AccountTradeMode: "ACCOUNT_TRADE_MODE_",
    SymbolTradeMode: "SYMBOL_TRADE_MODE_",
    OrderFilling: "ORDER_FILLING_",
    OrderTime: "ORDER_TIME_",
}
# MQL5 deal types the Python package does not export.
_EXTRA: dict[str, int] = {"DEAL_TYPE_DIVIDEND": 15, "DEAL_TYPE_DIVIDEND_FRANKED": 16, "DEAL_TYPE_TAX": 17}

E = TypeVar("E", bound=StrEnum)


def mt5_value(member: StrEnum) -> int:
    """MT5's integer for an enum member, e.g. `mt5_value(OrderType.SELL_LIMIT) == 3`."""
    name = _PREFIX[type(member)] + member.name
    value = getattr(C, name, None)
    return int(_EXTRA[name] if value is None else value)


@cache
def _by_value(enum: type[StrEnum]) -> dict[int, StrEnum]:
    return {mt5_value(member): member for member in enum}


def from_mt5(enum: type[E], value: int) -> E:
    """The member of `enum` for MT5's integer `value`; ValueError if MT5 sent something unknown."""
    member = _by_value(enum).get(value)
    if member is None:
        raise ValueError(f"unknown {enum.__name__} value {value}")
    return member  # type: ignore[return-value]
