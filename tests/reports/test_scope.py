"""A report of one EA (`build_report(..., magic=N)`): hand-built deals and positions of two EAs sharing a
symbol, hand-computed figures, and the simulator demo's three EAs against the whole-account report."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.render import Renderer
from mt5bridge.terminal.models import Account, Deal, Position, utc
from mt5bridge.trading.periods import range_window
from mt5bridge.trading.pnl import entry_magics
from reports.chart_text import scope_label
from reports.charts import render_chart
from reports.models import Report, ReportKind
from reports.numbers import build_report, month_days
from reports.settings import HedgeRules
from tests.reports import test_numbers
from tests.reports.test_hedge import BUY, account, assert_exact, position
from tests.reports.test_numbers import END, POSITIONS, SIM_OFFSET, monthly

demo = test_numbers.demo  # the simulator demo, as a module-scoped fixture

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# EA 222 also holds XAUUSD now, beside EA 111: the symbol book of XAUUSD mixes two EAs.
TWO_EAS = [*POSITIONS, position(604, BUY, 0.3, -250.0, magic=222)]
NAMES = {111: "HedgeGrid", 222: "Scalper"}
RULES = HedgeRules(take_profit_above=10.0, exposure_loss_above=200.0, stale_days=0, max_suggestions=5)


def scoped(magic: int | None, **options: object) -> Report:
    return monthly(**{"positions": TWO_EAS, "ea_names": NAMES, "rules": RULES, "magic": magic, **options})


def test_whole_account_report_is_not_scoped() -> None:
    report = scoped(None)
    assert report.magic is None and not report.idle
    assert {b.magic for b in report.hedge.books} == {0, 111, 222}
    assert report.ea_names == NAMES


def test_figures_are_the_eas_only() -> None:
    report = scoped(111)
    assert report.magic == 111
    # EA 111: XAUUSD closed +100 - 3 - 3 = 94 on the 23rd; floating 39 - 20 = 19.
    assert (report.total.realized, report.total.floating, report.total.total) == (94.0, 19.0, 113.0)
    assert (report.total.trades, report.total.wins, report.total.commission) == (1, 1, -6.0)
    assert [(r.symbol, r.pnl.realized, r.pnl.floating) for r in report.by_symbol] == [("XAUUSD", 94.0, 19.0)]
    assert [(r.magic, r.name, r.pnl.total) for r in report.by_strategy] == [(111, "HedgeGrid", 113.0)]
    busy = [(d.day.day, d.realized, d.trades, d.cumulative) for d in report.days if d.realized or d.trades]
    assert busy == [(23, 94.0, 1, 94.0)]  # the whole account's 23rd is 93.0 (a manual commission)
    assert report.ea_names == {111: "HedgeGrid"}  # the other EA's name does not travel either
    assert report.account == scoped(None).account  # balance, equity, margin: the account's


def test_a_hand_close_of_the_eas_position_counts_for_the_ea() -> None:
    report = scoped(222)
    # EA 222: EURUSD opened by the EA, closed by hand (OUT deal magic 0): 30 - 2 - 2 = 26; XAUUSD -250 open.
    assert [(r.symbol, r.pnl.realized, r.pnl.floating) for r in report.by_symbol] == [
        ("EURUSD", 26.0, 0.0),
        ("XAUUSD", 0.0, -250.0),
    ]
    assert (report.total.realized, report.total.floating) == (26.0, -250.0)
    assert [r.magic for r in report.by_strategy] == [222]


def test_books_and_symbol_books_are_the_eas() -> None:
    whole, report = scoped(None), scoped(222)
    assert [(b.symbol, b.magic) for b in report.hedge.books] == [("XAUUSD", 222)]
    [book] = report.hedge.books
    assert book == next(b for b in whole.hedge.books if b.magic == 222)
    # The symbol book is rebuilt from EA 222's positions, not the account's XAUUSD (0.4 buy, 0.1 sell).
    [gold] = report.hedge.symbols
    whole_gold = next(b for b in whole.hedge.symbols if b.symbol == "XAUUSD")
    assert (whole_gold.buy_volume, whole_gold.sell_volume) == (0.4, 0.1)
    assert (gold.symbol, gold.magic, gold.buy_volume, gold.sell_volume, gold.floating) == (
        "XAUUSD", None, 0.3, 0.0, -250.0,
    )  # fmt: skip
    assert gold == book.model_copy(update={"magic": None})


def test_suggestions_are_the_eas_own() -> None:
    whole = scoped(None)
    assert {s.magic for s in whole.hedge.suggestions} == {0, 111, 222}
    for magic, expected in (
        (111, [("unlock", [601, 602])]),
        (222, [("cut_exposure", [604])]),
        (0, [("take_profit", [603])]),
    ):
        report = scoped(magic)
        assert [(s.kind.value, s.tickets) for s in report.hedge.suggestions] == expected, magic
        assert all(s.magic == magic for s in report.hedge.suggestions)
        for suggestion in report.hedge.suggestions:
            assert_exact(suggestion, TWO_EAS)


def test_another_eas_suggestions_do_not_crowd_out_the_eas_own() -> None:
    one = RULES.model_copy(update={"max_suggestions": 1})
    # Account-wide, the one suggestion kept is EA 222's (warn before info) ...
    assert [(s.kind.value, s.magic) for s in scoped(None, rules=one).hedge.suggestions] == [
        ("cut_exposure", 222)
    ]
    # ... while EA 111's report still gets its own.
    assert [(s.kind.value, s.magic) for s in scoped(111, rules=one).hedge.suggestions] == [("unlock", 111)]


def test_margin_alert_names_the_eas_worst_position() -> None:
    low = {"account": account(margin=500.0, margin_level=100.0), "margin_level_below": 150.0}
    margin = [s for s in scoped(None, **low).hedge.suggestions if s.kind.value == "margin"]
    assert [s.tickets for s in margin] == [[604]]  # the account's worst: EA 222's -250
    margin = [s for s in scoped(111, **low).hedge.suggestions if s.kind.value == "margin"]
    assert [(s.tickets, s.magic, s.margin_level) for s in margin] == [([602], 111, 100.0)]


def test_an_unknown_magic_is_idle() -> None:
    report = scoped(999)
    assert report.magic == 999 and report.idle
    assert report.by_symbol == report.by_strategy == report.hedge.books == report.hedge.symbols == []
    assert report.total.total == 0.0 and report.ea_names == {}
    assert not scoped(222).idle and not scoped(0).idle
    # An EA with open positions but no deals in the window is not idle.
    assert not scoped(222, deals=[], entry_magic={}).idle


# --- text and charts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", list(ReportKind))
def test_templates_name_the_ea_in_the_title(lang: str, kind: ReportKind) -> None:
    report = scoped(111).model_copy(update={"kind": kind})
    text = Renderer().render(lang, "report", kind.value, r=report).text
    title = text.splitlines()[0]
    assert "EA 111 (HedgeGrid)" in title
    assert "EURUSD" not in text and "222" not in text and "Scalper" not in text
    whole = Renderer().render(lang, "report", kind.value, r=scoped(None).model_copy(update={"kind": kind}))
    assert "EA 111" not in whole.text.splitlines()[0] and "EURUSD" in whole.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_idle_text_says_there_is_nothing(lang: str) -> None:
    text = Renderer().render(lang, "report", "idle", r=scoped(999)).text
    assert "EA 999" in text
    assert ("没有持仓" if lang == "zh" else "no open positions") in text
    assert ("魔术号" if lang == "zh" else "magic number") in text  # no name configured: check the number
    named = Renderer().render(lang, "report", "idle", r=scoped(111, deals=[], positions=[])).text
    assert "EA 111 (HedgeGrid)" in named and ("魔术号" if lang == "zh" else "magic number") not in named


def test_scope_label() -> None:
    assert scope_label(scoped(None)) == ""
    assert scope_label(scoped(111)) == "  EA 111 (HedgeGrid)"
    assert scope_label(scoped(999)) == "  EA 999"
    assert scope_label(monthly(magic=111, ea_names={111: "对冲"})) == "  EA 111"  # not drawable


@pytest.mark.parametrize("kind", list(ReportKind))
@pytest.mark.parametrize("magic", [111, 999])
def test_scoped_charts_render(kind: ReportKind, magic: int) -> None:
    png = render_chart(scoped(magic).model_copy(update={"kind": kind}))
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5000


# --- the simulator demo ----------------------------------------------------------------------------------


def test_demo_each_ea_is_its_row_of_the_account(demo: tuple[list[Deal], list[Position], Account]) -> None:
    deals, positions, acct = demo
    month = range_window(date(2026, 11, 1), date(2026, 11, 30), server_utc_offset=SIM_OFFSET)
    options: dict[str, object] = {
        "deals": deals, "positions": positions, "account": acct, "entry_magic": entry_magics(deals),
        "server_utc_offset": SIM_OFFSET, "rules": HedgeRules(), "ea_names": {20250101: "HedgeGrid"},
        "now": utc(END, SIM_OFFSET), "margin_level_below": 150.0,
        "days": month_days(date(2026, 11, 1), date(2026, 11, 30), tz=None, server_utc_offset=SIM_OFFSET),
    }  # fmt: skip
    whole = build_report(ReportKind.MONTHLY, month, **options)  # type: ignore[arg-type]
    magics = {row.magic for row in whole.by_strategy}
    assert {20250101, 20250102, 20250103} <= magics
    realized: list[float] = []
    for magic in magics:
        report = build_report(ReportKind.MONTHLY, month, **options, magic=magic)  # type: ignore[arg-type]
        [row] = report.by_strategy
        assert row == next(r for r in whole.by_strategy if r.magic == magic)
        assert report.total == row.pnl
        assert report.hedge.books == [b for b in whole.hedge.books if b.magic == magic]
        held = [p for p in positions if p.magic == magic]
        assert {b.symbol for b in report.hedge.symbols} == {p.symbol for p in held}
        for book in report.hedge.symbols:
            lots = sum(p.volume for p in held if p.symbol == book.symbol)
            assert book.buy_volume + book.sell_volume == pytest.approx(lots)
        assert all(s.magic in (magic, None) for s in report.hedge.suggestions)
        for suggestion in report.hedge.suggestions:
            assert set(suggestion.tickets) <= {p.ticket for p in held}
            assert_exact(suggestion, positions)
        assert report.days[-1].cumulative == pytest.approx(row.pnl.realized, abs=0.01)
        realized.append(report.total.realized)
    assert sum(realized) == pytest.approx(whole.total.realized, abs=0.05)  # the EAs add up to the account
