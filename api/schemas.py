"""Request bodies and query parameters of the REST API: the pydantic models that validate them.

The same models generate the OpenAPI document (api/openapi.py). Bodies are decoded strictly (no "0.1"
for a number, unknown fields refused) and turned into the trading core's own requests with `to_core`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, model_validator

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import (
    CancelRequest,
    CloseRequest,
    ModifyRequest,
    OpenRequest,
    OrderKind,
    Preview,
)
from mt5bridge.trading.periods import Period
from mt5bridge.trading.selectors import Selector

# Far beyond any instrument (a bitcoin in dong is ~3e9): a larger number is a mistake or an attack, and is
# refused here with the field named rather than reaching the core's grid arithmetic.
MAX_PRICE = 1e12
MAX_VOLUME = 1e9
Volume = Annotated[
    float,
    Field(gt=0, le=MAX_VOLUME, allow_inf_nan=False, description="Lots; a multiple of the volume step"),
]
Fraction = Annotated[
    float,
    Field(
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="A share of the lots the targets hold (0.5 = half): rounded half up to the symbol's "
        "volume step, at least its volume_min, at most everything; closed FIFO like a volume",
    ),
]
Price = Annotated[float, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False, description="A price; 0 means none")]
Symbol = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=r"^[\w.#&+\-]+$",
        description="Broker name, canonical name or alias (XAUUSD finds XAUUSD.m, GOLD; gold, 黄金 too)",
    ),
]
Ticket = Annotated[int, Field(gt=0, lt=2**63)]
Magic = Annotated[int, Field(ge=0, lt=2**63, description="Expert Advisor id; 0 for manual trades")]
Comment = Annotated[
    str,
    Field(
        max_length=16,
        pattern=r"^[A-Za-z0-9 _.\-]*$",
        description="Up to 16 characters; mt5bot's order tag takes 14 of MT5's 31",
    ),
]

_YEARS = (1971, 2100)


def _parse_when(value: Any) -> Any:
    """`YYYY-MM-DD` is a whole day (a date); anything longer is an exact instant (a datetime)."""
    if not isinstance(value, str):
        return value
    try:
        parsed: date = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date (2026-05-01) or date-time (2026-05-01T12:00:00)") from None
    if not _YEARS[0] <= parsed.year <= _YEARS[1]:
        raise ValueError(f"the year must be between {_YEARS[0]} and {_YEARS[1]}")
    return parsed


When = Annotated[
    datetime | date,
    BeforeValidator(_parse_when),
    Field(
        description="ISO 8601: a date (whole day) or a date-time; without an offset it is read on the "
        "trade server's clock"
    ),
]


class Timeframe(StrEnum):
    M1 = "m1"
    M5 = "m5"
    M15 = "m15"
    M30 = "m30"
    H1 = "h1"
    H4 = "h4"
    D1 = "d1"
    W1 = "w1"
    MN = "mn"

    @property
    def mt5(self) -> int:
        """MT5's TIMEFRAME_* constant."""
        return _TF_MT5[self]

    @property
    def seconds(self) -> int:
        """A bar's length (a month counts as 28 days: the shortest, for upper bounds on bar counts)."""
        return _TF_SECONDS[self]


