"""Report templates: every macro in both languages, numbers formatted, phone-width tables, safe escaping."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pytest

from bot.core.render import PRE_OFF, PRE_ON, Renderer
from reports.models import Report, ReportKind, Severity, Suggestion, SuggestionKind
from tests.reports.test_charts import book, make_report

LANGS = ("zh", "en")
REPORT_MACROS = ("daily", "monthly", "hedge", "suggestions")
NUMBER = re.compile(r"[+-]?\d[\d,]*\.\d\d")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def suggestions() -> list[Suggestion]:
    return [
        Suggestion(
            kind=SuggestionKind.MARGIN,
            severity=Severity.ALERT,
            symbol="XAUUSD",
            magic=0,
            tickets=[123],
            volume=0.5,
            amount=-45.2,
            margin_level=120.0,
        ),
        Suggestion(
            kind=SuggestionKind.UNLOCK,
            severity=Severity.INFO,
            symbol="XAUUSD",
            magic=1001,
            tickets=[11, 12, 13, 14],
            volume=2.0,
            amount=52.1,
        ),
        Suggestion(
            kind=SuggestionKind.STALE_LOSS,
            severity=Severity.WARN,
            symbol="a_b*c",
            magic=7,
            tickets=[99],
            volume=0.1,
            amount=-300.0,
            days=12,
        ),
        Suggestion(
            kind=SuggestionKind.CUT_EXPOSURE,
            severity=Severity.WARN,
            symbol="EURUSD",
            magic=2002,
            tickets=[5, 6],
            volume=0.3,
            amount=-80.0,
        ),
        Suggestion(
            kind=SuggestionKind.TAKE_PROFIT,
            severity=Severity.INFO,
            symbol="GBPUSD",
            tickets=[7, 8],
            volume=1.0,
            amount=1234.5,
        ),
    ]


def rich(kind: ReportKind) -> Report:
    """Busy account: odd names, a wide Chinese EA name, big numbers, 31 days, multi-EA hedges."""
    return make_report(
        kind,
        symbols={
            "XAUUSD": (1234.5, -130.25),
            "a_b*c": (-88.0, 12.0),
            "": (-3.5, 0.0),
            "US30.cash": (999_999.99, 0.0),
        },
        strategies={
            0: (None, 100.0),
            1001: ("黄金网格策略一号", 250.0),
            7: ("a_b*c", -180.0),
            123456789: (None, 1.0),
            55: ("trend follower long name", -0.5),
            56: ("超长的策略名称" * 4, 3.0),
            57: ("x" * 50, 4.0),
        },
        days=[float((i * 37) % 200 - 90) for i in range(31)] if kind is ReportKind.MONTHLY else None,
        books=[
            book("XAUUSD", 2.0, 1.5, -220.0, swap=-3.2),
            book("XAUUSD", 1.0, 1.5, -100.0, magic=1001, swap=-3.2),
            book("XAUUSD", 1.0, 0.0, -120.0, magic=0),
            book("a_b*c", 0.3, 1.1, 45.5),
            book("a_b*c", 0.3, 1.1, 45.5, magic=7),
            book("EURUSD", 10.0, 0.015, -12_345.67, swap=-1_234.56),
        ],
        suggestions=suggestions(),
    )


def empty(kind: ReportKind) -> Report:
    return make_report(kind, days=[0.0] * 25 if kind is ReportKind.MONTHLY else None, margin_level=None)


def width(line: str) -> int:
    """Columns on a phone: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def pre_lines(marked: str) -> list[str]:
    blocks = re.findall(f"{PRE_ON}(.*?){PRE_OFF}", marked, flags=re.DOTALL)
    return [line for block in blocks for line in block.split("\n")]


def render_kind(renderer: Renderer, lang: str, name: str, report: Report) -> str:
    return renderer.marked(lang, "report", name, r=report)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", REPORT_MACROS)
@pytest.mark.parametrize("build", [rich, empty])
def test_every_macro_renders_in_both_languages(
    renderer: Renderer, lang: str, name: str, build: Callable[[ReportKind], Report]
) -> None:
    kind = ReportKind(name) if name != "suggestions" else ReportKind.HEDGE
    report = build(kind)
    out = renderer.render(lang, "report", name, r=report)
    assert out.text.strip()
    assert "None" not in out.text
    if name != "suggestions":
        assert report.label in out.text
        assert "12345678" in out.text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", REPORT_MACROS)
@pytest.mark.parametrize("build", [rich, empty])
def test_pre_lines_fit_a_phone(
    renderer: Renderer, lang: str, name: str, build: Callable[[ReportKind], Report]
) -> None:
    kind = ReportKind(name) if name != "suggestions" else ReportKind.HEDGE
    marked = render_kind(renderer, lang, name, build(kind))
    lines = pre_lines(marked)
    assert all(width(line) <= 34 for line in lines), [line for line in lines if width(line) > 34]
    if build is rich and name != "suggestions":
        assert lines  # the rich report does have tables


