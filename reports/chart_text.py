"""The words on a report chart: money, lots, symbol and EA labels, the summary line (no matplotlib)."""

from __future__ import annotations

from mt5bridge.trading.pnl import PnLLine
from reports.chartstyle import NO_CJK, ChartStyle
from reports.models import Report, StrategyRow

NAME_CHARS = 18


def money_text(value: float, currency: str) -> str:
    return f"{value:+,.2f} {currency}"


def lots_text(value: float, *, signed: bool = False) -> str:
    """Lots with 2 decimals, or 3 when the volume has them (0.015 must not show as 0.01 or 0.02)."""
    text = f"{value:{'+' if signed and value else ''}.3f}"
    return text[:-1] if text.endswith("0") else text


def symbol_label(symbol: str, style: ChartStyle) -> str:
    return style.text(symbol[:NAME_CHARS]) if symbol else style.words.account


def strategy_label(row: StrategyRow, style: ChartStyle = NO_CJK) -> str:
    """The EA's name when drawable, else "manual" for magic 0 or "magic N"."""
    if row.name and style.drawable(row.name):
        return style.text(row.name[:NAME_CHARS])
    return style.words.manual if row.magic == 0 else style.words.magic.format(magic=row.magic)


def scope_label(report: Report, style: ChartStyle = NO_CJK) -> str:
    """The title's scope: `  EA 20250101 (HedgeGrid)` for one EA (its name when drawable), else empty."""
    if report.magic is None:
        return ""
    name = report.ea_names.get(report.magic)
    shown = f" ({style.text(name[:NAME_CHARS])})" if name and style.drawable(name) else ""
    return f"  EA {report.magic}{shown}"


def summary_text(total: PnLLine, currency: str, style: ChartStyle) -> str:
    rate = "-" if total.win_rate is None else f"{total.win_rate:.0%}"
    return style.words.summary.format(
        realized=money_text(total.realized, currency),
        floating=money_text(total.floating, currency),
        trades=total.trades,
        rate=rate,
    )
