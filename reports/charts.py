"""Report charts: one PNG per report, drawn with matplotlib's object API.

No pyplot: it keeps a global figure registry and is not safe from worker threads. Each call builds its own
`Figure` on an Agg canvas, writes the PNG and clears the figure. Chart text is ASCII only (the bundled
DejaVu font has no CJK glyphs and we ship no fonts), so non-ASCII EA names fall back to "magic N".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np

from mt5bridge.trading.pnl import PnLLine
from reports.models import DayRow, HedgeBook, Report, ReportKind, StrategyRow

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 6.0, 100  # 1000 x 600 px
MAX_SYMBOLS = 12
MAX_STRATEGIES = 8
GREEN, RED = "#2e7d32", "#c62828"
LIGHT_GREEN, LIGHT_RED = "#81c784", "#e57373"
BUY_COLOR, SELL_COLOR, LINE_COLOR, MUTED = "#1565c0", "#ef6c00", "#283593", "#555555"
NAME_CHARS = 18
COMPRESS_LEVEL = 3

_Row = TypeVar("_Row")


def render_chart(report: Report) -> bytes:
    """The report's chart as PNG bytes, 1000x600 px; reports without data say so instead of plotting."""
    fig, canvas = _canvas()
    try:
        match report.kind:
            case ReportKind.DAILY:
                _draw_daily(fig, report)
            case ReportKind.MONTHLY:
                _draw_monthly(fig, report)
            case ReportKind.HEDGE:
                _draw_hedge(fig, report)
        return _png(canvas)
    finally:
        fig.clear()  # break the artists' reference cycles now, not at the next GC pass


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


# --- text ------------------------------------------------------------------------------------------------


def chart_text(value: str) -> str:
    """Text safe to draw: ASCII only ("?" for the rest) and `$` literal, never a mathtext delimiter."""
    return value.encode("ascii", "replace").decode("ascii").replace("$", r"\$")


def _money(value: float, currency: str) -> str:
    return f"{value:+,.2f} {currency}"


def _lots(value: float, *, signed: bool = False) -> str:
    """Lots with 2 decimals, or 3 when the volume has them (0.015 must not show as 0.01 or 0.02)."""
    text = f"{value:{'+' if signed and value else ''}.3f}"
    return text[:-1] if text.endswith("0") else text


def _symbol_label(symbol: str) -> str:
    return chart_text(symbol[:NAME_CHARS]) if symbol else "(account)"


def strategy_label(row: StrategyRow) -> str:
    """The EA's name when drawable, else "manual" for magic 0 or "magic N"."""
    if row.name and row.name.isascii() and row.name.isprintable():
        return chart_text(row.name[:NAME_CHARS])
    return "manual" if row.magic == 0 else f"magic {row.magic}"


def scope_label(report: Report) -> str:
    """The title's scope: `  EA 20250101 (HedgeGrid)` for one EA (its name when drawable), else empty."""
    if report.magic is None:
        return ""
    name = report.ea_names.get(report.magic)
    shown = f" ({chart_text(name[:NAME_CHARS])})" if name and name.isascii() and name.isprintable() else ""
    return f"  EA {report.magic}{shown}"


def _summary(total: PnLLine, currency: str) -> str:
    rate = "-" if total.win_rate is None else f"{total.win_rate:.0%}"
    return (
        f"realized {_money(total.realized, currency)} | floating {_money(total.floating, currency)}"
        f" | trades {total.trades} | win rate {rate}"
    )


def _titles(fig: Figure, title: str, subtitle: str) -> None:
    fig.suptitle(chart_text(title), fontsize=15, fontweight="bold", y=0.975)
    fig.text(0.5, 0.915, chart_text(subtitle), ha="center", fontsize=10, color=MUTED)


def _empty(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=22, color=MUTED, transform=ax.transAxes)


# --- helpers ---------------------------------------------------------------------------------------------


def _color(value: float, *, light: bool = False) -> str:
    if light:
        return LIGHT_GREEN if value >= 0 else LIGHT_RED
    return GREEN if value >= 0 else RED


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


def _caption(fig: Figure, text: str) -> None:
    fig.text(0.5, 0.03, text, ha="center", fontsize=9, color=MUTED)


def _title(ax: Axes, text: str, shown: int, hidden: int) -> None:
    # a fixed y skips matplotlib's title placement, which measures every tick label again
    ax.set_title(f"{text} (top {shown} of {shown + hidden})" if hidden else text, fontsize=11, y=1.01)


def _grid(ax: Axes, axis: Literal["x", "y"]) -> None:
    ax.set_axisbelow(True)  # grid lines behind the bars
    ax.grid(axis=axis, color="#dddddd", linewidth=0.6)
    (ax.axvline if axis == "x" else ax.axhline)(0, color="#333333", linewidth=0.8)


# --- daily -----------------------------------------------------------------------------------------------


