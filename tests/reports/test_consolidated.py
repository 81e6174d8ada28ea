"""The consolidated report across accounts adds up, to the cent, to the per-account reports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.consolidated import add_lines, consolidate
from reports.models import Report, ReportKind
from tests.reports.test_charts import book, make_report, pnl


def _accounts() -> dict[str, Report]:
    return {
        "ic-live": make_report(
            symbols={"XAUUSD": (120.10, -30.05), "EURUSD": (-15.20, 4.40)},
            strategies={0: (None, 50.0), 20250101: ("Gold grid", 29.25)},
            books=[book("XAUUSD", 0.30, 0.0, -30.05)],
        ),
        "demo": make_report(
            symbols={"XAUUSD.m": (0.10, 12.00)},
            strategies={20250101: ("Gold grid", 12.10)},
            books=[book("XAUUSD.m", 0.0, 0.20, 12.00), book("GBPUSD.m", 0.1, 0.0, 1.0)],
        ),
        "eur-acct": make_report(
            symbols={"DE40": (300.0, 0.0)}, currency="EUR", books=[book("DE40", 0.0, 0.0, 0)]
        ),
    }


def test_totals_per_currency_are_the_sums_of_the_accounts_shown() -> None:
    reports = _accounts()
    merged = consolidate(reports, labels={"ic-live": "IC实盘"})
    eur, usd = merged.currencies  # by currency code
    assert (usd.currency, usd.accounts, eur.currency, eur.accounts) == (
        "USD",
        ["ic-live", "demo"],
        "EUR",
        ["eur-acct"],
    )
    live, demo = reports["ic-live"], reports["demo"]
    assert usd.total.total == round(live.total.total + demo.total.total, 2)
    assert usd.total.realized == round(live.total.realized + demo.total.realized, 2)
    assert usd.total.trades == live.total.trades + demo.total.trades
    assert usd.equity == round(live.account.equity + demo.account.equity, 2)
    assert eur.total == reports["eur-acct"].total
    assert [a.label for a in merged.accounts] == ["IC实盘", None, None]
    assert merged.labels == {"ic-live": "2026-11-25", "demo": "2026-11-25", "eur-acct": "2026-11-25"}


def test_the_strategy_table_lists_each_account_s_eas_best_first() -> None:
    merged = consolidate(_accounts())
    rows = [(r.account, r.magic, r.pnl.total) for r in merged.strategies]
    assert rows == [("ic-live", 0, 50.0), ("ic-live", 20250101, 29.25), ("demo", 20250101, 12.1)]


def test_a_symbol_bought_on_one_account_and_sold_on_another_is_one_cross_hedge() -> None:
    canonical = {"XAUUSD.m": "XAUUSD", "GBPUSD.m": "GBPUSD"}
    merged = consolidate(_accounts(), canonical=lambda s: canonical.get(s, s))
    (gold,) = merged.hedges  # GBPUSD and DE40 sit on one account each (DE40 holds nothing)
    assert gold.symbol == "XAUUSD" and [(s.account, s.symbol) for s in gold.sides] == [
        ("ic-live", "XAUUSD"),
        ("demo", "XAUUSD.m"),
    ]
    assert (gold.buy_volume, gold.sell_volume, gold.net_volume, gold.locked_volume) == (0.3, 0.2, 0.1, 0.2)
    assert gold.hedged_across
    assert consolidate(_accounts()).hedges == []  # not matched without the names


def test_nothing_or_mixed_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="no reports"):
        consolidate({})
    monthly = make_report(ReportKind.MONTHLY, label="2026-11")
    with pytest.raises(ValueError, match="different kinds"):
        consolidate({"a": make_report(), "b": monthly})


cents = st.integers(min_value=-(10**11), max_value=10**11).map(lambda c: c / 100)


@given(st.lists(st.tuples(cents, cents, st.integers(0, 500)), min_size=1, max_size=12))
def test_any_lines_add_up_to_the_cent(rows: list[tuple[float, float, int]]) -> None:
    lines = [pnl(realized, floating, trades=trades, wins=trades // 3) for realized, floating, trades in rows]
    total = add_lines(lines)
    assert round(total.realized * 100) == sum(round(line.realized * 100) for line in lines)
    assert round(total.floating * 100) == sum(round(line.floating * 100) for line in lines)
    assert round(total.total * 100) == sum(round(line.total * 100) for line in lines)
    assert total.trades == sum(trades for _, _, trades in rows)
    wins = sum(trades // 3 for _, _, trades in rows)
    assert total.win_rate == (wins / total.trades if total.trades else None)