@pytest.mark.parametrize("lang", LANGS)
def test_daily_numbers_are_formatted(renderer: Renderer, lang: str) -> None:
    text = renderer.render(lang, "report", "daily", r=rich(ReportKind.DAILY)).text
    for number in ("+1,234.50", "-130.25", "+999,999.99", "10,234.50 USD", "-88.00", "+12.00"):
        assert number in text
    assert "850%" in text  # margin level
    assert "50%" in text  # win rate
    assert "manual" in text if lang == "en" else "手动" in text
    assert "magic 123456789" in text if lang == "en" else "魔术号123456789" in text
    assert "黄金网格策略一号" in text  # a wide name is not cut, it gets its own line
    assert "x" * 16 + "…" in text  # a name wider than the table is cut
    assert "x" * 17 not in text


@pytest.mark.parametrize("lang", LANGS)
def test_daily_symbol_table_rows(renderer: Renderer, lang: str) -> None:
    lines = pre_lines(render_kind(renderer, lang, "daily", rich(ReportKind.DAILY)))
    assert "XAUUSD       +1,234.50     -130.25" in lines
    assert "a_b*c           -88.00      +12.00" in lines
    assert ("other" if lang == "en" else "其他") + " " in "\n".join(lines)


def test_both_languages_carry_the_same_numbers(renderer: Renderer) -> None:
    for name in REPORT_MACROS:
        kind = ReportKind(name) if name != "suggestions" else ReportKind.HEDGE
        zh, en = (renderer.render(lang, "report", name, r=rich(kind)).text for lang in LANGS)
        assert sorted(NUMBER.findall(zh)) == sorted(NUMBER.findall(en)), name


@pytest.mark.parametrize("lang", LANGS)
def test_monthly_best_worst_and_day_table(renderer: Renderer, lang: str) -> None:
    report = rich(ReportKind.MONTHLY)
    marked = render_kind(renderer, lang, "monthly", report)
    active = [d for d in report.days if d.trades or d.realized]
    best = max(active, key=lambda d: d.realized)
    worst = min(active, key=lambda d: d.realized)
    text = renderer.render(lang, "report", "monthly", r=report).text
    assert f"{best.day:%m-%d} {best.realized:+,.2f}" in text
    assert f"{worst.day:%m-%d} {worst.realized:+,.2f}" in text
    day_rows = [line for line in pre_lines(marked) if re.match(r"\d\d-\d\d ", line)]
    assert len(day_rows) == len(active) <= 31
    last = report.days[-1]
    assert f"{last.day:%m-%d}" in day_rows[-1]
    assert day_rows[-1].endswith(f"{last.cumulative:+,.2f}")


@pytest.mark.parametrize("lang", LANGS)
def test_hedge_shows_each_symbol_and_ea(renderer: Renderer, lang: str) -> None:
    lines = pre_lines(render_kind(renderer, lang, "hedge", rich(ReportKind.HEDGE)))
    table = "\n".join(lines)
    assert "XAUUSD        2.00    1.50   +0.50" in lines
    assert "    1.50      -220.00        -3.20" in lines  # locked, floating, swap
    assert "·黄金网格策略一号" in table  # EA rows under a symbol with two EAs
    assert ("·manual" if lang == "en" else "·手动") in table
    assert "a_b*c a_b*c" in table  # one EA only: named on the symbol's row
    assert "-12,345.67" in table
    assert "-1,234.56" in table
    assert "0.015" in table  # lots keep their third decimal
    assert "+9.985" in table  # net lots


@pytest.mark.parametrize("lang", LANGS)
def test_suggestions_are_numbered_with_their_facts(renderer: Renderer, lang: str) -> None:
    text = renderer.render(lang, "report", "suggestions", r=rich(ReportKind.HEDGE)).text
    lines = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4", "5"]
    assert "120%" in lines[0]
    assert "#123" in lines[0]
    assert "-45.20 USD" in lines[0]
    assert "#11, #12, #13" in lines[1]
    assert "#14" not in lines[1]
    assert "12" in lines[2]
    assert ("days" if lang == "en" else "天") in lines[2]
    assert "0.30" in lines[3]
    assert ("magic 2002" if lang == "en" else "魔术号2002") in lines[3]
    assert "+1,234.50 USD" in lines[4]


