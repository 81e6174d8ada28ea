"""Technical indicators computed as MetaTrader 5's built-ins compute them (see docs/indicators.md).

Parse with `IndicatorRequest.from_query`, fetch `bars_needed(request, count)` bars, then `compute`.
"""

from mt5bridge.trading.indicators.engine import bars_needed, compute, min_bars, warmup_bars
from mt5bridge.trading.indicators.models import (
    AppliedPrice,
    IndicatorError,
    IndicatorName,
    InvalidParameterError,
    MAMethod,
    NotEnoughBarsError,
    PriceField,
    UnknownIndicatorError,
)
from mt5bridge.trading.indicators.params import (
    ATRParams,
    BandsParams,
    CCIParams,
    IchimokuParams,
    IndicatorParams,
    IndicatorRequest,
    IndicatorResult,
    MACDParams,
    MAParams,
    RSIParams,
    StochasticParams,
)
from mt5bridge.trading.indicators.query import parse_name

__all__ = [
    "ATRParams",
    "AppliedPrice",
    "BandsParams",
    "CCIParams",
    "IchimokuParams",
    "IndicatorError",
    "IndicatorName",
    "IndicatorParams",
    "IndicatorRequest",
    "IndicatorResult",
    "InvalidParameterError",
    "MACDParams",
    "MAMethod",
    "MAParams",
    "NotEnoughBarsError",
    "PriceField",
    "RSIParams",
    "StochasticParams",
    "UnknownIndicatorError",
    "bars_needed",
    "compute",
    "min_bars",
    "parse_name",
    "warmup_bars",
]
