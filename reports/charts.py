"""Report charts: one PNG per report, drawn with matplotlib's object API, in the report's language.

No pyplot: it keeps a global figure registry and is not safe from worker threads. Each call builds its own
`Figure` on an Agg canvas, writes the PNG and clears the figure. Text is drawn in the user's language (zh or
en, the words in `chartstyle.WORDS`) with DejaVu Sans for Latin and a CJK font the system has for the rest
(`reports.fonts`). Without a CJK font the chart falls back to English, and text that no font can draw (a
Chinese EA name, an emoji) is replaced: "magic N" for EA names, "?" for other characters.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np

from reports.chart_equity import equity_panel
from reports.chart_text import (
    lots_text,
    money_text,
    scope_label,
    strategy_label,
    summary_text,
    symbol_label,
)
from reports.chartstyle import (
    BUY_COLOR,
    LINE_COLOR,
    MUTED,
    SELL_COLOR,
    ChartStyle,
    chart_style,
    pnl_color,
)  # fmt: skip
from reports.models import DayRow, HedgeBook, Report, ReportKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 6.0, 100  # 1000 x 600 px
MAX_SYMBOLS = 12
MAX_STRATEGIES = 8
COMPRESS_LEVEL = 3

_Row = TypeVar("_Row")


def render_chart(report: Report, lang: str = "zh", *, cjk: bool = True) -> bytes:
    """The report's chart as PNG bytes, 1000x600 px, in `lang` ("zh" or "en"); reports without data say so
    instead of plotting. `cjk=False` draws as a system without a CJK font does: English, no CJK glyphs."""
    fig, canvas = chart_figure(report, lang, cjk=cjk)
    try:
        return _png(canvas)
    finally:
        fig.clear()  # break the artists' reference cycles now, not at the next GC pass


def chart_figure(report: Report, lang: str = "zh", *, cjk: bool = True) -> tuple[Figure, FigureCanvasAgg]:
    """The chart drawn but not yet rendered (tests read its text back)."""
    style = chart_style(lang, cjk=cjk)
    fig, canvas = _canvas()
    match report.kind:
        case ReportKind.DAILY:
            _draw_daily(fig, report, style)
        case ReportKind.MONTHLY:
            _draw_monthly(fig, report, style)
        case ReportKind.HEDGE:
            _draw_hedge(fig, report, style)
    return fig, canvas


def _canvas() -> tuple[Figure, FigureCanvasAgg]:
    """A white figure on an Agg canvas. matplotlib is imported here, by the first chart: importing it
    takes about 0.4 s and 20 MB, which every start of the service used to pay before drawing anything."""
    import matplotlib

    matplotlib.use("Agg")  # headless servers: never let an environment variable pick a GUI backend
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    return fig, FigureCanvasAgg(fig)


def _png(canvas: FigureCanvasAgg) -> bytes:
    """Encode as opaque RGB at a low zlib level: faster than savefig's RGBA, about the same size."""
    from PIL import Image  # matplotlib's own dependency

    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(
        buffer, format="PNG", compress_level=COMPRESS_LEVEL
    )
    return buffer.getvalue()


def _titles(fig: Figure, title: str, subtitle: str, style: ChartStyle) -> None:
    # the strings are built from already-safe parts (style.text) and our own words
    fig.suptitle(title, fontsize=15, fontweight=style.bold(title), y=0.975, fontfamily=style.family(title))
    fig.text(0.5, 0.915, subtitle, ha="center", fontsize=10, color=MUTED, fontfamily=style.family(subtitle))


def _empty(ax: Axes, message: str, style: ChartStyle) -> None:
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=22,
        color=MUTED,
        transform=ax.transAxes,
        fontfamily=style.family(message),
    )


# --- helpers ---------------------------------------------------------------------------------------------


def _largest(rows: Sequence[_Row], size: Callable[[_Row], float], limit: int) -> tuple[list[_Row], int]:
    """The `limit` rows of largest `size`, in their given order, and how many were left out."""
    if len(rows) <= limit:
        return list(rows), 0
    keep = set(sorted(range(len(rows)), key=lambda i: -abs(size(rows[i])))[:limit])
    return [row for i, row in enumerate(rows) if i in keep], len(rows) - limit


def _value_labels(ax: Axes, values: Sequence[float], positions: Sequence[float]) -> None:
    for value, y in zip(values, positions, strict=True):
        if not value:
            continue  # no bar, no "+0.00" clutter
        ax.annotate(
            f"{value:+,.2f}",
            xy=(value, y),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=8,
        )


def _value_axis(ax: Axes, *, margin: float) -> None:
    """A bar panel whose bars carry their values: no value ticks (they cost time and say nothing more)."""
    ax.set_xticks([])
    ax.margins(x=margin)
    ax.axvline(0, color="#333333", linewidth=0.8)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def _caption(fig: Figure, text: str, style: ChartStyle) -> None:
    fig.text(0.5, 0.03, text, ha="center", fontsize=9, color=MUTED, fontfamily=style.family(text))


