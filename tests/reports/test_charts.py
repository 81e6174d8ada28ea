"""Report charts: valid PNGs of the right size whose pixels show what the report says."""

from __future__ import annotations

import io
import struct
import threading
import time
from datetime import UTC, date, datetime, timedelta

import matplotlib.image
import numpy as np
import pytest

from mt5bridge.trading.pnl import PnLLine
from reports.chart_text import strategy_label
from reports.charts import render_chart
from reports.chartstyle import chart_style
from reports.models import (
    AccountFigures,
    DayRow,
    HedgeAnalysis,
    HedgeBook,
    Report,
    ReportKind,
    StrategyRow,
    Suggestion,
    SymbolRow,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 11, 1, tzinfo=UTC)


# --- factory (also used by test_templates) ---------------------------------------------------------------


def pnl(realized: float = 0.0, floating: float = 0.0, trades: int = 0, wins: int = 0) -> PnLLine:
    """P&L figures with the derived fields filled in consistently."""
    return PnLLine(
        realized=realized,
        profit=realized,
        commission=0.0,
        swap=0.0,
        fee=0.0,
        floating=floating,
        total=round(realized + floating, 2),
        trades=trades,
        wins=wins,
        losses=trades - wins,
        win_rate=wins / trades if trades else None,
    )


def book(
    symbol: str,
    buy: float,
    sell: float,
    floating: float,
    magic: int | None = None,
    swap: float = 0.0,
) -> HedgeBook:
    """One hedge book; the buy legs carry all the floating P&L."""
    return HedgeBook(
        symbol=symbol,
        magic=magic,
        buy_volume=buy,
        sell_volume=sell,
        buy_count=1 if buy else 0,
        sell_count=1 if sell else 0,
        net_volume=round(buy - sell, 3),
        locked_volume=min(buy, sell),
        buy_floating=floating,
        sell_floating=0.0,
        floating=floating,
        swap=swap,
        oldest=START,
    )


