"""Report numbers: hand-built deals with hand-computed P&L, and a month on the simulator demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from mt5bridge.simulator.demo import build_demo
from mt5bridge.terminal.models import Account, Deal, DealEntry, DealType, Position, Reason, utc
from mt5bridge.trading.periods import range_window
from mt5bridge.trading.pnl import entry_magics, pnl_report
from reports.models import Report, ReportKind
from reports.numbers import account_figures, build_report, month_days
from reports.settings import HedgeRules
from tests.reports.test_hedge import BUY, NOW, OFF, OFFSET, SELL, account, assert_exact, position

NOVEMBER = range_window(date(2026, 11, 1), date(2026, 11, 30), server_utc_offset=OFFSET)


def at(day: int, hour: int) -> int:
    """A server-scale epoch in November 2026."""
    return int(datetime(2026, 11, day, hour, tzinfo=UTC).timestamp())


def deal(
    ticket: int,
    when: int,
    *,
    position_id: int = 0,
    entry: DealEntry = DealEntry.OUT,
    kind: DealType = DealType.SELL,
    symbol: str = "XAUUSD",
    magic: int = 0,
    profit: float = 0.0,
    commission: float = 0.0,
    swap: float = 0.0,
) -> Deal:
    return Deal(
        ticket=ticket, order=ticket, position_id=position_id, symbol=symbol, type=kind, entry=entry,
        reason=Reason.CLIENT, volume=0.1, price=1.0, commission=commission, swap=swap, profit=profit, fee=0.0,
        magic=magic, comment="", time=utc(when, OFFSET), time_server=when, time_msc=when * 1000,
    )  # fmt: skip


IN, OUT = DealEntry.IN, DealEntry.OUT
DEALS = [
    deal(1, at(23, 8), kind=DealType.BALANCE, entry=IN, symbol="", profit=1000.0),  # deposit: not P&L
    # XAUUSD, EA 111: 100 - 3 - 3 = 94 on the 23rd
    deal(2, at(23, 9), position_id=501, entry=IN, kind=DealType.BUY, magic=111, commission=-3.0),
    deal(3, at(23, 15), position_id=501, magic=111, profit=100.0, commission=-3.0),
    # EURUSD, manual: -1 on the 23rd, -50 - 2 - 1 = -53 on the 24th
    deal(4, at(23, 10), position_id=502, entry=IN, kind=DealType.BUY, symbol="EURUSD", commission=-1.0),
    deal(5, at(24, 11), position_id=502, symbol="EURUSD", profit=-50.0, swap=-2.0, commission=-1.0),
    # EURUSD, EA 222 closed by hand (magic 0 on the OUT deal): 30 - 2 - 2 = 26 for the EA on the 24th
    deal(
        6, at(24, 8), position_id=503, entry=IN, kind=DealType.BUY, symbol="EURUSD", magic=222, commission=-2
    ),
    deal(7, at(24, 14), position_id=503, symbol="EURUSD", profit=30.0, commission=-2.0),
    # an account-level commission without a symbol: -5 on the 25th
    deal(8, at(25, 1), kind=DealType.COMMISSION, entry=IN, symbol="", profit=-5.0),
]
POSITIONS = [
    position(601, BUY, 0.1, 40.0, swap=-1.0),  # XAUUSD, EA 111: floating 39
    position(602, SELL, 0.1, -20.0),  # XAUUSD, EA 111: -20
    position(603, BUY, 0.2, 10.0, symbol="EURUSD", magic=0),  # EURUSD, manual: 10
]


def monthly(**options: object) -> Report:
    defaults: dict[str, object] = {
        "deals": DEALS, "positions": POSITIONS, "account": account(margin=300.0, margin_level=3343.0, profit=29.0),
        "entry_magic": entry_magics(DEALS), "server_utc_offset": OFFSET, "rules": OFF,
        "ea_names": {111: "HedgeGrid"}, "now": NOW,
        "days": month_days(date(2026, 11, 1), date(2026, 11, 30), tz=None, server_utc_offset=OFFSET),
    }  # fmt: skip
    return build_report(ReportKind.MONTHLY, NOVEMBER, **{**defaults, **options})  # type: ignore[arg-type]


def test_totals() -> None:
    total = monthly().total
    assert (total.profit, total.commission, total.swap, total.fee) == (75.0, -12.0, -2.0, 0.0)
    assert (total.realized, total.floating, total.total) == (61.0, 29.0, 90.0)
    assert (total.trades, total.wins, total.losses) == (3, 2, 1)
    assert total.win_rate == pytest.approx(2 / 3)


def test_by_symbol_sorted_by_total() -> None:
    rows = [(r.symbol, r.pnl.realized, r.pnl.floating, r.pnl.total) for r in monthly().by_symbol]
    assert rows == [("XAUUSD", 94.0, 19.0, 113.0), ("", -5.0, 0.0, -5.0), ("EURUSD", -28.0, 10.0, -18.0)]


def test_by_strategy_sorted_by_total_with_names() -> None:
    report = monthly()
    assert report.ea_names == {111: "HedgeGrid"}  # the hedge books' EAs are named from here
    rows = [(r.magic, r.name, r.pnl.realized, r.pnl.total, r.pnl.trades) for r in report.by_strategy]
    assert rows == [
        (111, "HedgeGrid", 94.0, 113.0, 1),
        (222, None, 26.0, 26.0, 1),
        (0, None, -59.0, -49.0, 1),
    ]


def test_ties_sort_by_name_and_magic() -> None:
    deals = [
        deal(11, at(2, 9), position_id=701, symbol="GBPUSD", magic=9, profit=10.0),
        deal(12, at(2, 9), position_id=702, symbol="AUDUSD", magic=3, profit=10.0),
    ]
    report = monthly(deals=deals, positions=[], entry_magic={})
    assert [r.symbol for r in report.by_symbol] == ["AUDUSD", "GBPUSD"]
    assert [r.magic for r in report.by_strategy] == [3, 9]


def test_day_rows_up_to_today_with_running_sum() -> None:
    report = monthly()
    assert [row.day for row in report.days] == [
        date(2026, 11, d) for d in range(1, 26)
    ]  # none after the 25th
    busy = [(r.day.day, r.realized, r.trades, r.cumulative) for r in report.days if r.realized or r.trades]
    assert busy == [(23, 93.0, 1, 93.0), (24, -27.0, 2, 66.0), (25, -5.0, 0, 61.0)]
    assert report.days[0].cumulative == 0.0 and report.days[-1].cumulative == report.total.realized


def test_a_day_starting_exactly_now_is_future() -> None:
    now = utc(at(25, 0), OFFSET)  # midnight of the 25th, server clock
    assert report_days(now)[-1] == date(2026, 11, 24)
    assert report_days(now + timedelta(seconds=1))[-1] == date(2026, 11, 25)


def report_days(now: datetime) -> list[date]:
    return [row.day for row in monthly(now=now).days]


def test_window_bounds_label_and_times() -> None:
    report = monthly()
    assert report.kind is ReportKind.MONTHLY and report.label == "2026-11-01..2026-11-30"
    assert report.start == datetime(2026, 10, 31, 22, tzinfo=UTC)  # server midnight, UTC+2
    assert report.end == datetime(2026, 11, 30, 22, tzinfo=UTC)
    assert report.generated_at == NOW


def test_daily_report_has_no_day_rows_and_past_day_leaves_floating_out() -> None:
    day = range_window(date(2026, 11, 24), date(2026, 11, 24), server_utc_offset=OFFSET)
    report = monthly(days=(), include_floating=False)
    daily = build_report(
        ReportKind.DAILY, day, deals=DEALS, positions=POSITIONS, account=account(), entry_magic=entry_magics(DEALS),
        server_utc_offset=OFFSET, rules=OFF, ea_names={}, now=NOW, include_floating=False,
    )  # fmt: skip
    assert report.days == [] and report.total.floating == 0.0 and report.total.total == 61.0
    assert (daily.total.realized, daily.total.trades, daily.total.floating) == (-27.0, 2, 0.0)
    assert len(daily.hedge.books) == 2  # the open positions are analysed all the same


def test_hedge_part_uses_the_rules_and_margin_level() -> None:
    rules = HedgeRules(take_profit_above=10.0, exposure_loss_above=0, stale_days=0, max_suggestions=5)
    report = monthly(rules=rules, account=account(margin=500.0, margin_level=100.0), margin_level_below=150.0)
    assert [(s.kind.value, s.tickets) for s in report.hedge.suggestions] == [
        ("margin", [602]),
        ("unlock", [601, 602]),
        ("take_profit", [603]),
    ]
    for suggestion in report.hedge.suggestions:
        assert_exact(suggestion, POSITIONS)


def test_account_figures() -> None:
    flat = account_figures(account())
    assert (flat.margin, flat.margin_level, flat.balance, flat.currency) == (0.0, None, 10000.0, "USD")
    busy = account_figures(account(margin=300.0, margin_level=3343.3333, profit=29.004))
    assert (busy.margin_level, busy.floating, busy.equity, busy.margin_free) == (
        3343.33,
        29.0,
        10029.0,
        9700.0,
    )


def test_month_days_follow_the_reporting_zone() -> None:
    london = ZoneInfo("Europe/London")  # the clocks go back on 25 October 2026: a 25-hour day
    days = month_days(date(2026, 10, 24), date(2026, 10, 26), tz=london, server_utc_offset=OFFSET)
    assert [d for d, _ in days] == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    assert [w.end - w.start for _, w in days] == [86400, 90000, 86400]
    assert all(a[1].end == b[1].start for a, b in pairwise(days))
    assert (
        days[0][1].start == int(datetime(2026, 10, 23, 23, tzinfo=UTC).timestamp()) + OFFSET
    )  # BST midnight


# --- the simulator demo ----------------------------------------------------------------------------------
END = int(datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp())  # server scale
SIM_OFFSET = 0  # the simulator's server clock is UTC, as MT5Client assumes by default


@pytest.fixture(scope="module")
def demo() -> tuple[list[Deal], list[Position], Account]:
    sim = build_demo(days=30, seed=0, end=END)
    deals = [Deal.from_mt5(d, SIM_OFFSET) for d in sim.history_deals_get(0, 2**40)]
    positions = [Position.from_mt5(p, SIM_OFFSET) for p in sim.positions_get()]
    return deals, positions, Account.from_mt5(sim.account_info())


def test_demo_month_days_add_up(demo: tuple[list[Deal], list[Position], Account]) -> None:
    deals, positions, acct = demo
    month = range_window(date(2026, 11, 1), date(2026, 11, 30), server_utc_offset=SIM_OFFSET)
    report = build_report(
        ReportKind.MONTHLY, month, deals=deals, positions=positions, account=acct,
        entry_magic=entry_magics(deals), server_utc_offset=SIM_OFFSET, rules=HedgeRules(),
        ea_names={20250101: "HedgeGrid"}, now=utc(END, SIM_OFFSET), margin_level_below=150.0,
        days=month_days(date(2026, 11, 1), date(2026, 11, 30), tz=None, server_utc_offset=SIM_OFFSET),
    )  # fmt: skip
    assert len(report.days) == 25 and report.total.trades > 10
    assert sum(row.realized for row in report.days) == pytest.approx(report.total.realized, abs=0.01)
    assert report.days[-1].cumulative == pytest.approx(report.total.realized, abs=0.01)
    assert sum(row.trades for row in report.days) == report.total.trades
    assert report.total.floating == pytest.approx(report.account.floating, abs=0.01)
    assert report.account.floating == pytest.approx(acct.equity - acct.balance, abs=0.01)
    assert sum(r.pnl.total for r in report.by_strategy) == pytest.approx(report.total.total, abs=0.05)
    expected = pnl_report(deals, positions, month, entry_magic=entry_magics(deals)).total
    assert report.total.realized == expected.realized
    books = report.hedge.books
    assert sum(b.buy_volume + b.sell_volume for b in books) == pytest.approx(sum(p.volume for p in positions))
    assert sum(b.buy_count + b.sell_count for b in books) == len(positions)
    for book in report.hedge.symbols:
        held = [p.volume for p in positions if p.symbol == book.symbol]
        assert book.buy_volume + book.sell_volume == pytest.approx(sum(held))
    assert any(b.locked_volume > 0 for b in books)  # the grids hedge
    for suggestion in report.hedge.suggestions:
        assert_exact(suggestion, positions)