_TF_MT5 = {
    Timeframe.M1: C.TIMEFRAME_M1,
    Timeframe.M5: C.TIMEFRAME_M5,
    Timeframe.M15: C.TIMEFRAME_M15,
    Timeframe.M30: C.TIMEFRAME_M30,
    Timeframe.H1: C.TIMEFRAME_H1,
    Timeframe.H4: C.TIMEFRAME_H4,
    Timeframe.D1: C.TIMEFRAME_D1,
    Timeframe.W1: C.TIMEFRAME_W1,
    Timeframe.MN: C.TIMEFRAME_MN1,
}
_TF_SECONDS = {
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.M30: 1800,
    Timeframe.H1: 3600,
    Timeframe.H4: 14400,
    Timeframe.D1: 86400,
    Timeframe.W1: 604800,
    Timeframe.MN: 28 * 86400,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- bodies -------------------------------------------------------------------------------------------
class OpenType(StrEnum):
    BUY = "buy"
    SELL = "sell"
    BUY_LIMIT = "buy_limit"
    SELL_LIMIT = "sell_limit"
    BUY_STOP = "buy_stop"
    SELL_STOP = "sell_stop"


class _Confirmed(_Strict):
    """What an order route takes besides the order: the preview the caller agreed to, if any."""

    expected_preview: Preview | None = Field(
        None,
        description="The preview from POST /order/preview that the caller agreed to, as it was answered. "
        "If the plan now differs (other tickets or volumes) or a market price moved beyond the order's "
        "deviation, nothing is sent: 409 `preview_changed` with the fresh `preview`.",
    )


class _OpenFields(_Strict):
    """A market order (buy, sell: no price) or a pending order (limit, stop: a price)."""

    symbol: Symbol
    type: OpenType
    volume: Volume
    price: Price | None = Field(None, description="Pending orders only; 0 or absent for market orders")
    sl: Price | None = None
    tp: Price | None = None
    comment: Comment = ""
    magic: Magic = 0
    deviation: int = Field(10, ge=0, le=10000, description="Allowed slippage in points")

    def to_core(self) -> OpenRequest:
        side, _, kind = self.type.value.partition("_")
        return OpenRequest(
            symbol=self.symbol,
            side=PositionSide(side),
            volume=self.volume,
            order_type=OrderKind(kind) if kind else OrderKind.MARKET,
            price=self.price or None,
            sl=self.sl,
            tp=self.tp,
            comment=self.comment,
            magic=self.magic,
            deviation=self.deviation,
        )


class _ModifyFields(_Strict):
    """New SL/TP of a position, or new price/SL/TP of a pending order. Absent: unchanged; 0: removed."""

    ticket: Ticket
    sl: Price | None = None
    tp: Price | None = None
    price: Price | None = Field(None, description="Pending orders only: the new trigger price")

    @model_validator(mode="after")
    def _something(self) -> _ModifyFields:
        if self.sl is None and self.tp is None and self.price is None:
            raise ValueError("give at least one of sl, tp, price")
        return self

    def to_core(self) -> ModifyRequest:
        return ModifyRequest(ticket=self.ticket, sl=self.sl, tp=self.tp, price=self.price)


class _CloseFields(_Strict):
    """A ticket, or filters with a selector; `volume` or `fraction` closes part (FIFO across the targets)."""

    ticket: Ticket | None = None
    symbol: Symbol | None = None
    side: PositionSide | None = None
    magic: Magic | None = None
    selector: Selector | None = None
    volume: Volume | None = None
    fraction: Fraction | None = None

    @model_validator(mode="after")
    def _something(self) -> _CloseFields:
        if all(v is None for v in (self.ticket, self.symbol, self.side, self.magic, self.selector)):
            raise ValueError("give a ticket, or a symbol/side/magic filter or a selector")
        if self.volume is not None and self.fraction is not None:
            raise ValueError("give a volume or a fraction, not both")
        return self

    def to_core(self) -> CloseRequest:
        # Only the close fields: `action` (ClosePreview) and `expected_preview` are not the core's request.
        return CloseRequest(**self.model_dump(include=set(_CloseFields.model_fields)))


class _CloseAllFields(_Strict):
    """Every open position, or every one of a symbol."""

    symbol: Symbol | None = None

    def to_core(self) -> CloseRequest:
        return CloseRequest(symbol=self.symbol, selector=Selector.ALL)


class _CancelFields(_Strict):
    """Exactly one of: a pending order's ticket, every pending order of a symbol, or all of them; `side`,
    `order_type` and `magic` narrow it to the orders matching every one given."""

    ticket: Ticket | None = None
    symbol: Symbol | None = None
    all: bool = False
    side: PositionSide | None = Field(None, description="buy: buy limit, stop, stop-limit; sell likewise")
    order_type: Literal["limit", "stop"] | None = Field(
        None, description="limit, or stop (stop-limit orders included: until triggered they are stops)"
    )
    magic: Magic | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> _CancelFields:
        given = (self.ticket is not None) + (self.symbol is not None) + self.all
        if given != 1:
            raise ValueError("give exactly one of ticket, symbol, all=true")
        return self

    def to_core(self) -> CancelRequest:
        return CancelRequest(
            ticket=self.ticket,
            symbol=self.symbol,
            all=self.all,
            side=self.side,
            order_type=OrderKind(self.order_type) if self.order_type else None,
            magic=self.magic,
        )


class OpenBody(_Confirmed, _OpenFields):
    """A market order (buy, sell: no price) or a pending order (limit, stop: a price)."""


class ModifyBody(_Confirmed, _ModifyFields):
    """New SL/TP of a position, or new price/SL/TP of a pending order. Absent: unchanged; 0: removed."""


class CloseBody(_Confirmed, _CloseFields):
    """A ticket, or filters with a selector; `volume` or `fraction` closes part (FIFO across the targets)."""


class CloseAllBody(_Confirmed, _CloseAllFields):
    """Every open position, or every one of a symbol."""


class CancelBody(_Confirmed, _CancelFields):
    """Exactly one of: a pending order's ticket, every pending order of a symbol, or all of them; `side`,
    `order_type` and `magic` narrow it to the orders matching every one given."""


class OpenPreview(_OpenFields):
    action: Literal["open"]


class ModifyPreview(_ModifyFields):
    action: Literal["modify"]


class ClosePreview(_CloseFields):
    action: Literal["close"]


class CloseAllPreview(_CloseAllFields):
    action: Literal["close_all"]


class CancelPreview(_CancelFields):
    action: Literal["cancel"]


class PreviewBody(RootModel[Any]):
    """The body of the matching order route plus `action`: open, modify, close, close_all or cancel."""

    root: Annotated[
        OpenPreview | ModifyPreview | ClosePreview | CloseAllPreview | CancelPreview,
        Field(discriminator="action"),
    ]


# --- query parameters ---------------------------------------------------------------------------------
class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class PositionsQuery(_Query):
    symbol: Symbol | None = None
    magic: Magic | None = None


class OrdersQuery(_Query):
    symbol: Symbol | None = None


class WindowQuery(_Query):
    """A named period, or from/to (a date is a whole day, end date included; date-times end excluded)."""

    period: Period | None = Field(None, description="today, yesterday, week, last_week, month, ...")
    start: When | None = Field(None, alias="from")
    end: When | None = Field(None, alias="to", description="Default: now")
    symbol: Symbol | None = None
    magic: Magic | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> WindowQuery:
        if self.period is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either period or from/to, not both")
        if self.end is not None and self.start is None:
            raise ValueError("'to' needs 'from'")
        return self


class RatesQuery(_Query):
    tf: Timeframe = Timeframe.H1
    count: int = Field(100, ge=1, le=1000, description="Bars, newest last; above 1000 is refused")


class RangeQuery(_Query):
    tf: Timeframe = Timeframe.H1
    start: When = Field(alias="from")
    end: When = Field(alias="to")


class IndicatorQuery(_Query):
    """tf, name and count; every other query parameter is the indicator's own (docs/indicators.md)."""

    tf: Timeframe = Timeframe.H1
    name: str = Field(min_length=1, max_length=32, description="MA, SMA, EMA, RSI, MACD, BANDS, ...")
    count: int = Field(100, ge=1, le=1000)


def server_epoch(moment: datetime | date, offset: int) -> int:
    """Server-scale epoch of a query time: naive means the server's clock; aware is converted."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        return int(moment.replace(tzinfo=UTC).timestamp())
    return int(moment.timestamp()) + offset


class SymbolsQuery(_Query):
    group: str | None = Field(
        None, min_length=1, max_length=256, description="MT5 group mask, e.g. `*USD*,!*JPY*`"
    )
