"""The closed sets the parser and the core share: position selectors, reporting periods, report kinds.

Declared once, here in the shared leaf, so `nlu` (which may import this module and nothing else of the
project) and the trading core and reports use the very same enums. Only the standard library is imported;
the classes carry no docstrings on purpose, since a docstring would become a "description" in the JSON
schemas the LLM and the OpenAPI document are given.
"""

from __future__ import annotations

from enum import StrEnum


class Selector(StrEnum):
    ALL = "all"
    EARLIEST = "earliest"
    LATEST = "latest"
    PROFITABLE = "profitable"
    LOSING = "losing"
    MOST_PROFITABLE = "most_profitable"
    MOST_LOSING = "most_losing"
    TICKET = "ticket"


class Period(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    WEEK = "week"
    LAST_WEEK = "last_week"
    MONTH = "month"
    LAST_MONTH = "last_month"
    YEAR = "year"


class ReportKind(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"
    HEDGE = "hedge"


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class RuleKind(StrEnum):
    BREAK_EVEN = "break_even"
    TRAILING = "trailing"
    STAGED_TP = "staged_tp"
    EQUITY_GUARD = "equity_guard"
    PROFIT_LOCK = "profit_lock"


# How far in profit a position is: points of the symbol, money (profit + swap, account currency), or
# multiples of its initial risk (docs/rules.md).
class ProfitUnit(StrEnum):
    POINTS = "points"
    MONEY = "money"
    RISK = "risk"


# How a trailing stop keeps its distance: fixed points, k x ATR, or beyond the last N candles (docs/rules.md).
class TrailMode(StrEnum):
    POINTS = "points"
    ATR = "atr"
    CANDLES = "candles"


# What an equity drawdown is measured from (docs/rules.md).
class Reference(StrEnum):
    DAY_START = "day_start"
    PEAK = "peak"
    FIXED = "fixed"
