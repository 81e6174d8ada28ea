"""What a report is: typed figures the chat, the REST API, the charts and the scheduler all share.

Built by pure functions (`reports.numbers`, `reports.hedge`) from the client's models; money is in the
account currency, rounded to 2 decimals; volumes in lots; times are aware UTC datetimes.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mt5bridge.common.vocab import ReportKind
from mt5bridge.trading.models import CloseRequest, ModifyRequest
from mt5bridge.trading.pnl import PnLLine

SuggestedAction = CloseRequest | ModifyRequest  # the trading core's own requests: previewed, confirmed


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SymbolRow(_Model):
    symbol: str  # broker name; "" for account-level costs without a symbol
    pnl: PnLLine


class StrategyRow(_Model):
    """One EA (magic number); magic 0 is manual trading."""

    magic: int
    name: str | None = None  # from reports.ea_names
    pnl: PnLLine


class DayRow(_Model):
    """One day of a monthly report: realised P&L of that reporting day and the running sum."""

    day: date
    realized: float
    trades: int
    cumulative: float


class AccountFigures(_Model):
    login: int
    currency: str
    balance: float
    equity: float
    floating: float
    margin: float
    margin_free: float
    margin_level: float | None  # percent; None without margin in use


class HedgeBook(_Model):
    """Open positions of one symbol and one EA (or of the whole symbol when `magic` is None)."""

    symbol: str
    magic: int | None
    buy_volume: float
    sell_volume: float
    buy_count: int
    sell_count: int
    net_volume: float  # buy - sell: the exposure left after the hedge
    locked_volume: float  # min(buy, sell): volume hedged against itself
    buy_floating: float  # profit + swap of the buys
    sell_floating: float
    floating: float  # buy_floating + sell_floating
    swap: float  # swap accrued on the open positions
    oldest: datetime | None  # open time of the oldest position


class SuggestionKind(StrEnum):
    MARGIN = "margin"  # margin level low: cut the most losing position
    CUT_EXPOSURE = "cut_exposure"  # unbalanced group losing on its heavy side
    UNLOCK = "unlock"  # a hedged group whose legs together are in profit: close it, free the margin
    TAKE_PROFIT = "take_profit"  # a group's profitable positions sum above the threshold
    STALE_LOSS = "stale_loss"  # a losing position open for too long


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    ALERT = "alert"


class Suggestion(_Model):
    """Something the trader could do, with the request that does it (previewed and confirmed as any trade)."""

    kind: SuggestionKind
    severity: Severity
    symbol: str | None = None
    magic: int | None = None
    tickets: list[int] = Field(default_factory=list)  # positions the action would close
    volume: float | None = None  # lots the action would close
    amount: float | None = None  # floating P&L the action would realise (estimate at report time)
    days: int | None = None  # STALE_LOSS: how long the position has been open
    margin_level: float | None = None  # MARGIN: the level that triggered it
    action: SuggestedAction | None = None  # does exactly this to exactly `tickets`; None: nothing to do


class HedgeAnalysis(_Model):
    books: list[HedgeBook]  # per (symbol, magic), sorted by symbol then magic
    symbols: list[HedgeBook]  # per symbol (magic None), sorted by symbol
    suggestions: list[Suggestion]  # most severe first, at most reports.hedge.max_suggestions


class EquityPoint(_Model):
    """One account snapshot on the curve."""

    time: datetime
    balance: float
    equity: float


class EquityGap(_Model):
    """A stretch without snapshots (the service was not running): the curve is broken there."""

    start: datetime
    end: datetime


class CashOperation(_Model):
    """A deposit (amount > 0) or withdrawal (< 0): a BALANCE deal."""

    time: datetime
    amount: float


class EquityCurve(_Model):
    """The account's balance and equity over a monthly report's window, from the recorded snapshots
    (`reports.equity.build_curve`): at most a thousand points, oldest first."""

    points: list[EquityPoint]
    gaps: list[EquityGap] = Field(default_factory=list)  # oldest first, never overlapping
    cash: list[CashOperation] = Field(default_factory=list)  # deposits and withdrawals, oldest first


class Report(_Model):
    """One report. Daily: the reporting day; monthly: the month, day by day; hedge: open positions only."""

    kind: ReportKind
    label: str  # the window's dates as the reporting calendar shows them
    start: datetime  # window start (UTC)
    end: datetime  # window end, exclusive (UTC)
    generated_at: datetime
    account: AccountFigures
    total: PnLLine
    by_symbol: list[SymbolRow]  # by total, best first
    by_strategy: list[StrategyRow]  # by total, best first
    days: list[DayRow] = Field(default_factory=list)  # monthly only: every day from the start to today
    hedge: HedgeAnalysis
    ea_names: dict[int, str] = Field(default_factory=dict)  # reports.ea_names, for books and suggestions
    # The EA the report is scoped to (docs/reports.md, "One EA"): every figure but `account` is that EA's.
    # None: the whole account.
    magic: int | None = None
    # Monthly only: the account's balance and equity over the month (docs/reports.md, "Equity curve").
    equity: EquityCurve | None = None

    @property
    def idle(self) -> bool:
        """Nothing to report: no P&L in the window and no open position (of the EA, when scoped)."""
        return not self.by_strategy and not self.by_symbol and not self.hedge.books
