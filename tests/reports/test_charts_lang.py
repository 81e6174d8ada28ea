"""Charts in the user's language, and the monthly equity curve: real rendering, real fonts.

The Chinese tests need a CJK font (scripts/install-fonts.sh installs one): in CI it must be there, elsewhere
they skip without one. A missing glyph would draw a box: matplotlib warns for each, and every character of
the chart's text is checked against the font's own character map (read with fontTools, not matplotlib).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from matplotlib.text import Text

from reports.charts import chart_figure, render_chart
from reports.chartstyle import WORDS
from reports.fonts import ChartFont, base_font, cjk_font
from reports.models import CashOperation, EquityCurve, EquityGap, EquityPoint, Report, ReportKind
from tests.reports.test_charts import (
    START,
    book,
    green_pixels,
    ink,
    make_report,
    pixels,
    png_size,
    red_pixels,
)

DAYS = [float((i * 37) % 200 - 90) for i in range(25)]


@pytest.fixture(scope="module")
def cjk() -> ChartFont:
    font = cjk_font()
    if font is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have a CJK font: .ci/run runs scripts/install-fonts.sh (fonts-wqy-microhei)")
        pytest.skip("no CJK font on this system (apt install fonts-wqy-microhei): Chinese charts fall back")
    return font


@pytest.fixture(scope="module")
def cmap(cjk: ChartFont) -> set[int]:
    """The CJK font's characters as the font file itself lists them."""
    with TTFont(cjk.path, fontNumber=cjk.index, lazy=True) as font:
        return set(font.getBestCmap())


def curve(*, gaps: bool = True, cash: bool = True, days: int = 25) -> EquityCurve:
    """Hourly points over `days` days; a day and a half without data from day 5; a deposit and a withdrawal."""
    hole = (START + timedelta(days=5), START + timedelta(days=6, hours=12))
    points = []
    for hour in range(days * 24):
        at = START + timedelta(hours=hour)
        if gaps and hole[0] < at < hole[1]:
            continue
        balance = (
            10_000.0 + (2_000.0 if cash and hour >= 240 else 0.0) - (1_500.0 if cash and hour >= 480 else 0.0)
        )
        points.append(EquityPoint(time=at, balance=balance, equity=balance + 300 * np.sin(hour / 12)))
    return EquityCurve(
        points=points,
        gaps=[EquityGap(start=hole[0], end=hole[1])] if gaps else [],
        cash=[
            CashOperation(time=START + timedelta(hours=240), amount=2_000.0),
            CashOperation(time=START + timedelta(hours=480), amount=-1_500.0),
        ]
        if cash
        else [],
    )


def monthly(equity: EquityCurve | None = None, days: list[float] = DAYS) -> Report:
    report = make_report(ReportKind.MONTHLY, days=days, strategies={1: ("网格", 10.0)}, label="2026-11")
    return report.model_copy(update={"equity": equity})


def reports() -> Iterator[Report]:
    yield make_report(
        symbols={"XAUUSD": (120.5, -30.0), "黄金": (-40.0, 5.0)}, strategies={1001: ("网格策略", 90.5)}
    )
    yield make_report(
        ReportKind.HEDGE, books=[book("XAUUSD", 1.0, 0.5, -30.0), book("EURUSD", 0.3, 0.5, 12.0)]
    )
    yield monthly(curve())
    yield monthly()
    yield make_report()  # empty: the "nothing to show" text


def texts(report: Report, lang: str, *, cjk: bool = True) -> list[Text]:
    fig, _canvas = chart_figure(report, lang, cjk=cjk)
    try:
        return [t for t in fig.findobj(Text) if t.get_text()]
    finally:
        fig.clear()


def words(report: Report, lang: str, *, cjk: bool = True) -> str:
    return "\n".join(t.get_text() for t in texts(report, lang, cjk=cjk))


def missing_glyphs(report: Report, lang: str, *, cjk: bool = True) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_chart(report, lang, cjk=cjk)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def purple_pixels(png: bytes) -> int:
    """The equity line (#6a1b9a)."""
    rgb = pixels(png)
    return int(
        ((rgb[..., 0] > 0.3) & (rgb[..., 0] < 0.55) & (rgb[..., 1] < 0.25) & (rgb[..., 2] > 0.5)).sum()
    )


def gap_pixels(png: bytes) -> int:
    """The shading where the service recorded nothing (#e6e6e6)."""
    rgb = pixels(png)
    return int((np.abs(rgb - 230 / 255) < 0.01).all(axis=-1).sum())


# --- language and fonts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report", list(reports()), ids=["daily", "hedge", "monthly+curve", "monthly", "empty"]
)
def test_chinese_charts_have_every_glyph(report: Report, cjk: ChartFont, cmap: set[int]) -> None:
    assert missing_glyphs(report, "zh") == []
    for text in texts(report, "zh"):
        family = text.get_fontfamily()
        if cjk.family in family:  # drawn DejaVu first, the CJK font for the rest
            lacking = {
                c
                for c in text.get_text().replace("\n", "")
                if ord(c) not in cmap and ord(c) not in base_font().codepoints
            }
        else:  # numbers and ticks: DejaVu alone
            lacking = {c for c in text.get_text().replace("\n", "") if ord(c) not in base_font().codepoints}
        assert not lacking, (text.get_text(), family)


