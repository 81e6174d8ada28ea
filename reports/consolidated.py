"""The consolidated report across accounts (issue 17): plain sums of the per-account reports.

Every figure is the sum of the figures the per-account reports show, added in cents, so the consolidated
report adds up to them exactly. Money is never added across currencies: totals are per account currency.
A symbol held on several accounts is shown once in the cross-account hedge view, matched by its canonical
name (brokers name the same symbol differently: XAUUSD, XAUUSD.m), so buys on one account and sells on
another show as the hedge they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from mt5bridge.trading.pnl import PnLLine
from reports.models import Report, ReportKind

_MONEY = ("realized", "profit", "commission", "swap", "fee", "floating", "total")
_COUNTS = ("trades", "wins", "losses")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountLine(_Model):
    """One account's line: its figures and its report's total, as its own report shows them."""

    account: str
    label: str | None
    login: int
    currency: str
    balance: float
    equity: float
    margin_level: float | None
    total: PnLLine


class CurrencyTotal(_Model):
    """The accounts in one currency, added up."""

    currency: str
    accounts: list[str]
    balance: float
    equity: float
    total: PnLLine


class AccountStrategyRow(_Model):
    """One EA (or manual trading, magic 0) on one account."""

    account: str
    currency: str
    magic: int
    name: str | None
    pnl: PnLLine


class AccountSide(_Model):
    """What one account holds of a symbol."""

    account: str
    symbol: str  # the broker's name on that account
    buy_volume: float
    sell_volume: float


class CrossHedge(_Model):
    """A symbol held on several accounts: the volumes added up, and what is locked across them."""

    symbol: str  # canonical name
    sides: list[AccountSide]
    buy_volume: float
    sell_volume: float
    net_volume: float  # buy - sell over every account
    locked_volume: float  # min(buy, sell) over every account
    hedged_across: bool  # some account's buys stand against another account's sells


class ConsolidatedReport(_Model):
    """Several accounts' reports of one kind, side by side and added up per currency."""

    kind: ReportKind
    labels: dict[str, str]  # account -> its report's window label (each account keeps its own calendar)
    accounts: list[AccountLine]
    currencies: list[CurrencyTotal]  # by currency code
    strategies: list[AccountStrategyRow]  # by total, best first
    hedges: list[CrossHedge]  # by canonical symbol


def _cents(value: float) -> int:
    return round(value * 100)


def add_lines(lines: Iterable[PnLLine]) -> PnLLine:
    """The sum of P&L lines as shown (2 decimals), added in cents; the win rate from the summed counts."""
    items = list(lines)
    money = {name: sum(_cents(getattr(line, name)) for line in items) / 100 for name in _MONEY}
    counts = {name: sum(getattr(line, name) for line in items) for name in _COUNTS}
    trades = counts["trades"]
    return PnLLine(**money, **counts, win_rate=counts["wins"] / trades if trades else None)


def consolidate(
    reports: Mapping[str, Report],
    *,
    labels: Mapping[str, str] | None = None,
    canonical: Callable[[str], str] = str,
) -> ConsolidatedReport:
    """The consolidated view of `reports` (account name -> that account's report, all of one kind).

    `labels` are the accounts' display names; `canonical` maps a broker's symbol name to the name shared
    across brokers (the front passes its symbol resolver). Raises ValueError for no reports or mixed kinds.
    """
    if not reports:
        raise ValueError("no reports to consolidate")
    kinds = {report.kind for report in reports.values()}
    if len(kinds) != 1:
        raise ValueError(f"reports of different kinds cannot be consolidated: {sorted(kinds)}")
    names = labels or {}
    accounts = [
        AccountLine(
            account=name,
            label=names.get(name),
            login=r.account.login,
            currency=r.account.currency,
            balance=r.account.balance,
            equity=r.account.equity,
            margin_level=r.account.margin_level,
            total=r.total,
        )
        for name, r in reports.items()
    ]
    return ConsolidatedReport(
        kind=kinds.pop(),
        labels={name: r.label for name, r in reports.items()},
        accounts=accounts,
        currencies=_per_currency(accounts),
        strategies=_strategies(reports),
        hedges=_hedges(reports, canonical),
    )


def _per_currency(accounts: list[AccountLine]) -> list[CurrencyTotal]:
    by_currency: dict[str, list[AccountLine]] = {}
    for line in accounts:
        by_currency.setdefault(line.currency, []).append(line)
    return [
        CurrencyTotal(
            currency=currency,
            accounts=[line.account for line in lines],
            balance=sum(_cents(line.balance) for line in lines) / 100,
            equity=sum(_cents(line.equity) for line in lines) / 100,
            total=add_lines(line.total for line in lines),
        )
        for currency, lines in sorted(by_currency.items())
    ]


def _strategies(reports: Mapping[str, Report]) -> list[AccountStrategyRow]:
    rows = [
        AccountStrategyRow(account=name, currency=r.account.currency, magic=s.magic, name=s.name, pnl=s.pnl)
        for name, r in reports.items()
        for s in r.by_strategy
    ]
    return sorted(rows, key=lambda row: (-row.pnl.total, row.account, row.magic))


def _hedges(reports: Mapping[str, Report], canonical: Callable[[str], str]) -> list[CrossHedge]:
    held: dict[str, list[AccountSide]] = {}
    for name, report in reports.items():
        for book in report.hedge.symbols:
            if book.buy_volume or book.sell_volume:
                side = AccountSide(
                    account=name, symbol=book.symbol, buy_volume=book.buy_volume, sell_volume=book.sell_volume
                )
                held.setdefault(canonical(book.symbol), []).append(side)
    hedges = []
    for symbol, sides in sorted(held.items()):
        if len({side.account for side in sides}) < 2:
            continue  # on one account only: that account's own hedge report shows it
        buy = _volume(side.buy_volume for side in sides)
        sell = _volume(side.sell_volume for side in sides)
        across = any(a.buy_volume and b.sell_volume and a.account != b.account for a in sides for b in sides)
        hedges.append(
            CrossHedge(
                symbol=symbol,
                sides=sides,
                buy_volume=buy,
                sell_volume=sell,
                net_volume=round(buy - sell, 8),
                locked_volume=min(buy, sell),
                hedged_across=across,
            )
        )
    return hedges


def _volume(values: Iterable[float]) -> float:
    # Lots have at most 8 decimals at any broker; summed as integers so 0.1 + 0.2 stays 0.3.
    return sum(round(v * 10**8) for v in values) / 10**8