@pytest.mark.parametrize("lang", LANGS)
def test_no_suggestions_says_so(renderer: Renderer, lang: str) -> None:
    text = renderer.render(lang, "report", "suggestions", r=empty(ReportKind.HEDGE)).text
    assert text == ("No suggestions." if lang == "en" else "暂无操作建议。")


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_specials_survive_every_format(renderer: Renderer, lang: str) -> None:
    report = rich(ReportKind.DAILY)
    out = renderer.render(lang, "report", "daily", r=report)
    assert "a_b*c" in out.text
    assert "a_b*c" in out.html
    assert r"a\_b\*c" in out.markdown  # in a suggestion line: escaped
    pre = re.findall(r"```\n(.*?)\n```", out.markdown, flags=re.DOTALL)
    assert any("a_b*c " in block for block in pre)  # inside pre: literal
    assert "<pre>" in out.html
    assert out.html.count("<b>") == out.html.count("</b>") >= 3


@pytest.mark.parametrize("lang", LANGS)
def test_data_cannot_inject_formatting(renderer: Renderer, lang: str) -> None:
    report = make_report(symbols={"<b>x\ue000": (1.0, 0.0)}, strategies={3: ("`y`\ue004", 1.0)})
    out = renderer.render(lang, "report", "daily", r=report)
    assert "&lt;b&gt;x" in out.html
    assert "\ue000" not in out.text + out.html + out.markdown
    assert out.markdown.count("```") == 4  # two pre blocks, the EA's backticks escaped inside
    assert r"\`y\`" in out.markdown


@pytest.mark.parametrize("lang", LANGS)
def test_suggestion_buttons(renderer: Renderer, lang: str) -> None:
    texts = [
        renderer.render(lang, "report", "suggestion_button", s=s, currency="USD").text for s in suggestions()
    ]
    if lang == "zh":
        assert texts[0] == "平仓 #123 (-45.20 USD)"
        assert texts[1] == "平仓 XAUUSD 1001 (+52.10 USD)"
        assert texts[3] == "减仓 EURUSD 2002 (-80.00 USD)"
    else:
        assert texts[0] == "Close #123 (-45.20 USD)"
        assert texts[1] == "Close XAUUSD 1001 (+52.10 USD)"
        assert texts[4] == "Take profit GBPUSD (+1,234.50 USD)"
    assert all(len(t) <= 40 for t in texts)
    manual = suggestions()[3].model_copy(update={"magic": 0})
    text = renderer.render(lang, "report", "suggestion_button", s=manual, currency="USD").text
    assert text == ("减仓 EURUSD 手动 (-80.00 USD)" if lang == "zh" else "Reduce EURUSD manual (-80.00 USD)")


@pytest.mark.parametrize("lang", LANGS)
def test_long_button_text_is_shortened_but_keeps_the_amount(renderer: Renderer, lang: str) -> None:
    long = Suggestion(
        kind=SuggestionKind.TAKE_PROFIT,
        severity=Severity.INFO,
        symbol="VERYLONGSYMBOLNAME.cash.pro",
        magic=1234567890,
        tickets=[1, 2],
        amount=-1_234_567.89,
    )
    text = renderer.render(lang, "report", "suggestion_button", s=long, currency="USDT").text
    assert len(text) <= 40
    assert text.endswith("(-1,234,567.89)")
    assert "VERYLONG" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", list(ReportKind))
def test_no_report_names_the_report(renderer: Renderer, lang: str, kind: ReportKind) -> None:
    text = renderer.render(lang, "report", "no_report", kind=kind).text
    names = {"zh": {"daily": "日报", "monthly": "月报", "hedge": "对冲报告"}}
    assert (names["zh"][kind] if lang == "zh" else f"{kind.value} report") in text
    with_reason = renderer.render(lang, "report", "no_report", kind=kind, reason="terminal offline").text
    assert "terminal offline" in with_reason


@pytest.mark.parametrize("lang", LANGS)
def test_empty_reports_say_so(renderer: Renderer, lang: str) -> None:
    expected = {
        "zh": ("当日没有交易，也没有持仓。", "本月没有交易。", "当前没有持仓。"),
        "en": ("No trades and no open positions that day.", "No trades this month.", "No open positions."),
    }[lang]
    for kind, sentence in zip(ReportKind, expected, strict=True):
        out = renderer.render(lang, "report", kind.value, r=empty(kind))
        assert sentence in out.text
        assert "<pre>" not in out.html
        assert "margin level -" in out.text if lang == "en" else "保证金水平 -" in out.text


@pytest.mark.parametrize("lang", LANGS)
def test_bare_suggestion_renders_without_none(renderer: Renderer, lang: str) -> None:
    bare = [Suggestion(kind=kind, severity=Severity.WARN) for kind in SuggestionKind]
    report = make_report(ReportKind.HEDGE, suggestions=bare)
    text = renderer.render(lang, "report", "suggestions", r=report).text
    assert "None" not in text
    assert len([line for line in text.splitlines() if re.match(r"\d\. ", line)]) == len(bare)
    for s in bare:
        button = renderer.render(lang, "report", "suggestion_button", s=s, currency="USD").text
        assert "None" not in button
        assert 0 < len(button) <= 40
