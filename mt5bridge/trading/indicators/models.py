"""Closed sets and errors of the indicator engine: names, MA methods, applied prices."""

from __future__ import annotations

from enum import StrEnum

from mt5bridge.common.errors import ErrorKind, MT5BotError


class IndicatorError(MT5BotError, ValueError):
    """Base of every indicator error; `code` is stable for the API edge to map to a status."""

    code = "indicator_error"
    kind = ErrorKind.INVALID


class UnknownIndicatorError(IndicatorError):
    """The indicator name matches no indicator or alias."""

    code = "unknown_indicator"


class InvalidParameterError(IndicatorError):
    """A parameter is unknown, malformed or out of range."""

    code = "invalid_parameter"


class NotEnoughBarsError(IndicatorError):
    """Fewer bars were given than the indicator needs for a single value."""

    code = "not_enough_bars"


class IndicatorName(StrEnum):
    """Indicators served, by canonical name."""

    MA = "MA"
    RSI = "RSI"
    MACD = "MACD"
    BANDS = "BANDS"
    STOCHASTIC = "STOCHASTIC"
    ATR = "ATR"
    ICHIMOKU = "ICHIMOKU"
    CCI = "CCI"


class MAMethod(StrEnum):
    """MT5's ENUM_MA_METHOD (MODE_SMA=0, MODE_EMA=1, MODE_SMMA=2, MODE_LWMA=3)."""

    SMA = "sma"
    EMA = "ema"
    SMMA = "smma"
    LWMA = "lwma"


class AppliedPrice(StrEnum):
    """MT5's ENUM_APPLIED_PRICE (PRICE_CLOSE=1 ... PRICE_WEIGHTED=7)."""

    CLOSE = "close"
    OPEN = "open"
    HIGH = "high"
    LOW = "low"
    MEDIAN = "median"
    TYPICAL = "typical"
    WEIGHTED = "weighted"


class PriceField(StrEnum):
    """MT5's ENUM_STO_PRICE: extremes from high/low bars or from closes only."""

    LOWHIGH = "lowhigh"
    CLOSECLOSE = "closeclose"
