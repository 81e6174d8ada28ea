"""Parsing of query-string input (name + string params) into a validated IndicatorRequest."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import ValidationError

from mt5bridge.trading.indicators.models import (
    IndicatorName,
    InvalidParameterError,
    MAMethod,
    UnknownIndicatorError,
)
from mt5bridge.trading.indicators.params import PARAMS_MODEL, IndicatorRequest

_N = IndicatorName
_M = MAMethod

# Normalised name (upper case, no spaces, dashes or underscores) -> indicator and implied MA method.
NAME_ALIASES: Mapping[str, tuple[IndicatorName, MAMethod | None]] = MappingProxyType(
    {
        "MA": (_N.MA, None),
        "MOVINGAVERAGE": (_N.MA, None),
        "SMA": (_N.MA, _M.SMA),
        "EMA": (_N.MA, _M.EMA),
        "SMMA": (_N.MA, _M.SMMA),
        "LWMA": (_N.MA, _M.LWMA),
        "RSI": (_N.RSI, None),
        "MACD": (_N.MACD, None),
        "BANDS": (_N.BANDS, None),
        "BB": (_N.BANDS, None),
        "BOLLINGER": (_N.BANDS, None),
        "BOLLINGERBANDS": (_N.BANDS, None),
        "STOCHASTIC": (_N.STOCHASTIC, None),
        "STOCH": (_N.STOCHASTIC, None),
        "ATR": (_N.ATR, None),
        "ICHIMOKU": (_N.ICHIMOKU, None),
        "CCI": (_N.CCI, None),
    }
)

_PRICE = {"applied_price": "applied_price", "price": "applied_price", "appliedprice": "applied_price"}
_PERIOD = {"period": "period", "ma_period": "period"}

# Query key (lower case, dashes as underscores) -> field name, per indicator.
PARAM_ALIASES: Mapping[IndicatorName, Mapping[str, str]] = MappingProxyType(
    {
        _N.MA: {
            **_PERIOD,
            **_PRICE,
            "method": "method",
            "ma_method": "method",
            "shift": "shift",
            "ma_shift": "shift",
        },
        _N.RSI: {**_PERIOD, **_PRICE},
        _N.MACD: {
            "fast_ema": "fast_ema",
            "fast": "fast_ema",
            "fast_ema_period": "fast_ema",
            "slow_ema": "slow_ema",
            "slow": "slow_ema",
            "slow_ema_period": "slow_ema",
            "signal_period": "signal_period",
            "signal": "signal_period",
            "signal_sma": "signal_period",
            **_PRICE,
        },
        _N.BANDS: {
            **_PERIOD,
            "bands_period": "period",
            "deviation": "deviation",
            "deviations": "deviation",
            "shift": "shift",
            "bands_shift": "shift",
            **_PRICE,
        },
        _N.STOCHASTIC: {
            "k_period": "k_period",
            "kperiod": "k_period",
            "d_period": "d_period",
            "dperiod": "d_period",
            "slowing": "slowing",
            "method": "method",
            "ma_method": "method",
            "price_field": "price_field",
            "sto_price": "price_field",
        },
        _N.ATR: dict(_PERIOD),
        _N.ICHIMOKU: {
            "tenkan": "tenkan",
            "tenkan_sen": "tenkan",
            "kijun": "kijun",
            "kijun_sen": "kijun",
            "senkou_b": "senkou_b",
            "senkou_span_b": "senkou_b",
            "senkou": "senkou_b",
        },
        _N.CCI: {**_PERIOD, **_PRICE},
    }
)

# Alternative spellings of enum values; MT5's own constant names are accepted too.
_ENUM_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "simple": "sma",
        "exponential": "ema",
        "smoothed": "smma",
        "linear_weighted": "lwma",
        "linearweighted": "lwma",
        "low_high": "lowhigh",
        "close_close": "closeclose",
    }
)
_ENUM_PREFIXES = ("mode_", "price_", "sto_")
_INT_RE = re.compile(r"[+-]?\d{1,9}")


def parse_name(text: str) -> tuple[IndicatorName, MAMethod | None]:
    """Resolve a case-insensitive name or alias; the method is set for SMA/EMA/SMMA/LWMA."""
    key = re.sub(r"[\s_\-]", "", text).upper()
    if key not in NAME_ALIASES:
        known = ", ".join(sorted(NAME_ALIASES))
        raise UnknownIndicatorError(f"unknown indicator {text!r}; known: {known}")
    return NAME_ALIASES[key]


def parse_request(name: str, params: Mapping[str, str]) -> IndicatorRequest:
    """Validate a name and string parameters into a request, with MT5 defaults for what is missing."""
    indicator, implied_method = parse_name(name)
    model = PARAMS_MODEL[indicator]
    fields = _resolve_fields(indicator, params)
    values: dict[str, object] = {}
    for field, raw in fields.items():
        values[field] = _parse_value(field, raw, model.model_fields[field].annotation)
    if implied_method is not None:
        given = values.get("method")
        if given is not None and given != implied_method:
            raise InvalidParameterError(
                f"{name} implies method {implied_method}, but method={given} was given"
            )
        values["method"] = implied_method
    try:
        built = model(**values)
    except ValidationError as exc:
        raise InvalidParameterError(_describe(exc)) from None
    return IndicatorRequest(name=indicator, params=built)


def _resolve_fields(indicator: IndicatorName, params: Mapping[str, str]) -> dict[str, str]:
    aliases = PARAM_ALIASES[indicator]
    fields: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, raw in params.items():
        norm = key.strip().lower().replace("-", "_")
        if norm not in aliases:
            allowed = ", ".join(PARAMS_MODEL[indicator].model_fields)
            raise InvalidParameterError(f"unknown parameter {key!r} for {indicator}; allowed: {allowed}")
        field = aliases[norm]
        if field in fields:
            raise InvalidParameterError(f"parameter {field!r} given twice (as {seen[field]!r} and {key!r})")
        fields[field] = raw
        seen[field] = key
    return fields


def _parse_value(field: str, raw: str, annotation: object) -> object:
    text = raw.strip()
    if annotation is int:
        if not _INT_RE.fullmatch(text):
            raise InvalidParameterError(f"{field} must be an integer, got {raw!r}")
        return int(text)
    if annotation is float:
        try:
            return float(text)
        except ValueError:
            raise InvalidParameterError(f"{field} must be a number, got {raw!r}") from None
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return _parse_enum(field, text, annotation)
    raise InvalidParameterError(f"parameter {field!r} cannot be set from a query")


def _parse_enum(field: str, text: str, enum: type[StrEnum]) -> StrEnum:
    key = text.lower().replace("-", "_")
    for prefix in _ENUM_PREFIXES:
        key = key.removeprefix(prefix)
    key = _ENUM_ALIASES.get(key, key)
    try:
        return enum(key)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidParameterError(f"{field} must be one of {allowed}; got {text!r}") from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