def _draw_daily(fig: Figure, report: Report) -> None:
    currency = chart_text(report.account.currency)
    _titles(
        fig,
        f"Daily report {report.label}{scope_label(report)}   total {_money(report.total.total, currency)}",
        _summary(report.total, currency),
    )
    if not report.by_symbol and not report.by_strategy:
        _empty(fig, "No trades and no open positions")
        return
    grid = fig.add_gridspec(
        1, 2, width_ratios=(2, 1), left=0.12, right=0.97, top=0.84, bottom=0.09, wspace=0.45
    )
    _daily_symbols(fig.add_subplot(grid[0]), report)
    _daily_strategies(fig.add_subplot(grid[1]), report)
    # a caption, not a legend: green/red already mean gain/loss, and a legend costs ~15 ms to lay out
    _caption(
        fig, f"dark bar = realized, light bar = floating; green = gain, red = loss; amounts in {currency}"
    )


def _daily_symbols(ax: Axes, report: Report) -> None:
    rows, hidden = _largest(report.by_symbol, lambda r: r.pnl.total, MAX_SYMBOLS)
    _title(ax, "By symbol", len(rows), hidden)
    if not rows:
        ax.set_axis_off()
        return
    height = 0.38
    top = [i - height / 2 for i in range(len(rows))]
    bottom = [i + height / 2 for i in range(len(rows))]
    realized = [r.pnl.realized for r in rows]
    floating = [r.pnl.floating for r in rows]
    ax.barh(top, realized, height=height, color=[_color(v) for v in realized])
    ax.barh(bottom, floating, height=height, color=[_color(v, light=True) for v in floating])
    _value_labels(ax, realized, top)
    _value_labels(ax, floating, bottom)
    ax.set_yticks(range(len(rows)), [_symbol_label(r.symbol) for r in rows])
    ax.invert_yaxis()  # best first, at the top
    _value_axis(ax, margin=0.3)


def _daily_strategies(ax: Axes, report: Report) -> None:
    rows, hidden = _largest(report.by_strategy, lambda r: r.pnl.total, MAX_STRATEGIES)
    _title(ax, "By EA, realized + floating", len(rows), hidden)
    if not rows:
        ax.set_axis_off()
        return
    totals = [r.pnl.total for r in rows]
    positions = list(range(len(rows)))
    ax.barh(positions, totals, height=0.6, color=[_color(v) for v in totals])
    _value_labels(ax, totals, positions)
    ax.set_yticks(positions, [strategy_label(r) for r in rows])
    ax.invert_yaxis()
    _value_axis(ax, margin=0.6)


# --- monthly ---------------------------------------------------------------------------------------------


def _draw_monthly(fig: Figure, report: Report) -> None:
    currency = chart_text(report.account.currency)
    _titles(
        fig,
        f"Monthly report {report.label}{scope_label(report)}   total {_money(report.total.total, currency)}",
        _summary(report.total, currency),
    )
    days = report.days
    if not any(d.trades or d.realized for d in days):
        _empty(fig, "No trades this month")
        return
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.09, right=0.97, top=0.84, bottom=0.15)
    x = list(range(len(days)))
    realized = [d.realized for d in days]
    cumulative = [d.cumulative for d in days]
    ax.bar(x, realized, width=0.7, color=[_color(v) for v in realized])
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
    marked = _day_ticks(days)
    ax.set_xticks(marked, [days[i].day.strftime("%m-%d") for i in marked], fontsize=8)
    _grid(ax, "y")
    ax.margins(x=0.02, y=0.12)
    _caption(
        fig,
        f"days of the month: bars = realized P&L (green gain, red loss), line = cumulative; in {currency}",
    )


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


def _draw_hedge(fig: Figure, report: Report) -> None:
    currency = chart_text(report.account.currency)
    books = report.hedge.symbols
    floating = sum(b.floating for b in books)
    level = report.account.margin_level
    _titles(
        fig,
        f"Hedge report {report.label}{scope_label(report)}   floating {_money(floating, currency)}",
        f"open positions by symbol | margin level {'-' if level is None else f'{level:,.0f}%'}",
    )
    if not books:
        _empty(fig, "No open positions")
        return
    rows, hidden = _largest(books, lambda b: b.buy_volume + b.sell_volume, MAX_SYMBOLS)
    ax = fig.add_subplot()
    _title(ax, "Buy and sell lots by symbol", len(rows), hidden)
    fig.subplots_adjust(left=0.12, right=0.7, top=0.84, bottom=0.15)
    _hedge_bars(ax, rows)
    _caption(fig, "lots: blue = buy (right), orange = sell (left), black diamond = net (buy - sell)")
    for y, book in enumerate(rows):
        ax.text(
            1.03,
            y,
            f"net {_lots(book.net_volume, signed=True)}  locked {_lots(book.locked_volume)}\n"
            f"float {_money(book.floating, currency)}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=9,
            color=_color(book.floating),
        )


def _hedge_bars(ax: Axes, rows: list[HedgeBook]) -> None:
    from matplotlib.ticker import FuncFormatter

    positions = list(range(len(rows)))
    buys = [b.buy_volume for b in rows]
    sells = [-b.sell_volume for b in rows]
    ax.barh(positions, buys, height=0.6, color=BUY_COLOR)
    ax.barh(positions, sells, height=0.6, color=SELL_COLOR)
    ax.scatter([b.net_volume for b in rows], positions, marker="D", s=40, color="black", zorder=3)
    ax.set_yticks(positions, [_symbol_label(b.symbol) for b in rows])
    ax.invert_yaxis()
    widest = max(max(buys), -min(sells), 0.01) * 1.15
    ax.set_xlim(-widest, widest)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
    _grid(ax, "x")
