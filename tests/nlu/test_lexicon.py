"""Lexicon, normalisation and the command model's contract."""

from __future__ import annotations

import pytest

from nlu import Command, Intent, Need, parse
from nlu.lexicon import SYMBOLS, lexicon
from nlu.normalize import cn_to_number, normalize
from nlu.settings import NLUSettings

SIMULATOR_SYMBOLS = (
    "EURUSD GBPUSD USDJPY AUDUSD NZDUSD USDCAD USDCHF EURJPY GBPJPY EURGBP XAUUSD XAGUSD USOIL UKOIL "
    "US30 NAS100 US500 GER40 HK50 BTCUSD ETHUSD"
).split()


def test_canonical_symbols_match_the_simulator() -> None:
    assert sorted(SYMBOLS) == sorted(SIMULATOR_SYMBOLS)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("XAUUSD", "XAUUSD"),
        ("XAUUSD.m", "XAUUSD"),
        ("XAUUSDm", "XAUUSD"),
        ("xauusd#", "XAUUSD"),
        ("GOLD", "XAUUSD"),
        ("GOLD.i#", "XAUUSD"),
        ("gold-ecn", "XAUUSD"),
        ("EURUSD.pro", "EURUSD"),
        ("EURUSD_i", "EURUSD"),
        ("US30.cash", "US30"),
        ("NAS100m", "NAS100"),
        ("美油", "USOIL"),
        ("WTI", "USOIL"),
        ("布油", "UKOIL"),
        ("大饼", "BTCUSD"),
        ("黃金", "XAUUSD"),
        ("恆指", "HK50"),
    ],
)
def test_resolve_names_and_broker_suffixes(name: str, canonical: str) -> None:
    assert lexicon().resolve(name) == canonical


@pytest.mark.parametrize("name", ["golden", "down", "金", "美元", "DOGEUSD", "xauusdxyz", ""])
def test_non_symbols_do_not_resolve(name: str) -> None:
    assert lexicon().resolve(name) is None


def test_config_aliases_extend_and_add_symbols() -> None:
    aliases = {"XAUUSD": ["黄货"], "jp225": ["日经"]}
    assert parse("买入0.1手黄货", aliases).symbol == "XAUUSD"
    assert parse("买入0.1手日经", aliases).symbol == "JP225"
    assert parse("买入0.1手黄货").symbol is None
    assert lexicon(aliases) is lexicon({"jp225": ("日经",), "XAUUSD": ("黄货",)})  # compiled once


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1.0),
        ("两", 2.0),
        ("十", 10.0),
        ("十五", 15.0),
        ("二十", 20.0),
        ("半", 0.5),
        ("零点五", 0.5),
        ("一点五", 1.5),
        ("三半", 3.5),
        ("一二", None),
        ("零", 0.0),
        ("点", None),
    ],
)
def test_chinese_numerals(text: str, value: float | None) -> None:
    assert cn_to_number(text) == value


def test_normalize_width_script_case_mentions() -> None:
    assert normalize("@交易助手 平倉０．０１手ＸＡＵＵＳＤ！") == "平仓0.01手xauusd!"
    assert normalize("buy 0.1 gold @2300") == "buy 0.1 gold @2300"
    assert normalize("x" * 2000) == ""


def test_command_dump_has_exactly_the_contract_keys() -> None:
    keys = [
        "intent",
        "symbol",
        "side",
        "volume",
        "order_type",
        "price",
        "sl",
        "tp",
        "fraction",
        "selector",
        "ticket",
        "magic",
        "period",
        "report",
        "day",
        "month",
        "account",
        "problem",
        "needs",
        "rule",
        "rule_id",
        "rule_needs",
    ]
    assert list(Command().model_dump()) == keys
    assert Command().intent is Intent.UNKNOWN
    assert parse("平仓0.01手黄金").model_dump()["intent"] == "close"


@pytest.mark.parametrize("field", [{"volume": 0}, {"volume": 1001}, {"price": 0}, {"sl": -1}, {"ticket": 0}])
def test_command_rejects_impossible_values(field: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        Command.model_validate({"intent": "open", **field})


def test_command_rejects_extra_keys() -> None:
    with pytest.raises(ValueError, match="Extra inputs"):
        Command.model_validate({"intent": "close", "skip_confirmation": True})


def test_configured_price_bands_decide_for_a_new_symbol() -> None:
    aliases = {"JP225": ["日经"]}
    # Without a band a lot-shaped number next to an unknown instrument is asked about...
    assert parse("buy jp225 2", aliases).needs == (Need.VOLUME_OR_PRICE,)
    # ...with one it is a lot (2 is no Nikkei price) and 38500 is a price (with an order-type word).
    bands = {"JP225": (20000.0, 60000.0)}
    assert parse("buy jp225 2", aliases, bands).volume == 2
    limit = parse("buy limit jp225 38500 2", aliases, bands)
    assert (limit.price, limit.volume) == (38500, 2)
    assert parse("买入日经 1手 止损5", aliases, bands).intent is Intent.UNKNOWN  # outside the band
    # A band overrides the built-in one.
    assert parse("sell gold 50", None, {"XAUUSD": (20.0, 80.0)}).needs == (Need.VOLUME_OR_PRICE,)


@pytest.mark.parametrize("band", [(0.0, 10.0), (10.0, 5.0), (1.0, float("inf")), (-1.0, 2.0)])
def test_impossible_price_bands_are_refused_at_load(band: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="price_bands"):
        NLUSettings(price_bands={"XAUUSD": band})
