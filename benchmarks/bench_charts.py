"""Report chart rendering: milliseconds per PNG (median and p95 over 50 renders) for each report kind, and
the monthly chart with a month's equity curve (1,000 points, a gap, cash moves).

`bench_charts.py [zh|en]` (default zh: the Chinese labels with the CJK font when the system has one)."""

from __future__ import annotations

import math
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

from mt5bridge.trading.pnl import PnLLine
from reports.charts import render_chart
from reports.equity import build_curve
from reports.models import (
    AccountFigures,
    CashOperation,
    DayRow,
    HedgeAnalysis,
    HedgeBook,
    Report,
    ReportKind,
    StrategyRow,
    SymbolRow,
)
from storage.models import AccountSnapshot

RENDERS = 50
START = datetime(2026, 11, 1, tzinfo=UTC)
SYMBOLS = ["XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "XAGUSD", "US30", "BTCUSD", "AUDUSD"]


def _pnl(realized: float, floating: float = 0.0) -> PnLLine:
    return PnLLine(
        realized=realized,
        profit=realized,
        commission=0.0,
        swap=0.0,
        fee=0.0,
        floating=floating,
        total=realized + floating,
        trades=4,
        wins=2,
        losses=2,
        win_rate=0.5,
    )


def _book(i: int, symbol: str) -> HedgeBook:
    buy, sell = 0.1 * (i + 1), 0.15 * (7 - i)
    return HedgeBook(
        symbol=symbol,
        magic=None,
        buy_volume=buy,
        sell_volume=sell,
        buy_count=i + 1,
        sell_count=7 - i,
        net_volume=buy - sell,
        locked_volume=min(buy, sell),
        buy_floating=40.0 * i - 100,
        sell_floating=-12.5,
        floating=40.0 * i - 112.5,
        swap=-1.5,
        oldest=START,
    )


def _report(kind: ReportKind) -> Report:
    """A busy account: 8 symbols, 5 EAs, a full month, 6 hedged symbols."""
    days = [
        DayRow(
            day=date(2026, 10, 1) + timedelta(days=i),
            realized=(i * 37) % 200 - 90.0,
            trades=5,
            cumulative=0.0,
        )
        for i in range(31)
    ]
    return Report(
        kind=kind,
        label="2026-10" if kind is ReportKind.MONTHLY else "2026-11-25",
        start=START,
        end=START + timedelta(days=1),
        generated_at=START,
        account=AccountFigures(
            login=1,
            currency="USD",
            balance=10_000.0,
            equity=9_800.0,
            floating=-200.0,
            margin=900.0,
            margin_free=8_900.0,
            margin_level=1_088.9,
        ),
        total=_pnl(1_234.5, -200.0),
        by_symbol=[
            SymbolRow(symbol=s, pnl=_pnl(300.0 - 80 * i, 25.0 - 10 * i)) for i, s in enumerate(SYMBOLS)
        ],
        by_strategy=[
            StrategyRow(magic=m, name=f"ea{m}" if m else None, pnl=_pnl(150.0 - 70 * m)) for m in range(5)
        ],
        days=days,
        hedge=HedgeAnalysis(
            books=[], symbols=[_book(i, s) for i, s in enumerate(SYMBOLS[:6])], suggestions=[]
        ),
    )


def _with_curve(report: Report) -> Report:
    """A month of 60 s snapshots with a day's gap, a deposit and a withdrawal, as build_curve bounds it."""
    end = START + timedelta(days=31)
    snaps = []
    for minute in range(31 * 24 * 60):
        if 10 * 1440 <= minute < 11 * 1440:
            continue  # the service was stopped for a day
        balance = 10_000.0 + (1_000.0 if minute > 5 * 1440 else 0.0) - (500.0 if minute > 20 * 1440 else 0.0)
        snaps.append(
            AccountSnapshot(
                at=START + timedelta(minutes=minute),
                login=1,
                balance=balance,
                equity=balance + 200 * math.sin(minute / 300),
                margin=0.0,
                margin_free=0.0,
                margin_level=0.0,
                profit=0.0,
            )
        )
    cash = [
        CashOperation(time=START + timedelta(days=5), amount=1_000.0),
        CashOperation(time=START + timedelta(days=20), amount=-500.0),
    ]
    return report.model_copy(update={"equity": build_curve(snaps, cash, START, end, 60)})


def _bench(name: str, report: Report, lang: str) -> None:
    render_chart(report, lang)  # warm the font cache and matplotlib's lazy imports
    times, cpu = [], []
    for _ in range(RENDERS):
        began, began_cpu = time.perf_counter(), time.process_time()
        png = render_chart(report, lang)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"render_chart {name:14s}: median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms"
        f" (CPU {statistics.median(cpu):6.1f} ms; {RENDERS} renders, {len(png) / 1024:.0f} KiB PNG)"
    )


def main() -> None:
    lang = sys.argv[1] if len(sys.argv) > 1 else "zh"
    for kind in ReportKind:
        _bench(kind.value, _report(kind), lang)
    _bench("monthly+curve", _with_curve(_report(ReportKind.MONTHLY)), lang)


if __name__ == "__main__":
    main()