def test_the_chinese_words_are_all_in_the_font(cmap: set[int]) -> None:
    for value in vars(WORDS["zh"]).values():
        assert {c for c in value.replace("\n", "") if ord(c) not in cmap} == set(), value


def test_both_languages_have_the_same_fields_filled() -> None:
    zh, en = vars(WORDS["zh"]), vars(WORDS["en"])
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key].strip() and en[key].strip()
        # the same placeholders, so the drawing code fills both
        assert sorted(part.split("}")[0] for part in zh[key].split("{")[1:]) == sorted(
            part.split("}")[0] for part in en[key].split("{")[1:]
        ), key


@pytest.mark.usefixtures("cjk")
def test_labels_are_in_the_users_language() -> None:
    report = monthly(curve())
    zh, en = words(report, "zh"), words(report, "en")
    assert "月报 2026-11" in zh and "净值" in zh and "余额" in zh and "入金" in zh and "出金" in zh
    assert "Monthly report 2026-11" in en and "equity" in en and "deposit" in en and "withdrawal" in en
    assert not any("\u4e00" <= c <= "\u9fff" for c in en)
    daily = make_report(symbols={"XAUUSD": (10.0, 0.0)}, strategies={0: (None, 10.0)})
    assert "日报" in words(daily, "zh") and "按品种" in words(daily, "zh") and "手动" in words(daily, "zh")
    assert "Daily report" in words(daily, "en") and "manual" in words(daily, "en")
    hedge = make_report(ReportKind.HEDGE, books=[book("XAUUSD", 1.0, 0.5, -30.0)])
    assert "对冲报告" in words(hedge, "zh") and "锁仓" in words(hedge, "zh")
    assert "月报" in words(report, "zh-CN")  # a regional tag is still Chinese


@pytest.mark.usefixtures("cjk")
def test_chinese_names_are_drawn_as_written_in_both_languages() -> None:
    report = make_report(symbols={"黄金": (-40.0, 5.0)}, strategies={1001: ("网格策略", 90.5)})
    for lang in ("zh", "en"):
        drawn = words(report, lang)
        assert "网格策略" in drawn and "黄金" in drawn
        assert "magic 1001" not in drawn
        assert missing_glyphs(report, lang) == []
    scoped = report.model_copy(update={"magic": 1001})
    assert "EA 1001 (网格策略)" in words(scoped, "zh")


def test_without_a_cjk_font_the_chart_is_english_and_draws_no_boxes() -> None:
    # cjk=False draws as on a system with no CJK font at all
    report = make_report(
        symbols={"黄金": (-40.0, 5.0)}, strategies={1001: ("网格策略", 90.5), 0: (None, 1.0)}
    )
    drawn = words(report, "zh", cjk=False)
    assert "Daily report" in drawn and "magic 1001" in drawn and "manual" in drawn and "??" in drawn
    assert all(ord(c) in base_font().codepoints for c in drawn if c != "\n")
    assert missing_glyphs(report, "zh", cjk=False) == []
    assert missing_glyphs(monthly(curve()), "zh", cjk=False) == []
    assert "Account balance and equity" in words(monthly(curve()), "zh", cjk=False)


# --- the equity curve -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "equity",
    [None, curve(), curve(gaps=False), curve(cash=False), curve(gaps=False, cash=False), curve(days=3)],
    ids=["none", "gaps+cash", "cash", "gaps", "plain", "short"],
)
def test_monthly_renders_with_and_without_a_curve(lang: str, equity: EquityCurve | None) -> None:
    png = render_chart(monthly(equity), lang)
    assert png_size(png) == (1000, 600)
    assert green_pixels(png) > 1_000 and red_pixels(png) > 1_000  # the days' bars are still there
    assert (purple_pixels(png) > 200) is (equity is not None)


def test_the_curve_is_drawn_and_the_gap_shaded() -> None:
    without = render_chart(monthly())
    plain = render_chart(monthly(curve(gaps=False, cash=False)))
    gapped = render_chart(monthly(curve(cash=False)))
    assert purple_pixels(without) == 0
    assert purple_pixels(plain) > 1_000
    assert gap_pixels(gapped) > gap_pixels(plain) + 2_000  # a day and a half of shading, full height
    assert purple_pixels(gapped) < purple_pixels(plain)  # the line is broken there, not drawn across


def test_deposits_and_withdrawals_are_marked() -> None:
    plain = render_chart(monthly(curve(gaps=False, cash=False)))
    marked = render_chart(monthly(curve(gaps=False)))
    assert green_pixels(marked) > green_pixels(plain) + 40  # a green triangle up
    assert red_pixels(marked) > red_pixels(plain) + 40  # a red triangle down
    drawn = words(monthly(curve(gaps=False)), "en")
    assert "+2,000" in drawn and "-1,500" in drawn


def test_a_month_without_trades_still_shows_the_curve() -> None:
    png = render_chart(monthly(curve(), days=[0.0] * 25))
    assert purple_pixels(png) > 1_000
    assert red_pixels(png) < 300 and green_pixels(png) < 300  # the cash markers only: no bars
    assert "No trades this month" in words(monthly(curve(), days=[0.0] * 25), "en", cjk=False)
    empty = monthly(EquityCurve(points=[]), days=[0.0] * 25)  # no snapshots: as without a curve
    assert purple_pixels(render_chart(empty)) == 0
    assert ink(render_chart(empty)) > 0