def make_report(
    kind: ReportKind = ReportKind.DAILY,
    *,
    symbols: dict[str, tuple[float, float]] | None = None,
    strategies: dict[int, tuple[str | None, float]] | None = None,
    days: list[float] | None = None,
    books: list[HedgeBook] | None = None,
    suggestions: list[Suggestion] | None = None,
    currency: str = "USD",
    margin_level: float | None = 850.0,
    label: str = "2026-11-25",
) -> Report:
    """A report built by hand: symbols {name: (realised, floating)}, strategies {magic: (name, total)}."""
    symbol_rows = [
        SymbolRow(symbol=s, pnl=pnl(r, f, trades=2, wins=1)) for s, (r, f) in (symbols or {}).items()
    ]
    strategy_rows = [
        StrategyRow(magic=m, name=n, pnl=pnl(t, trades=1, wins=int(t > 0)))
        for m, (n, t) in (strategies or {}).items()
    ]
    day_rows: list[DayRow] = []
    running = 0.0
    for i, value in enumerate(days or []):
        running = round(running + value, 2)
        day_rows.append(
            DayRow(
                day=date(2026, 11, 1) + timedelta(days=i),
                realized=value,
                trades=int(value != 0) * 3,
                cumulative=running,
            )
        )
    realized = sum(r.pnl.realized for r in symbol_rows) + sum(days or [])
    floating = sum(r.pnl.floating for r in symbol_rows) + sum(b.floating for b in books or [])
    trades = sum(r.pnl.trades for r in symbol_rows) + sum(d.trades for d in day_rows)
    by_symbol_books = [b for b in books or [] if b.magic is None]
    return Report(
        kind=kind,
        label=label,
        start=START,
        end=START + timedelta(days=1),
        generated_at=START + timedelta(days=1, minutes=5),
        account=AccountFigures(
            login=12345678,
            currency=currency,
            balance=10_234.5,
            equity=10_234.5 + floating,
            floating=floating,
            margin=1_200.0 if margin_level else 0.0,
            margin_free=9_000.0,
            margin_level=margin_level,
        ),
        total=pnl(round(realized, 2), round(floating, 2), trades=trades, wins=trades // 2),
        by_symbol=symbol_rows,
        by_strategy=strategy_rows,
        days=day_rows,
        hedge=HedgeAnalysis(
            books=[b for b in books or [] if b.magic is not None],
            symbols=by_symbol_books,
            suggestions=suggestions or [],
        ),
        ea_names={m: n for m, (n, _) in (strategies or {}).items() if n},
    )


# --- pixels ----------------------------------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def pixels(png: bytes) -> np.ndarray:
    image = matplotlib.image.imread(io.BytesIO(png))
    return image[..., :3]


def red_pixels(png: bytes) -> int:
    rgb = pixels(png)
    return int(((rgb[..., 0] > 0.6) & (rgb[..., 1] < 0.35) & (rgb[..., 2] < 0.35)).sum())


def green_pixels(png: bytes) -> int:
    rgb = pixels(png)
    return int(((rgb[..., 1] > 0.4) & (rgb[..., 0] < 0.3) & (rgb[..., 2] < 0.3)).sum())


def blue_pixels(png: bytes) -> int:
    rgb = pixels(png)
    return int(((rgb[..., 2] > 0.6) & (rgb[..., 0] < 0.2) & (rgb[..., 1] < 0.5)).sum())


def orange_pixels(png: bytes) -> int:
    rgb = pixels(png)
    return int(
        ((rgb[..., 0] > 0.85) & (rgb[..., 1] > 0.35) & (rgb[..., 1] < 0.5) & (rgb[..., 2] < 0.1)).sum()
    )


def ink(png: bytes) -> int:
    """Non-white pixels: how much was drawn."""
    return int((pixels(png).min(axis=-1) < 0.9).sum())


# --- tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ReportKind))
def test_every_kind_is_a_1000x600_png(kind: ReportKind) -> None:
    report = make_report(
        kind,
        symbols={"XAUUSD": (120.5, -30.0)},
        strategies={1001: ("grid", 90.5)},
        days=[10.0, -5.0],
        books=[book("XAUUSD", 1.0, 0.5, -30.0)],
    )
    png = render_chart(report)
    assert png_size(png) == (1000, 600)
    assert pixels(png).shape == (600, 1000, 3)


def test_daily_big_loss_is_red() -> None:
    png = render_chart(make_report(symbols={"XAUUSD": (-4_500.0, 0.0)}, strategies={0: (None, -4_500.0)}))
    assert red_pixels(png) > 5_000
    assert green_pixels(png) == 0


def test_daily_gains_only_are_green_without_red() -> None:
    png = render_chart(
        make_report(
            symbols={"XAUUSD": (300.0, 40.0), "EURUSD": (120.0, 0.0)}, strategies={7: ("trend", 460.0)}
        )
    )
    assert green_pixels(png) > 5_000
    assert red_pixels(png) == 0


def test_daily_loss_grows_the_red_area() -> None:
    small = render_chart(make_report(symbols={"XAUUSD": (500.0, 0.0), "EURUSD": (-50.0, 0.0)}))
    large = render_chart(make_report(symbols={"XAUUSD": (500.0, 0.0), "EURUSD": (-450.0, 0.0)}))
    assert red_pixels(large) > 3 * red_pixels(small) > 0


def test_daily_without_data_renders_a_clean_empty_chart() -> None:
    empty = render_chart(make_report())
    full = render_chart(make_report(symbols={"XAUUSD": (-100.0, 20.0)}, strategies={0: (None, -80.0)}))
    assert png_size(empty) == (1000, 600)
    assert red_pixels(empty) == green_pixels(empty) == 0
    assert 0 < ink(empty) < ink(full)


@pytest.mark.parametrize("kind", list(ReportKind))
def test_empty_reports_of_every_kind_render(kind: ReportKind) -> None:
    png = render_chart(make_report(kind, days=[0.0] * 25 if kind is ReportKind.MONTHLY else None))
    assert png_size(png) == (1000, 600)
    assert ink(png) > 0
    assert red_pixels(png) == green_pixels(png) == 0


def test_monthly_one_more_day_changes_the_chart() -> None:
    values = [120.0, -80.0, 45.5, 0.0, 300.0, -20.0, 10.0]
    shorter = render_chart(make_report(ReportKind.MONTHLY, days=values))
    longer = render_chart(make_report(ReportKind.MONTHLY, days=[*values, 75.0]))
    assert not np.array_equal(pixels(shorter), pixels(longer))
    assert green_pixels(shorter) > 0
    assert red_pixels(shorter) > 0


def test_monthly_losing_days_are_red_winning_days_green() -> None:
    losing = render_chart(make_report(ReportKind.MONTHLY, days=[-100.0] * 20))
    winning = render_chart(make_report(ReportKind.MONTHLY, days=[100.0] * 20))
    assert red_pixels(losing) > 2_000
    assert green_pixels(losing) == 0
    assert green_pixels(winning) > 2_000
    assert red_pixels(winning) == 0


def test_monthly_with_31_days_renders() -> None:
    png = render_chart(make_report(ReportKind.MONTHLY, days=[float(i - 15) * 10 for i in range(31)]))
    assert png_size(png) == (1000, 600)


def test_hedge_draws_buy_and_sell_volume() -> None:
    buys_only = render_chart(make_report(ReportKind.HEDGE, books=[book("XAUUSD", 2.0, 0.0, 50.0)]))
    hedged = render_chart(make_report(ReportKind.HEDGE, books=[book("XAUUSD", 2.0, 1.5, -20.0)]))
    assert blue_pixels(buys_only) > 5_000
    assert orange_pixels(buys_only) < 500  # the legend's swatch only
    assert orange_pixels(hedged) > 5_000
    # the sell bar is 3/4 of the buy bar
    assert 0.5 < orange_pixels(hedged) / blue_pixels(hedged) < 1.0


def test_hedge_floating_loss_is_annotated_in_red() -> None:
    losing = render_chart(make_report(ReportKind.HEDGE, books=[book("XAUUSD", 1.0, 1.0, -250.0)]))
    winning = render_chart(make_report(ReportKind.HEDGE, books=[book("XAUUSD", 1.0, 1.0, 250.0)]))
    assert red_pixels(losing) > 150
    assert red_pixels(winning) < 10  # anti-aliasing where orange meets black
    assert green_pixels(winning) > 150


def test_many_symbols_are_capped_and_still_render() -> None:
    symbols = {f"SYM{i:02d}": (float(i * 10 - 100), 0.0) for i in range(40)}
    png = render_chart(
        make_report(symbols=symbols, strategies={i: (f"ea{i}", float(i)) for i in range(1, 30)})
    )
    assert png_size(png) == (1000, 600)


def test_text_without_a_cjk_font_is_drawable() -> None:
    style = chart_style("zh", cjk=False)  # a system without a CJK font: English words, no CJK glyphs
    assert style.text("黄金 $100") == r"?? \$100"
    assert style.text("Ünïcode") == "Ünïcode"  # DejaVu Sans has Latin, Greek and Cyrillic
    assert strategy_label(StrategyRow(magic=0, name=None, pnl=pnl()), style) == "manual"
    assert strategy_label(StrategyRow(magic=7, name="网格", pnl=pnl()), style) == "magic 7"
    assert strategy_label(StrategyRow(magic=7, name="grid_a*b", pnl=pnl()), style) == "grid_a*b"


def test_odd_names_and_currency_render() -> None:
    report = make_report(
        symbols={"a_b*c$": (10.0, 0.0), "": (-2.5, 0.0), "黄金": (5.0, 0.0)},
        strategies={0: ("手动", 12.5), 3: ("$x$", 1.0)},
        currency="US$",
    )
    assert png_size(render_chart(report)) == (1000, 600)


def test_charts_render_from_worker_threads() -> None:
    report = make_report(symbols={"XAUUSD": (-100.0, 0.0)})
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(render_chart(report))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 4
    assert all(red_pixels(png) > 1_000 for png in results)


def test_a_chart_renders_quickly() -> None:
    report = make_report(
        symbols={"XAUUSD": (-100.0, 3.0), "EURUSD": (50.0, 0.0)}, strategies={0: (None, -47.0)}
    )
    render_chart(report)  # warm the font cache
    began = time.perf_counter()
    for _ in range(5):
        render_chart(report)
    assert (time.perf_counter() - began) / 5 < 0.5  # generous: the benchmark reports the real number
