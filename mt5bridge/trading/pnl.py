"""Realised and floating P&L over a window, reconciling with MT5's own history totals.

Pure functions over the client's `Deal` and `Position` models (or `DealRow`s, when a window holds many
deals). Which deals count, how trades and wins are counted and how strategies (magic numbers) are
attributed is documented in docs/trading-core.md ("P&L").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from mt5bridge.terminal.models import DealEntry, DealType, Position
from mt5bridge.trading.periods import Window

TRADE_TYPES = frozenset({DealType.BUY, DealType.SELL})
"""Deals of a trade: the IN deal (commission, fee) and the closing deals (profit, swap, commission, fee)."""

COST_TYPES = frozenset(
    {
        DealType.COMMISSION,
        DealType.COMMISSION_DAILY,
        DealType.COMMISSION_MONTHLY,
        DealType.COMMISSION_AGENT_DAILY,
        DealType.COMMISSION_AGENT_MONTHLY,
        DealType.CHARGE,
    }
)
"""Trading costs the broker books as separate deals; they count in realised P&L (no trade, no win/loss)."""

CLOSING_ENTRIES = frozenset({DealEntry.OUT, DealEntry.INOUT, DealEntry.OUT_BY})


class DealLike(Protocol):
    """What P&L reads of a deal: a `Deal` model, or a `DealRow` when there are many."""

    @property
    def ticket(self) -> int: ...
    @property
    def position_id(self) -> int: ...
    @property
    def symbol(self) -> str: ...
    @property
    def type(self) -> DealType: ...
    @property
    def entry(self) -> DealEntry: ...
    @property
    def magic(self) -> int: ...
    @property
    def profit(self) -> float: ...
    @property
    def commission(self) -> float: ...
    @property
    def swap(self) -> float: ...
    @property
    def fee(self) -> float: ...
    @property
    def time_server(self) -> int: ...
    @property
    def time_msc(self) -> int: ...


D = TypeVar("D", bound=DealLike)


class PnLLine(BaseModel):
    """One line of a P&L report, in account currency, each sum rounded to 2 decimals: realised P&L of the
    window's deals plus floating P&L of the open positions. The trading core, the reports and the REST
    API all use this one model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    realized: float
    profit: float
    commission: float
    swap: float
    fee: float
    floating: float
    total: float  # realized + floating
    trades: int
    wins: int
    losses: int
    win_rate: float | None  # wins / trades (break-even trades count as trades), None without trades


@dataclass(frozen=True, slots=True)
class PnLReport:
    window: Window
    total: PnLLine
    by_symbol: dict[str, PnLLine]
    by_magic: dict[int, PnLLine]


@dataclass(slots=True)
class _Sums:
    profit: float = 0.0
    commission: float = 0.0
    swap: float = 0.0
    fee: float = 0.0
    floating: float = 0.0
    trades: int = 0
    wins: int = 0
    losses: int = 0

    def add_deal(self, deal: DealLike) -> None:
        self.profit += deal.profit
        self.commission += deal.commission
        self.swap += deal.swap
        self.fee += deal.fee
        if deal.type in TRADE_TYPES and deal.entry in CLOSING_ENTRIES:
            self.trades += 1
            net = deal.profit + deal.swap + deal.commission + deal.fee
            self.wins += net > 0
            self.losses += net < 0

    def add_position(self, position: Position) -> None:
        self.floating += position.profit + position.swap

    def line(self) -> PnLLine:
        realized = round(self.profit + self.commission + self.swap + self.fee, 2)
        floating = round(self.floating, 2)
        return PnLLine(
            realized=realized,
            profit=round(self.profit, 2),
            commission=round(self.commission, 2),
            swap=round(self.swap, 2),
            fee=round(self.fee, 2),
            floating=floating,
            total=round(realized + floating, 2),
            trades=self.trades,
            wins=self.wins,
            losses=self.losses,
            win_rate=self.wins / self.trades if self.trades else None,
        )


