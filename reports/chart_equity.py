"""The monthly chart's second panel: the account's balance and equity over the month (reports/equity.py),
broken and shaded where the service recorded nothing, deposits and withdrawals marked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from reports.chartstyle import (
    BALANCE_COLOR,
    EQUITY_COLOR,
    GAP_COLOR,
    GREEN,
    MUTED,
    RED,
    ChartStyle,
    pnl_color,
)
from reports.models import EquityCurve, Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_CASH_LABELS = 6  # deposits/withdrawals whose amount is written next to the marker (the largest)
DAY_SECONDS = 86_400.0


def equity_panel(ax: Axes, report: Report, curve: EquityCurve, style: ChartStyle) -> None:
    """Balance (steps) and equity over the month in day units (day i spans i - 0.5 to i + 0.5), broken
    and shaded where the service recorded nothing, with the deposits and withdrawals marked.

    Labelled directly (each line's name at its end, a key line above the panel): a legend costs ~25 ms."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def days(times: Sequence[float]) -> np.ndarray:
        return (np.asarray(times, dtype=float) - report.start.timestamp()) / DAY_SECONDS - 0.5

    words = style.words
    x = days([p.time.timestamp() for p in curve.points])
    gaps = [(days([g.start.timestamp()])[0], days([g.end.timestamp()])[0]) for g in curve.gaps]
    # a NaN between the two points on either side of a gap breaks the lines there
    breaks = np.searchsorted(x, [(a + b) / 2 for a, b in gaps])
    line_x = np.insert(x, breaks, np.nan)
    ax.plot(line_x, np.insert([p.balance for p in curve.points], breaks, np.nan), color=BALANCE_COLOR,
            linewidth=1.2, drawstyle="steps-post")  # fmt: skip
    ax.plot(
        line_x, np.insert([p.equity for p in curve.points], breaks, np.nan), color=EQUITY_COLOR, linewidth=1.4
    )
    _line_names(ax, x[-1], curve.points[-1].balance, curve.points[-1].equity, style)
    key = []
    if gaps:
        ax.broken_barh(
            [(a, b - a) for a, b in gaps], (0, 1), transform=ax.get_xaxis_transform(), color=GAP_COLOR
        )
        key.append(words.gap)
    key.extend(_cash_marks(ax, curve, days, x, style))
    currency = style.text(report.account.currency)
    title = words.equity_panel.format(currency=currency)
    ax.set_title(title, fontsize=10, loc="left", y=1.0, pad=3, fontfamily=style.family(title))
    if key:
        note = "    ".join(key)
        ax.text(1.0, 1.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color=MUTED,
                fontfamily=style.family(note))  # fmt: skip
    ax.yaxis.set_major_locator(
        MaxNLocator(5, steps=[1, 2, 2.5, 5, 10])
    )  # fewer ticks: each one costs a millisecond to lay out
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_axisbelow(True)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.margins(y=0.15)


def _line_names(ax: Axes, x: float, balance: float, equity: float, style: ChartStyle) -> None:
    """ "equity" and "balance" at the lines' ends, the higher one above the other (they often meet)."""
    for value, name, color, above in (
        (equity, style.words.equity, EQUITY_COLOR, equity >= balance),
        (balance, style.words.balance, BALANCE_COLOR, equity < balance),
    ):
        ax.annotate(
            name,
            xy=(x, value),
            xytext=(-2, 4 if above else -4),
            textcoords="offset points",
            ha="right",
            va="bottom" if above else "top",
            fontsize=8,
            color=color,
            fontfamily=style.family(name),
        )


def _cash_marks(
    ax: Axes,
    curve: EquityCurve,
    days: Callable[[Sequence[float]], np.ndarray],
    x: np.ndarray,
    style: ChartStyle,
) -> list[str]:
    """Deposits (green ^) and withdrawals (red v) on the balance line, the largest amounts written; the
    key's words for those present."""
    if not curve.cash:
        return []
    cash_x = days([c.time.timestamp() for c in curve.cash])
    balances = np.array([p.balance for p in curve.points])
    # the balance after the operation: the first point at or after it (the last point when none is)
    y = balances[np.minimum(np.searchsorted(x, cash_x), len(balances) - 1)]
    amounts = np.array([c.amount for c in curve.cash])
    key = []
    for sign, marker, color, word in (
        (1, "^", GREEN, style.words.deposit),
        (-1, "v", RED, style.words.withdrawal),
    ):
        chosen = np.sign(amounts) == sign
        if chosen.any():
            ax.scatter(cash_x[chosen], y[chosen], marker=marker, s=45, color=color, zorder=4)
            key.append(word)
    for i in sorted(range(len(amounts)), key=lambda i: -abs(amounts[i]))[:MAX_CASH_LABELS]:
        ax.annotate(
            f"{amounts[i]:+,.0f}",
            xy=(cash_x[i], y[i]),
            xytext=(0, 7 if amounts[i] > 0 else -7),
            textcoords="offset points",
            ha="center",
            va="bottom" if amounts[i] > 0 else "top",
            fontsize=8,
            color=pnl_color(amounts[i]),
        )
    return key
