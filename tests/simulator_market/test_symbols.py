"""Specification sanity for every catalogue symbol."""

from __future__ import annotations

import math

import pytest

from mt5bridge.simulator.sessions import SESSIONS
from mt5bridge.simulator.symbols import CATALOGUE, Category, SymbolSpec, get_spec
from mt5bridge.terminal import constants as c

REQUIRED = (
    "EURUSD GBPUSD USDJPY AUDUSD NZDUSD USDCAD USDCHF EURJPY GBPJPY EURGBP XAUUSD XAGUSD USOIL UKOIL "
    "US30 NAS100 US500 GER40 HK50 BTCUSD ETHUSD USDHKD"
).split()
FOK_IOC = c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC


def test_catalogue_has_required_symbols_once_in_stable_order() -> None:
    names = [s.name for s in CATALOGUE]
    assert sorted(names) == sorted(REQUIRED)
    assert len(set(names)) == len(names)
    assert names[0] == "EURUSD"


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.name)
def test_spec_is_consistent(spec: SymbolSpec) -> None:
    assert math.isclose(spec.point, 10.0**-spec.digits)
    steps = spec.tick_size / spec.point
    assert steps >= 1 and abs(steps - round(steps)) < 1e-9
    assert spec.spread > 0 and spec.spread % spec.tick_steps == 0
    assert 0 < spec.volume_min <= spec.volume_max
    for bound in (spec.volume_min, spec.volume_max):
        ratio = bound / spec.volume_step
        assert abs(ratio - round(ratio)) < 1e-9
    assert spec.stops_level >= spec.freeze_level >= 0
    assert spec.filling_mode & FOK_IOC and not spec.filling_mode & ~FOK_IOC
    assert spec.order_mode & c.SYMBOL_ORDER_MARKET and spec.order_mode & c.SYMBOL_ORDER_SL
    assert spec.expiration_mode & c.SYMBOL_EXPIRATION_GTC
    assert spec.exemode == c.SYMBOL_TRADE_EXECUTION_MARKET
    assert spec.session in SESSIONS
    assert spec.base_price > 0 and 0 < spec.daily_vol < 0.1
    assert spec.path.endswith("\\" + spec.name) and spec.path.startswith(spec.category)
    assert all(len(ccy) == 3 and ccy.isupper() for ccy in (spec.currency_base, spec.currency_profit))
    assert 0 <= spec.margin_hedged <= spec.contract_size


@pytest.mark.parametrize("spec", [s for s in CATALOGUE if s.category == Category.FOREX], ids=lambda s: s.name)
def test_forex_conventions(spec: SymbolSpec) -> None:
    assert spec.contract_size == 100_000
    assert spec.calc_mode == c.SYMBOL_CALC_MODE_FOREX
    assert spec.digits == (3 if spec.currency_profit == "JPY" else 5)
    assert spec.currency_margin == spec.currency_base == spec.name[:3]
    assert spec.currency_profit == spec.name[3:]
    assert spec.swap_rollover3days == c.DAY_OF_WEEK_WEDNESDAY


def test_contract_sizes_and_calc_modes_of_cfds() -> None:
    assert get_spec("XAUUSD").contract_size == 100
    assert get_spec("XAGUSD").contract_size == 5000
    assert get_spec("USOIL").contract_size == get_spec("UKOIL").contract_size == 1000
    # Every CFD margin mode is exercised: CFD (silver), CFD index (GER40), CFD leverage (the rest).
    assert get_spec("XAGUSD").calc_mode == c.SYMBOL_CALC_MODE_CFD
    assert get_spec("GER40").calc_mode == c.SYMBOL_CALC_MODE_CFDINDEX
    for spec in CATALOGUE:
        if spec.category != Category.FOREX:
            assert spec.currency_margin == spec.currency_profit
            if spec.name not in ("XAGUSD", "GER40"):
                assert spec.calc_mode == c.SYMBOL_CALC_MODE_CFDLEVERAGE
            else:
                assert 0 < spec.margin_rate < 1


def test_cross_currency_profits_are_exercised_and_convertible_to_usd() -> None:
    profit_ccys = {s.currency_profit for s in CATALOGUE}
    assert {"JPY", "EUR", "HKD", "GBP", "CAD", "CHF"} <= profit_ccys
    names = {s.name for s in CATALOGUE}
    for ccy in profit_ccys | {s.currency_margin for s in CATALOGUE}:
        assert ccy == "USD" or f"{ccy}USD" in names or f"USD{ccy}" in names, ccy
    assert get_spec("GER40").currency_profit == "EUR"
    assert get_spec("HK50").currency_profit == "HKD"


def test_filling_modes_vary() -> None:
    modes = {s.filling_mode for s in CATALOGUE}
    assert c.SYMBOL_FILLING_IOC in modes and c.SYMBOL_FILLING_FOK in modes and FOK_IOC in modes


def test_some_symbols_carry_commission_and_stops() -> None:
    assert get_spec("EURUSD").commission_per_lot > 0 and get_spec("XAUUSD").commission_per_lot > 0
    assert any(s.stops_level > 0 for s in CATALOGUE) and any(s.freeze_level > 0 for s in CATALOGUE)
    assert get_spec("US500").tick_size == 0.25 and get_spec("US500").point == 0.01
    assert get_spec("BTCUSD").volume_limit > 0


def test_get_spec_unknown_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_spec("EURUSD.m")


def test_inconsistent_spec_is_refused() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="point"):
        replace(get_spec("EURUSD"), point=0.001)
    with pytest.raises(ValueError, match="tick_size"):
        replace(get_spec("US500"), tick_size=0.015)