@dataclass(slots=True)
class _Book:
    total: _Sums = field(default_factory=_Sums)
    symbols: dict[str, _Sums] = field(default_factory=dict)
    magics: dict[int, _Sums] = field(default_factory=dict)
    # The three rows of each (symbol, magic) seen: one lookup per deal (a busy month has 100,000).
    _rows: dict[tuple[str, int], tuple[_Sums, _Sums, _Sums]] = field(default_factory=dict)

    def rows(self, symbol: str, magic: int) -> tuple[_Sums, _Sums, _Sums]:
        found = self._rows.get((symbol, magic))
        if found is None:
            found = self._rows[symbol, magic] = (
                self.total,
                self.symbols.setdefault(symbol, _Sums()),
                self.magics.setdefault(magic, _Sums()),
            )
        return found


def counts_as_realized(deal: DealLike) -> bool:
    """Trade deals and broker trading costs; never balance, credit, bonus, correction, interest etc."""
    return deal.type in TRADE_TYPES or deal.type in COST_TYPES


def entry_magics(deals: Iterable[DealLike]) -> dict[int, int]:
    """position_id -> magic of its first IN deal (by time, then ticket); feed it to `pnl_report`.

    Pass IN deals older than the window too (e.g. `client.deals(position=...)` for the closed positions).
    """
    found: dict[int, tuple[int, int, int]] = {}
    for deal in deals:
        if deal.entry is not DealEntry.IN or deal.type not in TRADE_TYPES or not deal.position_id:
            continue
        key = (deal.time_msc, deal.ticket, deal.magic)
        if deal.position_id not in found or key < found[deal.position_id]:
            found[deal.position_id] = key
    return {position: key[2] for position, key in found.items()}


def deal_magic(deal: DealLike, entry_magic: Mapping[int, int]) -> int:
    """The strategy a deal belongs to: its position's opening magic, else the deal's own."""
    if deal.position_id:
        return entry_magic.get(deal.position_id, deal.magic)
    return deal.magic


def select_deals(
    deals: Iterable[D],
    window: Window,
    *,
    entry_magic: Mapping[int, int],
    symbol: str | None = None,
    magic: int | None = None,
) -> list[D]:
    """The deals inside `window` of `symbol` (the broker's name) and of strategy `magic`, attributed as
    `deal_magic` does (a hand close of an EA's position belongs to the EA). Any deal type; `pnl_report`
    then keeps those that count."""
    return [
        deal
        for deal in deals
        if window.contains(deal.time_server)
        and (symbol is None or deal.symbol == symbol)
        and (magic is None or deal_magic(deal, entry_magic) == magic)
    ]


def pnl_report(
    deals: Sequence[DealLike],
    positions: Sequence[Position],
    window: Window,
    *,
    entry_magic: Mapping[int, int],
    symbol: str | None = None,
    magic: int | None = None,
    include_floating: bool = True,
) -> PnLReport:
    """Realised P&L of the window's deals plus (optionally) floating P&L of the open positions.

    `deals` may reach beyond the window; only those inside count. `symbol` is the broker's name.
    Account-level costs without a symbol appear under by_symbol[""].
    """
    book = _Book()
    for deal in select_deals(deals, window, entry_magic=entry_magic, symbol=symbol, magic=magic):
        if counts_as_realized(deal):
            for row in book.rows(deal.symbol, deal_magic(deal, entry_magic)):
                row.add_deal(deal)
    if include_floating:
        for position in positions:
            if (symbol is None or position.symbol == symbol) and (magic is None or position.magic == magic):
                for row in book.rows(position.symbol, position.magic):
                    row.add_position(position)
    return PnLReport(
        window=window,
        total=book.total.line(),
        by_symbol={name: sums.line() for name, sums in sorted(book.symbols.items())},
        by_magic={number: sums.line() for number, sums in sorted(book.magics.items())},
    )


def window_totals(
    deals: Iterable[DealLike],
    windows: Sequence[Window],
    *,
    entry_magic: Mapping[int, int],
    magic: int | None = None,
) -> list[PnLLine]:
    """The realised total of each window, as `pnl_report(deals, (), window, ..., include_floating=False)`
    gives it, in one pass over the deals (the days of a month: 100,000 deals read once, not 30 times).

    The windows follow one another in time without overlapping; deals outside all of them are skipped.
    """
    starts = [window.start for window in windows]
    sums = [_Sums() for _ in windows]
    for deal in deals:
        index = bisect_right(starts, deal.time_server) - 1
        if index < 0 or not windows[index].contains(deal.time_server):
            continue
        if (magic is None or deal_magic(deal, entry_magic) == magic) and counts_as_realized(deal):
            sums[index].add_deal(deal)
    return [found.line() for found in sums]
