"""The numbers of a report: P&L figures per symbol, per EA and per day, account figures and the hedge book.

Pure functions over the client's models (the deals may be `DealRow`s, for a busy month); they build on
`mt5bridge.trading.pnl` (which deals count, how trades are attributed to an EA) and
`mt5bridge.trading.periods` (reporting windows on the server scale).
See docs/reports.md ("Figures").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mt5bridge.terminal.models import Account, Position, utc
from mt5bridge.trading.periods import Window, range_window
from mt5bridge.trading.pnl import DealLike, pnl_report, window_totals
from reports.hedge import analyze_hedge
from reports.models import (
    AccountFigures,
    DayRow,
    Report,
    ReportKind,
    StrategyRow,
    SymbolRow,
)
from reports.settings import HedgeRules


def account_figures(account: Account) -> AccountFigures:
    """Balance, equity, floating P&L and margin; margin_level None when no margin is in use.

    Floating is equity - balance - credit: the open positions' profit plus swap, as in the P&L figures
    (whether MT5's account `profit` includes swap is unconfirmed, so it is not used).
    """
    return AccountFigures(
        login=account.login,
        currency=account.currency,
        balance=round(account.balance, 2),
        equity=round(account.equity, 2),
        floating=round(account.equity - account.balance - account.credit, 2),
        margin=round(account.margin, 2),
        margin_free=round(account.margin_free, 2),
        margin_level=round(account.margin_level, 2) if account.margin else None,
    )


def month_days(
    first: date, last: date, *, tz: ZoneInfo | None, server_utc_offset: int
) -> list[tuple[date, Window]]:
    """Every reporting day from `first` to `last` (both included) with its window."""
    days = []
    day = first
    while day <= last:
        days.append((day, range_window(day, day, tz=tz, server_utc_offset=server_utc_offset)))
        day += timedelta(days=1)
    return days


def _day_rows(
    deals: Sequence[DealLike],
    days: Sequence[tuple[date, Window]],
    entry_magic: Mapping[int, int],
    now_server: int,
    magic: int | None = None,
) -> list[DayRow]:
    """Realised P&L per day (of EA `magic` when given) and its running sum; days that have not started yet
    are left out. One pass over the deals for all the days (`window_totals`)."""
    started = [(day, window) for day, window in days if window.start < now_server]
    totals = window_totals(deals, [window for _, window in started], entry_magic=entry_magic, magic=magic)
    rows = []
    cumulative = 0.0
    for (day, _), line in zip(started, totals, strict=True):
        cumulative = round(cumulative + line.realized, 2)
        rows.append(DayRow(day=day, realized=line.realized, trades=line.trades, cumulative=cumulative))
    return rows


def build_report(
    kind: ReportKind,
    window: Window,
    *,
    deals: Sequence[DealLike],
    positions: Sequence[Position],
    account: Account,
    entry_magic: Mapping[int, int],
    server_utc_offset: int,
    rules: HedgeRules,
    ea_names: Mapping[int, str],
    now: datetime,
    days: Sequence[tuple[date, Window]] = (),
    include_floating: bool = True,
    margin_level_below: float = 0.0,
    magic: int | None = None,
) -> Report:
    """The report of `window`: realised P&L of its deals plus the open positions' floating P&L.

    `days` (monthly reports) gives one row per day that has started by `now`. `include_floating` False
    leaves the open positions out of the P&L figures (a window that ended before now); the hedge analysis
    always covers them. `margin_level_below` (alerts.margin_level_below; 0 = off) arms its MARGIN rule.

    `magic` scopes the report to one EA (docs/reports.md, "One EA"): every figure, day row, hedge book and
    suggestion is computed from that EA's deals (attributed as `pnl_report` does) and open positions only,
    so the suggestions are that EA's own (none of them crowded out by another EA's under max_suggestions).
    The account figures stay the account's: balance, equity and the margin level are not per EA.
    """
    if magic is not None:
        positions = [p for p in positions if p.magic == magic]
        ea_names = {magic: ea_names[magic]} if magic in ea_names else {}
    pnl = pnl_report(
        deals, positions, window, entry_magic=entry_magic, magic=magic, include_floating=include_floating
    )
    by_symbol = sorted(pnl.by_symbol.items(), key=lambda item: (-item[1].total, item[0]))
    by_magic = sorted(pnl.by_magic.items(), key=lambda item: (-item[1].total, item[0]))
    now_server = int(now.timestamp()) + server_utc_offset
    return Report(
        kind=kind,
        label=window.label,
        start=utc(window.start, server_utc_offset),
        end=utc(window.end, server_utc_offset),
        generated_at=now,
        account=account_figures(account),
        total=pnl.total,
        by_symbol=[SymbolRow(symbol=name, pnl=line) for name, line in by_symbol],
        by_strategy=[
            StrategyRow(magic=magic, name=ea_names.get(magic), pnl=line) for magic, line in by_magic
        ],
        days=_day_rows(deals, days, entry_magic, now_server, magic),
        hedge=analyze_hedge(positions, account, rules, now=now, margin_level_below=margin_level_below),
        ea_names=dict(ea_names),
        magic=magic,
    )
