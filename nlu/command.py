"""The command contract: what one chat message means, exact on every field it claims, null elsewhere."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_VOLUME = 1000.0  # lots; anything above is not a volume a retail account can mean


class Intent(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    MODIFY = "modify"
    CANCEL = "cancel"
    PNL = "pnl"
    POSITIONS = "positions"
    ORDERS = "orders"
    ACCOUNT = "account"
    QUOTE = "quote"
    REPORT = "report"
    HELP = "help"
    UNKNOWN = "unknown"

    @property
    def is_trading(self) -> bool:
        """True for intents that change the account (they always need confirmation downstream)."""
        return self in TRADING_INTENTS


TRADING_INTENTS = frozenset({Intent.OPEN, Intent.CLOSE, Intent.MODIFY, Intent.CANCEL})


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    PENDING = "pending"  # a pending order whose kind (limit or stop) the user did not say


class Selector(StrEnum):
    ALL = "all"
    EARLIEST = "earliest"
    LATEST = "latest"
    PROFITABLE = "profitable"
    LOSING = "losing"
    MOST_PROFITABLE = "most_profitable"
    MOST_LOSING = "most_losing"
    TICKET = "ticket"


class Period(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    WEEK = "week"
    LAST_WEEK = "last_week"
    MONTH = "month"
    LAST_MONTH = "last_month"
    YEAR = "year"


class Report(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"
    HEDGE = "hedge"


class Command(BaseModel):
    """One parsed message. Null means "the message did not say (or the parser is not sure)"."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    intent: Intent = Intent.UNKNOWN
    symbol: str | None = Field(default=None, description="canonical symbol, before broker-suffix resolution")
    side: Side | None = Field(default=None, description="for close: direction of the positions to close")
    volume: float | None = Field(default=None, gt=0, le=MAX_VOLUME, description="lots")
    order_type: OrderType | None = None
    price: float | None = Field(default=None, gt=0)
    sl: float | None = Field(default=None, ge=0, description="0 removes the stop loss")
    tp: float | None = Field(default=None, ge=0, description="0 removes the take profit")
    selector: Selector | None = None
    ticket: int | None = Field(default=None, gt=0)
    magic: int | None = Field(default=None, ge=0, description="EA filter")
    period: Period | None = None
    report: Report | None = None

    @property
    def is_trading(self) -> bool:
        """True when executing this command would change the account."""
        return self.intent.is_trading


UNKNOWN = Command()