def _title(ax: Axes, text: str, shown: int, hidden: int, style: ChartStyle) -> None:
    if hidden:
        text = style.words.top.format(title=text, shown=shown, total=shown + hidden)
    # a fixed y skips matplotlib's title placement, which measures every tick label again
    ax.set_title(text, fontsize=11, y=1.01, fontfamily=style.family(text))


def _grid(ax: Axes, axis: Literal["x", "y"]) -> None:
    ax.set_axisbelow(True)  # grid lines behind the bars
    ax.grid(axis=axis, color="#dddddd", linewidth=0.6)
    (ax.axvline if axis == "x" else ax.axhline)(0, color="#333333", linewidth=0.8)


# --- daily -----------------------------------------------------------------------------------------------


def _draw_daily(fig: Figure, report: Report, style: ChartStyle) -> None:
    words, currency = style.words, style.text(report.account.currency)
    total = money_text(report.total.total, currency)
    _titles(
        fig,
        words.daily_title.format(label=report.label, scope=scope_label(report, style), total=total),
        summary_text(report.total, currency, style),
        style,
    )
    if not report.by_symbol and not report.by_strategy:
        _empty(fig.add_subplot(), words.no_daily_data, style)
        return
    grid = fig.add_gridspec(
        1, 2, width_ratios=(2, 1), left=0.12, right=0.97, top=0.84, bottom=0.09, wspace=0.45
    )
    _daily_symbols(fig.add_subplot(grid[0]), report, style)
    _daily_strategies(fig.add_subplot(grid[1]), report, style)
    # a caption, not a legend: green/red already mean gain/loss, and a legend costs ~15 ms to lay out
    _caption(fig, words.daily_caption.format(currency=currency), style)


def _daily_symbols(ax: Axes, report: Report, style: ChartStyle) -> None:
    rows, hidden = _largest(report.by_symbol, lambda r: r.pnl.total, MAX_SYMBOLS)
    _title(ax, style.words.by_symbol, len(rows), hidden, style)
    if not rows:
        ax.set_axis_off()
        return
    height = 0.38
    top = [i - height / 2 for i in range(len(rows))]
    bottom = [i + height / 2 for i in range(len(rows))]
    realized = [r.pnl.realized for r in rows]
    floating = [r.pnl.floating for r in rows]
    ax.barh(top, realized, height=height, color=[pnl_color(v) for v in realized])
    ax.barh(bottom, floating, height=height, color=[pnl_color(v, light=True) for v in floating])
    _value_labels(ax, realized, top)
    _value_labels(ax, floating, bottom)
    labels = [symbol_label(r.symbol, style) for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontfamily=style.family(*labels))
    ax.invert_yaxis()  # best first, at the top
    _value_axis(ax, margin=0.3)


def _daily_strategies(ax: Axes, report: Report, style: ChartStyle) -> None:
    rows, hidden = _largest(report.by_strategy, lambda r: r.pnl.total, MAX_STRATEGIES)
    _title(ax, style.words.by_ea, len(rows), hidden, style)
    if not rows:
        ax.set_axis_off()
        return
    totals = [r.pnl.total for r in rows]
    positions = list(range(len(rows)))
    ax.barh(positions, totals, height=0.6, color=[pnl_color(v) for v in totals])
    _value_labels(ax, totals, positions)
    labels = [strategy_label(r, style) for r in rows]
    ax.set_yticks(positions, labels, fontfamily=style.family(*labels))
    ax.invert_yaxis()
    _value_axis(ax, margin=0.6)


# --- monthly ---------------------------------------------------------------------------------------------


def _draw_monthly(fig: Figure, report: Report, style: ChartStyle) -> None:
    words, currency = style.words, style.text(report.account.currency)
    total = money_text(report.total.total, currency)
    _titles(
        fig,
        words.monthly_title.format(label=report.label, scope=scope_label(report, style), total=total),
        summary_text(report.total, currency, style),
        style,
    )
    traded = any(d.trades or d.realized for d in report.days)
    curve = report.equity if report.equity and report.equity.points else None
    if curve is None:
        ax = fig.add_subplot()
        if not traded:
            _empty(ax, words.no_monthly_trades, style)
            return
        fig.subplots_adjust(left=0.09, right=0.97, top=0.84, bottom=0.15)
        _monthly_days(ax, report.days)
        _day_axis(ax, report.days)
    else:
        # two panels on one time axis (the same limits, not sharex: shared axes lay their ticks out twice)
        grid = fig.add_gridspec(
            2, 1, height_ratios=(1, 1.15), left=0.09, right=0.97, top=0.85, bottom=0.13, hspace=0.32
        )
        days_ax, curve_ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        if traded:
            _monthly_days(days_ax, report.days)
            days_ax.set_xticks([])  # the curve's axis below names the days
        else:
            _empty(days_ax, words.no_monthly_trades, style)
        equity_panel(curve_ax, report, curve, style)
        _day_axis(curve_ax, report.days)
        for ax in (days_ax, curve_ax):
            ax.set_xlim(-0.6, max(len(report.days), 1) - 0.4)
    if traded:  # the caption explains the bars and the line; the curve's legend explains itself
        _caption(fig, words.monthly_caption.format(currency=currency), style)


