"""What one evaluation round reads: the account's positions, quotes, symbol facts and market figures.

Plain, validated data: the runner builds a `Snapshot` from the terminal once per round and every rule is
evaluated against it. Non-finite, negative or absurd figures are refused here, so the evaluation never
divides by zero or compares with NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from mt5bridge.terminal.models import Account, Position, PositionSide, SymbolSpec

# Prices and lots: positive and finite; 1e12 is far past any quote (a BTC price in IDR is ~2e9).
Price = Annotated[float, Field(gt=0, lt=1e12, allow_inf_nan=False)]
Lots = Annotated[float, Field(gt=0, lt=1e9, allow_inf_nan=False)]
# Money may be negative (a loss, a negative balance after a gap); it must be a number.
Money = Annotated[float, Field(gt=-1e15, lt=1e15, allow_inf_nan=False)]
Level = Annotated[int, Field(ge=0, lt=10**7)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenPosition(_Model):
    """One open position as a rule sees it; `time_msc` (server epoch, ms) orders FIFO closes."""

    ticket: int = Field(gt=0)
    symbol: str = Field(min_length=1, max_length=32)
    side: PositionSide
    volume: Lots
    price_open: Price
    sl: Price | None = None
    tp: Price | None = None
    profit: Money = 0.0
    swap: Money = 0.0
    magic: int = Field(0, ge=0, lt=2**63)
    time_msc: int = Field(0, ge=0)

    @field_validator("sl", "tp", mode="before")
    @classmethod
    def _zero_is_none(cls, value: object) -> object:
        # MT5 writes 0.0 for "no SL/TP".
        return None if value == 0 else value

    @property
    def buy(self) -> bool:
        return self.side is PositionSide.BUY

    @property
    def net(self) -> float:
        """Floating result in account currency, as the terminal gives it: profit + swap."""
        return self.profit + self.swap

    @classmethod
    def of(cls, p: Position) -> OpenPosition:
        return cls(
            ticket=p.ticket, symbol=p.symbol, side=p.side, volume=p.volume, price_open=p.price_open,
            sl=p.sl, tp=p.tp, profit=p.profit, swap=p.swap, magic=p.magic, time_msc=p.time_msc,
        )  # fmt: skip


class Quote(_Model):
    """The latest tick of a symbol (conflated: the round sees only the newest)."""

    bid: Price
    ask: Price


class SymbolFacts(_Model):
    """What the price and volume arithmetic needs; stops and freeze levels are in points."""

    point: float
    tick_size: float
    digits: int = Field(ge=0, le=15)
    stops_level: Level = 0
    freeze_level: Level = 0
    volume_min: Lots
    volume_step: Lots

    @field_validator("point", "tick_size")
    @classmethod
    def _positive_unit(cls, value: float) -> float:
        # Written so that NaN fails too. Every distance is divided by these: 0 cannot be priced.
        if not (0 < value < 1e6):
            raise ValueError(f"must be a positive price increment (got {value}); the symbol cannot be priced")
        return value

    @classmethod
    def of(cls, spec: SymbolSpec) -> SymbolFacts:
        return cls(
            point=spec.point, tick_size=spec.tick_size, digits=spec.digits, stops_level=spec.stops_level,
            freeze_level=spec.freeze_level, volume_min=spec.volume_min, volume_step=spec.volume_step,
        )  # fmt: skip


class AccountFacts(_Model):
    equity: Money
    balance: Money
    currency: str = Field("USD", min_length=1, max_length=8)

    @classmethod
    def of(cls, account: Account) -> AccountFacts:
        return cls(equity=account.equity, balance=account.balance, currency=account.currency)


@dataclass(frozen=True, slots=True)
class AtrKey:
    """ATR(`period`) of `symbol` on `timeframe`, on closed bars (the served indicator)."""

    symbol: str
    timeframe: str
    period: int


@dataclass(frozen=True, slots=True)
class BarsKey:
    """The lowest low and highest high of the last `bars` closed bars of `symbol` on `timeframe`."""

    symbol: str
    timeframe: str
    bars: int


FigureKey = AtrKey | BarsKey


class BarExtremes(_Model):
    low: Price
    high: Price


class Snapshot(_Model):
    """The terminal's state for one round. `positions` is the account's complete list: a ticket missing
    from it is taken as closed (its tracked figures are dropped)."""

    positions: tuple[OpenPosition, ...] = ()
    quotes: dict[str, Quote] = Field(default_factory=dict)
    symbols: dict[str, SymbolFacts] = Field(default_factory=dict)
    account: AccountFacts
    day: date  # the reporting day (docs/reports.md's day boundary), for day_start equity guards
    day_start_equity: Money | None = None
    atr: dict[AtrKey, Price] = Field(default_factory=dict)
    extremes: dict[BarsKey, BarExtremes] = Field(default_factory=dict)
    # Built once per round: a thousand rules each scanning every position would cost more than the rules.
    # Rebuilt if `positions` is not the tuple indexed (a model_copy with new positions).
    _indexed: tuple[OpenPosition, ...] | None = PrivateAttr(None)
    _fifo: tuple[OpenPosition, ...] = PrivateAttr(())
    _by_ticket: dict[int, OpenPosition] = PrivateAttr(default_factory=dict)
    _by_symbol: dict[str, tuple[OpenPosition, ...]] = PrivateAttr(default_factory=dict)

    def _index(self) -> None:
        if self._indexed is self.positions:
            return
        fifo = tuple(sorted(self.positions, key=lambda p: (p.time_msc, p.ticket)))
        by_symbol: dict[str, list[OpenPosition]] = {}
        for p in fifo:
            by_symbol.setdefault(p.symbol, []).append(p)
        self._fifo, self._by_ticket = fifo, {p.ticket: p for p in fifo}
        self._by_symbol = {symbol: tuple(found) for symbol, found in by_symbol.items()}
        self._indexed = self.positions

    @property
    def fifo(self) -> tuple[OpenPosition, ...]:
        """Every position, FIFO (opening time, then ticket), as the trading core orders closes."""
        self._index()
        return self._fifo

    def position(self, ticket: int) -> OpenPosition | None:
        self._index()
        return self._by_ticket.get(ticket)

    def on_symbol(self, symbol: str) -> tuple[OpenPosition, ...]:
        """The symbol's positions, FIFO."""
        self._index()
        return self._by_symbol.get(symbol, ())

    def is_open(self, ticket: int) -> bool:
        self._index()
        return ticket in self._by_ticket
