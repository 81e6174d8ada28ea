"""Typed parameters of each indicator, with MT5's default values, and the request/result models."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mt5bridge.trading.indicators.models import AppliedPrice, IndicatorName, MAMethod, PriceField

# Bounds keep a request's fetch size sane (EMA warm-up grows ~23 bars per unit of period).
MAX_PERIOD = 2000
MAX_SHIFT = 1000


class _Params(BaseModel):
    """Shared config: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Output buffers, in MT5's buffer order.
    outputs: ClassVar[tuple[str, ...]] = ("main",)


class MAParams(_Params):
    """Moving Average: iMA(period, shift, method, applied_price); MT5 dialog defaults."""

    period: int = Field(default=10, ge=1, le=MAX_PERIOD)
    method: MAMethod = MAMethod.SMA
    applied_price: AppliedPrice = AppliedPrice.CLOSE
    shift: int = Field(default=0, ge=-MAX_SHIFT, le=MAX_SHIFT)


class RSIParams(_Params):
    """Relative Strength Index: iRSI(period, applied_price)."""

    period: int = Field(default=14, ge=1, le=MAX_PERIOD)
    applied_price: AppliedPrice = AppliedPrice.CLOSE


class MACDParams(_Params):
    """MACD: iMACD(fast_ema, slow_ema, signal_period, applied_price); the signal is an SMA."""

    outputs: ClassVar[tuple[str, ...]] = ("main", "signal")

    fast_ema: int = Field(default=12, ge=1, le=MAX_PERIOD)
    slow_ema: int = Field(default=26, ge=2, le=MAX_PERIOD)
    # MovingAverages.mqh's SimpleMAOnBuffer computes nothing for period <= 1, so MT5 has no signal line.
    signal_period: int = Field(default=9, ge=2, le=MAX_PERIOD)
    applied_price: AppliedPrice = AppliedPrice.CLOSE

    @model_validator(mode="after")
    def _fast_below_slow(self) -> MACDParams:
        if self.fast_ema >= self.slow_ema:
            raise ValueError(f"fast_ema ({self.fast_ema}) must be smaller than slow_ema ({self.slow_ema})")
        return self


class BandsParams(_Params):
    """Bollinger Bands: iBands(period, shift, deviation, applied_price)."""

    outputs: ClassVar[tuple[str, ...]] = ("middle", "upper", "lower")

    # BB.mq5 replaces a period below 2 and a negative shift with defaults: refused here instead.
    period: int = Field(default=20, ge=2, le=MAX_PERIOD)
    deviation: float = Field(default=2.0, gt=0.0, le=100.0)
    shift: int = Field(default=0, ge=0, le=MAX_SHIFT)
    applied_price: AppliedPrice = AppliedPrice.CLOSE

    @field_validator("deviation")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("deviation must be a finite number")
        return value


class StochasticParams(_Params):
    """Stochastic: iStochastic(k_period, d_period, slowing, ma_method, price_field)."""

    outputs: ClassVar[tuple[str, ...]] = ("main", "signal")

    k_period: int = Field(default=5, ge=1, le=MAX_PERIOD)
    d_period: int = Field(default=3, ge=1, le=MAX_PERIOD)
    slowing: int = Field(default=3, ge=1, le=MAX_PERIOD)
    method: MAMethod = MAMethod.SMA
    price_field: PriceField = PriceField.LOWHIGH

    @model_validator(mode="after")
    def _signal_period_one(self) -> StochasticParams:
        # The *OnBuffer helpers skip period <= 1; only the SMA loop of Stochastic.mq5 is known to handle it.
        if self.d_period == 1 and self.method is not MAMethod.SMA:
            raise ValueError("d_period 1 is only supported with method sma")
        return self


class ATRParams(_Params):
    """Average True Range: iATR(period)."""

    period: int = Field(default=14, ge=1, le=MAX_PERIOD)


class IchimokuParams(_Params):
    """Ichimoku Kinko Hyo: iIchimoku(tenkan, kijun, senkou_b)."""

    outputs: ClassVar[tuple[str, ...]] = ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")

    tenkan: int = Field(default=9, ge=1, le=MAX_PERIOD)
    kijun: int = Field(default=26, ge=1, le=MAX_PERIOD)
    senkou_b: int = Field(default=52, ge=1, le=MAX_PERIOD)


class CCIParams(_Params):
    """Commodity Channel Index: iCCI(period, applied_price), typical price by default."""

    period: int = Field(default=14, ge=1, le=MAX_PERIOD)
    applied_price: AppliedPrice = AppliedPrice.TYPICAL


IndicatorParams = (
    MAParams
    | RSIParams
    | MACDParams
    | BandsParams
    | StochasticParams
    | ATRParams
    | IchimokuParams
    | CCIParams
)

PARAMS_MODEL: dict[IndicatorName, type[_Params]] = {
    IndicatorName.MA: MAParams,
    IndicatorName.RSI: RSIParams,
    IndicatorName.MACD: MACDParams,
    IndicatorName.BANDS: BandsParams,
    IndicatorName.STOCHASTIC: StochasticParams,
    IndicatorName.ATR: ATRParams,
    IndicatorName.ICHIMOKU: IchimokuParams,
    IndicatorName.CCI: CCIParams,
}


def _build_params(data: Any) -> Any:
    """A bare dict of params is ambiguous across the union: build the model the name selects."""
    if isinstance(data, dict) and "name" in data:
        name = IndicatorName(data["name"])
        params = data.get("params", {})
        if isinstance(params, dict):
            return {**data, "name": name, "params": PARAMS_MODEL[name](**params)}
    return data


class IndicatorRequest(BaseModel):
    """One indicator with its resolved parameters; build it with `from_query` at the API edge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: IndicatorName
    params: IndicatorParams

    @model_validator(mode="before")
    @classmethod
    def _params_for_name(cls, data: Any) -> Any:
        return _build_params(data)

    @model_validator(mode="after")
    def _params_match_name(self) -> IndicatorRequest:
        expected = PARAMS_MODEL[self.name]
        if type(self.params) is not expected:
            raise ValueError(f"{self.name} takes {expected.__name__}, not {type(self.params).__name__}")
        return self

    @property
    def outputs(self) -> tuple[str, ...]:
        """Names of the output buffers, in MT5's buffer order."""
        return self.params.outputs

    @classmethod
    def from_query(cls, name: str, params: Mapping[str, str]) -> IndicatorRequest:
        """Parse a name and string query parameters; raises an IndicatorError subclass on bad input."""
        from mt5bridge.trading.indicators.query import parse_request  # query imports this module

        return parse_request(name, params)


class IndicatorResult(BaseModel):
    """Values of each output buffer aligned with bar open times; None where MT5 has no value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: IndicatorName
    params: IndicatorParams
    times: list[int]
    values: dict[str, list[float | None]]

    @model_validator(mode="before")
    @classmethod
    def _params_for_name(cls, data: Any) -> Any:
        return _build_params(data)