def _monthly_days(ax: Axes, days: Sequence[DayRow]) -> None:
    x = list(range(len(days)))
    realized = [d.realized for d in days]
    cumulative = [d.cumulative for d in days]
    ax.bar(x, realized, width=0.7, color=[pnl_color(v) for v in realized])
    ax.plot(x, cumulative, color=LINE_COLOR, marker="o", markersize=3, linewidth=1.8)
    _mark_extremes(ax, realized)
    ax.annotate(
        f"{cumulative[-1]:+,.2f}",
        xy=(x[-1], cumulative[-1]),
        xytext=(-4, 8),
        textcoords="offset points",
        ha="right",  # inside the axes: the last day sits at the right edge
        fontsize=9,
        color=LINE_COLOR,
    )
    _grid(ax, "y")
    ax.margins(x=0.02, y=0.12)


def _day_axis(ax: Axes, days: Sequence[DayRow]) -> None:
    marked = _day_ticks(days)
    ax.set_xticks(marked, [days[i].day.strftime("%m-%d") for i in marked], fontsize=8)


def _day_ticks(days: Sequence[DayRow]) -> list[int]:
    """The first day and every 5th, never two labels side by side: 31 labels cost ~15 ms and crowd."""
    marked: list[int] = []
    for i, row in enumerate(days):
        if (i == 0 or row.day.day % 5 == 0) and (not marked or i - marked[-1] >= 3):
            marked.append(i)
    return marked


def _mark_extremes(ax: Axes, values: list[float]) -> None:
    best = max(range(len(values)), key=values.__getitem__)
    worst = min(range(len(values)), key=values.__getitem__)
    for index in {best, worst}:
        value = values[index]
        if value:
            ax.annotate(
                f"{value:+,.2f}",
                xy=(index, value),
                xytext=(0, 3 if value > 0 else -3),
                textcoords="offset points",
                ha="center",
                va="bottom" if value > 0 else "top",
                fontsize=8,
            )


# --- hedge -----------------------------------------------------------------------------------------------


def _draw_hedge(fig: Figure, report: Report, style: ChartStyle) -> None:
    words, currency = style.words, style.text(report.account.currency)
    books = report.hedge.symbols
    floating = money_text(sum(b.floating for b in books), currency)
    level = report.account.margin_level
    _titles(
        fig,
        words.hedge_title.format(label=report.label, scope=scope_label(report, style), floating=floating),
        words.hedge_subtitle.format(level="-" if level is None else f"{level:,.0f}%"),
        style,
    )
    if not books:
        _empty(fig.add_subplot(), words.no_positions, style)
        return
    rows, hidden = _largest(books, lambda b: b.buy_volume + b.sell_volume, MAX_SYMBOLS)
    ax = fig.add_subplot()
    _title(ax, words.hedge_panel, len(rows), hidden, style)
    fig.subplots_adjust(left=0.12, right=0.7, top=0.84, bottom=0.15)
    _hedge_bars(ax, rows, style)
    _caption(fig, words.hedge_caption, style)
    for y, book in enumerate(rows):
        text = words.hedge_book.format(
            net=lots_text(book.net_volume, signed=True),
            locked=lots_text(book.locked_volume),
            floating=money_text(book.floating, currency),
        )
        ax.text(
            1.03,
            y,
            text,
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=9,
            color=pnl_color(book.floating),
            fontfamily=style.family(text),
        )


def _hedge_bars(ax: Axes, rows: list[HedgeBook], style: ChartStyle) -> None:
    from matplotlib.ticker import FuncFormatter

    positions = list(range(len(rows)))
    buys = [b.buy_volume for b in rows]
    sells = [-b.sell_volume for b in rows]
    ax.barh(positions, buys, height=0.6, color=BUY_COLOR)
    ax.barh(positions, sells, height=0.6, color=SELL_COLOR)
    ax.scatter([b.net_volume for b in rows], positions, marker="D", s=40, color="black", zorder=3)
    labels = [symbol_label(b.symbol, style) for b in rows]
    ax.set_yticks(positions, labels, fontfamily=style.family(*labels))
    ax.invert_yaxis()
    widest = max(max(buys), -min(sells), 0.01) * 1.15
    ax.set_xlim(-widest, widest)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
    _grid(ax, "x")
