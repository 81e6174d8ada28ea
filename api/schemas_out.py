"""Response models of the REST API (the `data` of the success envelope) and their builders.

Times come twice where they are the account's: `x` is the instant in UTC (ISO 8601 with `Z`), `x_server`
the trade server's wall clock (ISO 8601 without offset), as MT5 shows it. Enums are lower-case words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, WithJsonSchema

from mt5bridge.terminal.models import (
    Account,
    AccountTradeMode,
    Deal,
    DealEntry,
    DealType,
    MarginMode,
    Order,
    OrderFilling,
    OrderState,
    OrderTime,
    OrderType,
    Position,
    PositionSide,
    Reason,
    SymbolSpec,
    SymbolTradeMode,
    Tick,
)
from mt5bridge.trading.periods import Window
from mt5bridge.trading.pnl import PnLLine, PnLReport

# A naive ISO 8601 date-time is not RFC 3339's `date-time` (which needs an offset): say what it is.
ServerTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "The trade server's wall clock (ISO 8601, no offset)",
        }
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def wall(epoch_server: int) -> datetime:
    """The trade server's wall clock of a server-scale epoch, as a naive datetime."""
    return datetime.fromtimestamp(epoch_server, UTC).replace(tzinfo=None)


def instant(epoch_server: int, offset: int) -> datetime:
    return datetime.fromtimestamp(epoch_server - offset, UTC)


class HealthOut(_Out):
    status: Literal["ok", "degraded"]
    mt5_connected: bool
    connected_since: datetime | None
    uptime: float
    active_ws_connections: int
    version: str
    server_time: datetime | None


class AccountOut(_Out):
    login: int
    name: str
    server: str
    company: str
    currency: str
    leverage: int
    trade_mode: AccountTradeMode
    margin_mode: MarginMode
    trade_allowed: bool
    balance: float
    credit: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    profit: float
    server_time: datetime | None
    server_time_server: ServerTime | None
    server_utc_offset: int
    connected_since: datetime | None

    @classmethod
    def build(
        cls, a: Account, now: datetime | None, offset: int, connected_since: datetime | None
    ) -> AccountOut:
        fields = a.model_dump(include=set(cls.model_fields) & set(Account.model_fields))
        local = wall(int(now.timestamp()) + offset) if now else None
        return cls(
            **fields,
            server_time=now,
            server_time_server=local,
            server_utc_offset=offset,
            connected_since=connected_since,
        )


class PositionOut(_Out):
    ticket: int
    identifier: int
    symbol: str
    type: PositionSide
    volume: float
    price_open: float
    current_price: float
    sl: float | None
    tp: float | None
    profit: float
    swap: float
    magic: int
    comment: str
    reason: Reason
    open_time: datetime
    open_time_server: ServerTime
    update_time: datetime
    update_time_server: ServerTime

    @classmethod
    def build(cls, p: Position) -> PositionOut:
        return cls(
            **p.model_dump(include={"ticket", "identifier", "symbol", "volume", "price_open", "sl", "tp"}),
            **p.model_dump(include={"profit", "swap", "magic", "comment", "reason"}),
            type=p.side,
            current_price=p.price_current,
            open_time=p.time,
            open_time_server=wall(p.time_server),
            update_time=p.time_update,
            update_time_server=wall(p.time_update_server),
        )


class OrderOut(_Out):
    ticket: int
    symbol: str
    type: OrderType
    state: OrderState
    volume: float
    volume_initial: float
    price_open: float
    current_price: float
    price_stoplimit: float | None
    sl: float | None
    tp: float | None
    magic: int
    comment: str
    type_filling: OrderFilling
    type_time: OrderTime
    setup_time: datetime
    setup_time_server: ServerTime
    expiration_time_server: ServerTime | None

    @classmethod
    def build(cls, o: Order) -> OrderOut:
        keep = {"ticket", "symbol", "type", "state", "volume_initial", "price_open", "price_stoplimit"}
        keep |= {"sl", "tp", "magic", "comment", "type_filling", "type_time"}
        return cls(
            **o.model_dump(include=keep),
            volume=o.volume_current,
            current_price=o.price_current,
            setup_time=o.time_setup,
            setup_time_server=wall(o.time_setup_server),
            expiration_time_server=wall(o.time_expiration_server) if o.time_expiration_server else None,
        )


