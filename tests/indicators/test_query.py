"""Parsing names and query parameters, and refusing what is malformed or out of range."""

from __future__ import annotations

import pytest

from mt5bridge.trading.indicators import (
    AppliedPrice,
    BandsParams,
    IndicatorError,
    IndicatorName,
    IndicatorRequest,
    InvalidParameterError,
    MAMethod,
    MAParams,
    StochasticParams,
    UnknownIndicatorError,
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ma", IndicatorName.MA),
        ("Moving_Average", IndicatorName.MA),
        ("rsi", IndicatorName.RSI),
        ("MACD", IndicatorName.MACD),
        ("bands", IndicatorName.BANDS),
        ("BB", IndicatorName.BANDS),
        ("BollingerBands", IndicatorName.BANDS),
        ("bollinger-bands", IndicatorName.BANDS),
        ("Stochastic", IndicatorName.STOCHASTIC),
        ("stoch", IndicatorName.STOCHASTIC),
        ("atr", IndicatorName.ATR),
        ("Ichimoku", IndicatorName.ICHIMOKU),
        ("cci", IndicatorName.CCI),
    ],
)
def test_names_and_aliases_are_case_insensitive(text: str, name: IndicatorName) -> None:
    assert IndicatorRequest.from_query(text, {}).name is name


def test_defaults_are_mt5s() -> None:
    assert IndicatorRequest.from_query("MA", {}).params == MAParams(
        period=10, method=MAMethod.SMA, applied_price=AppliedPrice.CLOSE, shift=0
    )
    assert IndicatorRequest.from_query("BB", {}).params == BandsParams(period=20, deviation=2.0, shift=0)
    assert IndicatorRequest.from_query("stoch", {}).params == StochasticParams(
        k_period=5, d_period=3, slowing=3
    )


def test_design_doc_query_resolves_to_the_design_doc_params() -> None:
    query = {"period": "10", "shift": "0", "ma_method": "sma", "applied_price": "close"}
    request = IndicatorRequest.from_query("MA", query)
    assert request.params.model_dump(mode="json") == {
        "period": 10,
        "method": "sma",
        "applied_price": "close",
        "shift": 0,
    }


@pytest.mark.parametrize(("alias", "method"), [("SMA", MAMethod.SMA), ("ema", MAMethod.EMA)])
def test_sma_and_ema_are_ma_with_a_method(alias: str, method: MAMethod) -> None:
    request = IndicatorRequest.from_query(alias, {"period": "20"})
    assert request.name is IndicatorName.MA
    assert request.params == MAParams(period=20, method=method)


def test_enum_values_accept_mt5_spellings() -> None:
    request = IndicatorRequest.from_query("MA", {"MA_Method": "MODE_LWMA", "price": "PRICE_WEIGHTED"})
    assert request.params == MAParams(method=MAMethod.LWMA, applied_price=AppliedPrice.WEIGHTED)


@pytest.mark.parametrize(
    ("name", "query", "fragment"),
    [
        ("MA", {"perod": "10"}, "unknown parameter 'perod'"),
        ("MA", {"period": "abc"}, "period must be an integer"),
        ("MA", {"period": "10.5"}, "period must be an integer"),
        ("MA", {"period": "0"}, "greater than or equal to 1"),
        ("MA", {"period": "100000"}, "less than or equal to 2000"),
        ("MA", {"method": "hull"}, "method must be one of sma, ema, smma, lwma"),
        ("MA", {"period": "5", "ma_period": "6"}, "given twice"),
        ("EMA", {"method": "sma"}, "implies method ema"),
        ("RSI", {"shift": "1"}, "unknown parameter 'shift'"),
        ("MACD", {"fast_ema": "26", "slow_ema": "12"}, "must be smaller than slow_ema"),
        ("MACD", {"signal_period": "1"}, "greater than or equal to 2"),
        ("BB", {"period": "1"}, "greater than or equal to 2"),
        ("BB", {"deviation": "0"}, "greater than 0"),
        ("BB", {"deviation": "nan"}, "deviation"),
        ("BB", {"shift": "-1"}, "greater than or equal to 0"),
        ("stoch", {"d_period": "1", "ma_method": "ema"}, "only supported with method sma"),
        ("stoch", {"price_field": "open"}, "price_field must be one of lowhigh, closeclose"),
        ("CCI", {"applied_price": "volume"}, "applied_price must be one of"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(
    name: str, query: dict[str, str], fragment: str
) -> None:
    with pytest.raises(InvalidParameterError, match=None) as caught:
        IndicatorRequest.from_query(name, query)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_unknown_indicator_lists_the_known_ones() -> None:
    with pytest.raises(UnknownIndicatorError) as caught:
        IndicatorRequest.from_query("SuperTrend", {})
    assert "RSI" in str(caught.value)
    assert isinstance(caught.value, IndicatorError)
    assert caught.value.code == "unknown_indicator"


def test_params_must_match_the_name() -> None:
    with pytest.raises(ValueError, match="takes RSIParams"):
        IndicatorRequest(name=IndicatorName.RSI, params=MAParams())


def test_request_from_plain_data_builds_the_named_params() -> None:
    request = IndicatorRequest.model_validate({"name": "ATR", "params": {"period": 7}})
    assert request.params.model_dump() == {"period": 7}
    assert request.outputs == ("main",)
