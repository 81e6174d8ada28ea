"""What callers ask the trading core for and what it answers: typed, the same for chat, REST and reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.selectors import Selector


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderKind(StrEnum):
    """How an order enters the market; `pending` lets the core pick limit or stop from the price."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    PENDING = "pending"


class Action(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    MODIFY = "modify"
    CANCEL = "cancel"


class Actor(_Model):
    """Who asks, from where, with which role: every action is audited under this, and only a trader or an
    admin may execute one (the core checks it itself)."""

    platform: str = Field(min_length=1, max_length=32)
    user_id: str = Field(min_length=1, max_length=128)
    role: Role
    chat_id: str | None = None
    raw_input: str | None = None

    @property
    def may_trade(self) -> bool:
        return self.role in (Role.TRADER, Role.ADMIN)


def _finite_positive(value: float | None) -> float | None:
    if value is not None and not (value > 0 and value < float("inf")):
        raise ValueError("must be a positive number")
    return value


def _share(value: float | None) -> float | None:
    # Written so that NaN fails too (every comparison with NaN is false).
    if value is not None and not (0 < value <= 1):
        raise ValueError("must be a share above 0 and at most 1 (0.5 = half)")
    return value


def _finite_price(value: float | None) -> float | None:
    if value is not None and not (value >= 0 and value < float("inf")):
        raise ValueError("must be 0 (none) or a positive price")
    return value


class OpenRequest(_Model):
    symbol: str = Field(min_length=1, max_length=32)
    side: PositionSide
    volume: float
    order_type: OrderKind = OrderKind.MARKET
    price: float | None = None
    sl: float | None = None
    tp: float | None = None
    # MT5 keeps 31 characters; mt5bot's order tag (mb:xxxxxxxx-N) takes the first 14 of them.
    comment: str = Field("", max_length=16, pattern=r"^[A-Za-z0-9 _.-]*$")
    magic: int = Field(0, ge=0, lt=2**63)
    deviation: int = Field(10, ge=0, le=10000)

    _volume = field_validator("volume")(_finite_positive)
    _prices = field_validator("price", "sl", "tp")(_finite_price)


class CloseRequest(_Model):
    """A ticket, or filters plus a selector; `volume` or `fraction` closes part (FIFO over the targets).

    `fraction` (0 < f <= 1) is a share of what the targets hold, rounded half up to the symbol's volume
    step, at least its volume_min and at most everything (docs/trading-core.md, "Selectors").
    """

    ticket: int | None = Field(None, gt=0)
    symbol: str | None = Field(None, min_length=1, max_length=32)
    side: PositionSide | None = None
    magic: int | None = Field(None, ge=0)
    selector: Selector | None = None
    volume: float | None = None
    fraction: float | None = None

    _volume = field_validator("volume")(_finite_positive)
    _fraction = field_validator("fraction")(_share)

    @model_validator(mode="after")
    def _volume_or_fraction(self) -> CloseRequest:
        if self.volume is not None and self.fraction is not None:
            raise ValueError("give a volume or a fraction, not both")
        return self


class ModifyRequest(_Model):
    """New SL/TP for a position (ticket or selector), or new price/SL/TP for a pending order.

    None leaves a level as it is; 0 removes it.
    """

    ticket: int | None = Field(None, gt=0)
    symbol: str | None = Field(None, min_length=1, max_length=32)
    side: PositionSide | None = None
    magic: int | None = Field(None, ge=0)
    selector: Selector | None = None
    sl: float | None = None
    tp: float | None = None
    price: float | None = None

    _prices = field_validator("price", "sl", "tp")(_finite_price)


class CancelRequest(_Model):
    """Pending orders to remove: one ticket, every order of a symbol, or all; `side`, `order_type` and
    `magic` narrow that to the orders matching every one given.

    `order_type` is limit or stop; a stop includes stop-limit orders (until it triggers, a stop-limit is a
    stop: it waits above the market for a buy, below for a sell).
    """

    ticket: int | None = Field(None, gt=0)
    symbol: str | None = Field(None, min_length=1, max_length=32)
    all: bool = False
    side: PositionSide | None = None
    order_type: OrderKind | None = None
    magic: int | None = Field(None, ge=0)

    @field_validator("order_type")
    @classmethod
    def _limit_or_stop(cls, value: OrderKind | None) -> OrderKind | None:
        if value not in (None, OrderKind.LIMIT, OrderKind.STOP):
            raise ValueError("must be limit or stop (stop includes stop-limit orders)")
        return value


# Any of the four requests a trading action takes.
TradeRequestModel = OpenRequest | CloseRequest | ModifyRequest | CancelRequest


class Leg(_Model):
    """One request the core will send, and what the trader should know about it."""

    ticket: int | None = None
    symbol: str
    side: PositionSide | None = None
    volume: float = 0.0
    price: float | None = None
    price_open: float | None = None
    sl: float | None = None
    tp: float | None = None
    estimated_profit: float | None = None
    request: dict[str, Any]


class Preview(_Model):
    """Exactly what would be sent, with current prices and money, before anything is sent."""

    action: Action
    symbol: str | None = None
    canonical: str | None = None
    side: PositionSide | None = None
    order_type: OrderKind | None = None
    volume: float = 0.0
    # A fraction close: the request's share, and the lots the targets hold (`volume` is the share of it).
    fraction: float | None = None
    held_volume: float | None = None
    price: float | None = None
    bid: float | None = None
    ask: float | None = None
    digits: int | None = None
    margin: float | None = None
    free_margin_after: float | None = None
    estimated_profit: float | None = None
    currency: str
    legs: list[Leg]
    warnings: list[str] = Field(default_factory=list)


class LegOutcome(_Model):
    ticket: int | None
    symbol: str
    ok: bool
    unknown: bool = False
    retcode: int | None = None
    retcode_name: str | None = None
    message: str
    order: int = 0
    deal: int = 0
    volume: float = 0.0
    price: float = 0.0


class ActionResult(_Model):
    """The outcome of a trading action: one entry per leg, in order."""

    request_id: str
    action: Action
    ok: bool
    preview: Preview
    outcomes: list[LegOutcome]
    replayed: bool = False
    # Settled after a restart from the terminal's records (the service stopped before answering).
    recovered: bool = False

    @property
    def tickets(self) -> list[int]:
        found: list[int] = []
        for o in self.outcomes:
            found.extend(t for t in (o.ticket, o.order) if t)
        return sorted(set(found))
