"""Typed results of the terminal layer, built from the MetaTrader5 package's structures.

Enum-valued fields use lower-case words (`buy`, `sell_limit`, `hedging`); MT5's integers stay reachable
through `mt5_value()` (the enums are declared in `enums.py` and re-exported here). Every time comes twice:
`time` as an aware UTC datetime and `time_server` as the raw epoch the terminal gave (trade-server wall
clock); `server_utc_offset` (seconds, server minus UTC) is what separates them, 0 unless the caller knows
the broker's offset. An unknown enum value raises ValueError: the client turns it into an error rather
than guess what a new MT5 code means.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from mt5bridge.terminal.enums import (
    AccountTradeMode,
    DealEntry,
    DealType,
    MarginMode,
    OrderFilling,
    OrderState,
    OrderTime,
    OrderType,
    PositionSide,
    Reason,
    SymbolTradeMode,
    from_mt5,
)
from mt5bridge.terminal.enums import mt5_value as mt5_value  # re-exported: M.mt5_value(member)


def utc(epoch: int, offset: int = 0) -> datetime:
    """The aware UTC datetime of a server-scale epoch, given the server's offset from UTC in seconds."""
    return datetime.fromtimestamp(epoch - offset, UTC)


def _price(value: float) -> float | None:
    return value or None


@cache
def _field_names(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model.model_fields)


def _pick(raw: Any, model: type[BaseModel], given: dict[str, Any]) -> dict[str, Any]:
    """`given`, plus every other field of `model` read from `raw` under the same name."""
    for name in _field_names(model):
        if name not in given:
            given[name] = getattr(raw, name)
    return given


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TerminalState(_Model):
    connected: bool
    trade_allowed: bool
    tradeapi_disabled: bool
    build: int
    company: str
    name: str
    path: str
    ping_last_us: int

    @classmethod
    def from_mt5(cls, t: Any) -> TerminalState:
        return cls(**_pick(t, cls, {"ping_last_us": t.ping_last}))


class Account(_Model):
    login: int
    name: str
    server: str
    company: str
    currency: str
    currency_digits: int
    leverage: int
    trade_mode: AccountTradeMode
    margin_mode: MarginMode
    trade_allowed: bool
    trade_expert: bool
    limit_orders: int
    fifo_close: bool
    balance: float
    credit: float
    profit: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    margin_so_call: float
    margin_so_so: float

    @classmethod
    def from_mt5(cls, a: Any) -> Account:
        given = {
            "trade_mode": from_mt5(AccountTradeMode, a.trade_mode),
            "margin_mode": from_mt5(MarginMode, a.margin_mode),
        }
        return cls(**_pick(a, cls, given))


class Position(_Model):
    ticket: int
    identifier: int
    symbol: str
    side: PositionSide
    volume: float
    price_open: float
    price_current: float
    sl: float | None
    tp: float | None
    swap: float
    profit: float
    magic: int
    comment: str
    external_id: str
    reason: Reason
    time: datetime
    time_server: int
    time_msc: int
    time_update: datetime
    time_update_server: int

    @classmethod
    def from_mt5(cls, p: Any, offset: int = 0) -> Position:
        given = {
            "side": from_mt5(PositionSide, p.type), "sl": _price(p.sl), "tp": _price(p.tp),
            "reason": from_mt5(Reason, p.reason), "time": utc(p.time, offset), "time_server": p.time,
            "time_update": utc(p.time_update, offset), "time_update_server": p.time_update,
        }  # fmt: skip
        return cls(**_pick(p, cls, given))


class Order(_Model):
    """A pending order (orders_get) or a historical one (history_orders_get)."""

    ticket: int
    symbol: str
    type: OrderType
    state: OrderState
    type_filling: OrderFilling
    type_time: OrderTime
    volume_initial: float
    volume_current: float
    price_open: float
    price_current: float
    price_stoplimit: float | None
    sl: float | None
    tp: float | None
    magic: int
    comment: str
    position_id: int
    reason: Reason
    time_setup: datetime
    time_setup_server: int
    time_expiration_server: int
    time_done_server: int

    @classmethod
    def from_mt5(cls, o: Any, offset: int = 0) -> Order:
        given = {
            "sl": _price(o.sl), "tp": _price(o.tp), "price_stoplimit": _price(o.price_stoplimit),
            "type": from_mt5(OrderType, o.type), "state": from_mt5(OrderState, o.state),
            "type_filling": from_mt5(OrderFilling, o.type_filling),
            "type_time": from_mt5(OrderTime, o.type_time),
            "reason": from_mt5(Reason, o.reason), "time_setup": utc(o.time_setup, offset),
            "time_setup_server": o.time_setup, "time_expiration_server": o.time_expiration,
            "time_done_server": o.time_done,
        }  # fmt: skip
        return cls(**_pick(o, cls, given))


