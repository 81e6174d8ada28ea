"""How report charts look: the words of every chart in Chinese and English, the style that picks the font
for each text (DejaVu Sans, the system's CJK font for what it lacks, or English without one), and the
palette. reports/charts.py and reports/chart_equity.py draw with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reports.fonts import ChartFont, base_font, cjk_font


@dataclass(frozen=True)
class Words:
    """The chart's words in one language; `{...}` fields are filled in by the drawing code."""

    daily_title: str
    monthly_title: str
    hedge_title: str
    summary: str
    no_daily_data: str
    no_monthly_trades: str
    no_positions: str
    by_symbol: str
    by_ea: str
    top: str
    account: str
    manual: str
    magic: str
    daily_caption: str
    monthly_caption: str
    hedge_subtitle: str
    hedge_panel: str
    hedge_caption: str
    hedge_book: str
    equity_panel: str
    equity: str
    balance: str
    deposit: str
    withdrawal: str
    gap: str


WORDS: dict[str, Words] = {
    "en": Words(
        daily_title="Daily report {label}{scope}   total {total}",
        monthly_title="Monthly report {label}{scope}   total {total}",
        hedge_title="Hedge report {label}{scope}   floating {floating}",
        summary="realized {realized} | floating {floating} | trades {trades} | win rate {rate}",
        no_daily_data="No trades and no open positions",
        no_monthly_trades="No trades this month",
        no_positions="No open positions",
        by_symbol="By symbol",
        by_ea="By EA, realized + floating",
        top="{title} (top {shown} of {total})",
        account="(account)",
        manual="manual",
        magic="magic {magic}",
        daily_caption=(
            "dark bar = realized, light bar = floating; green = gain, red = loss; amounts in {currency}"
        ),
        monthly_caption=(
            "days of the month: bars = realized P&L (green gain, red loss), line = cumulative; in {currency}"
        ),
        hedge_subtitle="open positions by symbol | margin level {level}",
        hedge_panel="Buy and sell lots by symbol",
        hedge_caption="lots: blue = buy (right), orange = sell (left), black diamond = net (buy - sell)",
        hedge_book="net {net}  locked {locked}\nfloat {floating}",
        equity_panel="Account balance and equity ({currency})",
        equity="equity",
        balance="balance",
        deposit="\u25b2 deposit",
        withdrawal="\u25bc withdrawal",
        gap="grey band = no data (service stopped)",
    ),
    "zh": Words(
        daily_title="日报 {label}{scope}   合计 {total}",
        monthly_title="月报 {label}{scope}   合计 {total}",
        hedge_title="对冲报告 {label}{scope}   浮动 {floating}",
        summary="已实现 {realized} | 浮动 {floating} | 交易 {trades} 笔 | 胜率 {rate}",
        no_daily_data="无交易，也无持仓",
        no_monthly_trades="本月无交易",
        no_positions="无持仓",
        by_symbol="按品种",
        by_ea="按 EA（已实现 + 浮动）",
        top="{title}（前 {shown}，共 {total}）",
        account="（账户）",
        manual="手动",
        magic="magic {magic}",
        daily_caption="深色 = 已实现，浅色 = 浮动；绿 = 盈利，红 = 亏损；金额单位 {currency}",
        monthly_caption="柱 = 每日已实现盈亏（绿盈红亏），线 = 累计；单位 {currency}",
        hedge_subtitle="各品种持仓 | 保证金水平 {level}",
        hedge_panel="各品种买卖手数",
        hedge_caption="手数：蓝 = 买（右），橙 = 卖（左），黑色菱形 = 净头寸（买 - 卖）",
        hedge_book="净 {net}  锁仓 {locked}\n浮动 {floating}",
        equity_panel="账户余额与净值（{currency}）",
        equity="净值",
        balance="余额",
        deposit="\u25b2 入金",
        withdrawal="\u25bc 出金",
        gap="灰色区域 = 无数据（服务未运行）",
    ),
}


@dataclass(frozen=True)
class ChartStyle:
    """How this chart writes: its words, and the CJK font when there is one."""

    words: Words
    font: ChartFont | None

    def family(self, *texts: str) -> list[str] | None:
        """The font family to draw `texts` with: DejaVu Sans, then the CJK font for what DejaVu lacks; None
        (matplotlib's default, DejaVu Sans) when DejaVu has every character: the fallback costs time."""
        if self.font is None or all(base_font().covers(text) for text in texts):
            return None
        return [base_font().family, self.font.family]

    def bold(self, text: str) -> Literal["bold", "normal"]:
        """Bold, unless the text needs the CJK font and it has no bold face (matplotlib would log that)."""
        return "bold" if self.family(text) is None or self.font is None or self.font.bold else "normal"

    def drawable(self, text: str) -> bool:
        return text.isprintable() and all(
            ord(c) in base_font().codepoints or (self.font is not None and ord(c) in self.font.codepoints)
            for c in text
        )

    def text(self, value: str) -> str:
        """Text safe to draw: characters no font has become "?", and `$` is literal, never mathtext."""
        return "".join(c if self.drawable(c) else "?" for c in value).replace("$", r"\$")


NO_CJK = ChartStyle(WORDS["en"], None)  # English without a CJK font: what a system without one draws


def chart_style(lang: str, *, cjk: bool = True) -> ChartStyle:
    """The words and font of a chart in `lang` ("zh" or "en"); English when no CJK font can draw zh."""
    font = cjk_font() if cjk else None
    if lang.startswith("zh") and font is not None:
        return ChartStyle(WORDS["zh"], font)
    return ChartStyle(WORDS["en"], font)


GREEN, RED = "#2e7d32", "#c62828"
LIGHT_GREEN, LIGHT_RED = "#81c784", "#e57373"
BUY_COLOR, SELL_COLOR, LINE_COLOR, MUTED = "#1565c0", "#ef6c00", "#283593", "#555555"
EQUITY_COLOR, BALANCE_COLOR, GAP_COLOR = "#6a1b9a", "#546e7a", "#e6e6e6"


def pnl_color(value: float, *, light: bool = False) -> str:
    """Green for a gain, red for a loss (`light`: the pale pair, for bars behind others)."""
    if light:
        return LIGHT_GREEN if value >= 0 else LIGHT_RED
    return GREEN if value >= 0 else RED