class DealOut(_Out):
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
    time_server: ServerTime

    @classmethod
    def build(cls, d: Deal) -> DealOut:
        return cls(**d.model_dump(exclude={"time_server", "time_msc"}), time_server=wall(d.time_server))


class WindowOut(_Out):
    """[start, end): `start`/`end` in UTC, `*_server` on the trade server's clock; `label` end-inclusive."""

    start: datetime
    end: datetime
    start_server: ServerTime
    end_server: ServerTime
    label: str

    @classmethod
    def build(cls, w: Window, offset: int) -> WindowOut:
        return cls(
            start=instant(w.start, offset),
            end=instant(w.end, offset),
            start_server=wall(w.start),
            end_server=wall(w.end),
            label=w.label,
        )


class DealsOut(_Out):
    window: WindowOut
    deals: list[DealOut]


class PnLOut(_Out):
    window: WindowOut
    total: PnLLine  # the trading core's own figures: the same fields, the same names
    by_symbol: dict[str, PnLLine]
    by_magic: dict[str, PnLLine]

    @classmethod
    def build(cls, report: PnLReport, offset: int) -> PnLOut:
        return cls(
            window=WindowOut.build(report.window, offset),
            total=report.total,
            by_symbol=report.by_symbol,
            by_magic={str(k): v for k, v in report.by_magic.items()},
        )


class TickOut(_Out):
    symbol: str
    bid: float
    ask: float
    last: float
    volume: int
    flags: int
    time: datetime
    time_server: ServerTime
    time_msc: int

    @classmethod
    def build(cls, t: Tick) -> TickOut:
        return cls(**t.model_dump(exclude={"time_server"}), time_server=wall(t.time_server))


class SymbolOut(_Out):
    name: str
    description: str
    path: str
    visible: bool
    select: bool
    trade_mode: SymbolTradeMode
    trade_calc_mode: int
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
    time: datetime | None
    time_server: ServerTime | None

    @classmethod
    def build(cls, s: SymbolSpec, offset: int) -> SymbolOut:
        given: dict[str, Any] = s.model_dump(exclude={"calc_mode", "time_server"})
        return cls(
            **given,
            trade_calc_mode=s.calc_mode,
            time=instant(s.time_server, offset) if s.time_server else None,
            time_server=wall(s.time_server) if s.time_server else None,
        )


class SymbolDetailOut(_Out):
    symbol: SymbolOut
    tick: TickOut | None


class BarOut(_Out):
    time: datetime
    time_server: ServerTime
    open: float
    high: float
    low: float
    close: float
    tick_volume: int
    spread: int
    real_volume: int


class RatesOut(_Out):
    symbol: str
    tf: str
    count: int
    rates: list[BarOut]


class IndicatorOut(_Out):
    symbol: str
    tf: str
    name: str
    params: dict[str, Any]
    times: list[datetime]
    times_server: list[ServerTime]
    values: dict[str, list[float | None]]


class ErrorOut(_Out):
    success: Literal[False]
    error: str
    code: str
    retcode: int | None = None
    retcode_name: str | None = None
    rule: str | None = None
    candidates: list[int] | None = None
    result: dict[str, Any] | None = None
    account: str | None = None  # the account a bridge's failure is about (docs/api.md, "REST on the front")
    accounts: list[str] | None = None  # `unknown_account`: the names there are
    idempotency_key: str | None = None  # a relayed order's lost answer: the key to ask again with
    reason: str | None = None  # `preview_changed` (orders and rules): what changed
    preview: dict[str, Any] | None = None  # `preview_changed`: the fresh preview
    start_code: str | None = None  # `rule_empty_scope`, `rule_mixed_scope`: why the rule cannot start