class Deal(_Model):
    ticket: int
    order: int
    position_id: int
    symbol: str
    type: DealType
    entry: DealEntry
    reason: Reason
    volume: float
    price: float
    commission: float
    swap: float
    profit: float
    fee: float
    magic: int
    comment: str
    time: datetime
    time_server: int
    time_msc: int

    @classmethod
    def from_mt5(cls, d: Any, offset: int = 0) -> Deal:
        given = {
            "type": from_mt5(DealType, d.type), "entry": from_mt5(DealEntry, d.entry),
            "reason": from_mt5(Reason, d.reason), "time": utc(d.time, offset), "time_server": d.time,
        }  # fmt: skip
        return cls(**_pick(d, cls, given))


class DealRow(NamedTuple):
    """A deal as a plain tuple, for reading many at once (reports, P&L over a busy month).

    The fields P&L and strategy attribution read, named and typed as in `Deal` (times on the server
    scale only). Building one costs about a tenth of validating a `Deal`, which matters at 100,000 deals;
    `MT5Client.deal_rows` builds them off the event loop.
    """

    ticket: int
    order: int
    position_id: int
    symbol: str
    type: DealType
    entry: DealEntry
    magic: int
    volume: float
    price: float
    commission: float
    swap: float
    profit: float
    fee: float
    time_server: int
    time_msc: int

    @classmethod
    def from_mt5(cls, d: Any) -> DealRow:
        """One row from the package's TradeDeal; ValueError on a deal type or entry MT5 never had."""
        return deal_rows((d,))[0]


_DEAL_TYPES: dict[int, DealType] = {mt5_value(member): member for member in DealType}
_DEAL_ENTRIES: dict[int, DealEntry] = {mt5_value(member): member for member in DealEntry}


def deal_rows(raw: Iterable[Any]) -> list[DealRow]:
    """The rows of many TradeDeals (~1.7 us each); ValueError on a deal type or entry MT5 never had."""
    new, row, types, entries = tuple.__new__, DealRow, _DEAL_TYPES, _DEAL_ENTRIES
    try:
        return [
            new(row, (d.ticket, d.order, d.position_id, d.symbol, types[d.type], entries[d.entry], d.magic,
                      d.volume, d.price, d.commission, d.swap, d.profit, d.fee, d.time, d.time_msc))
            for d in raw
        ]  # fmt: skip
    except KeyError as exc:
        raise ValueError(f"unknown deal type or entry value {exc.args[0]}") from exc


class SymbolSpec(_Model):
    """What trading needs to know about a symbol; stops/freeze levels and spread are in points."""

    name: str
    description: str
    path: str
    visible: bool
    select: bool
    trade_mode: SymbolTradeMode
    calc_mode: int
    digits: int
    point: float
    tick_size: float
    tick_value: float
    contract_size: float
    volume_min: float
    volume_max: float
    volume_step: float
    volume_limit: float
    stops_level: int
    freeze_level: int
    filling_mode: int
    order_mode: int
    expiration_mode: int
    currency_base: str
    currency_profit: str
    currency_margin: str
    spread: int
    bid: float
    ask: float
    time_server: int

    @classmethod
    def from_mt5(cls, s: Any) -> SymbolSpec:
        given = {
            "trade_mode": from_mt5(SymbolTradeMode, s.trade_mode), "calc_mode": s.trade_calc_mode,
            "tick_size": s.trade_tick_size, "tick_value": s.trade_tick_value,
            "contract_size": s.trade_contract_size, "stops_level": s.trade_stops_level,
            "freeze_level": s.trade_freeze_level, "time_server": s.time,
        }  # fmt: skip
        return cls(**_pick(s, cls, given))


class Tick(_Model):
    symbol: str
    bid: float
    ask: float
    last: float
    volume: int
    flags: int
    time: datetime
    time_server: int
    time_msc: int

    @classmethod
    def from_mt5(cls, symbol: str, t: Any, offset: int = 0) -> Tick:
        given = {"symbol": symbol, "time": utc(t.time, offset), "time_server": t.time}
        return cls(**_pick(t, cls, given))


class TradeResult(_Model):
    """A trade request's outcome; `reconciled` = rebuilt from positions/orders/deals after a lost answer."""

    retcode: int
    retcode_name: str
    tag: str
    deal: int
    order: int
    volume: float
    price: float
    bid: float
    ask: float
    comment: str
    request_id: int
    reconciled: bool = False


class CheckResult(_Model):
    """order_check's answer: the account as it would be after the request."""

    retcode: int
    retcode_name: str
    balance: float
    equity: float
    profit: float
    margin: float
    margin_free: float
    margin_level: float
    comment: str
