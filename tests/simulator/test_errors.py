"""Bad requests get MT5's own retcodes and comments, and change nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from mt5bridge.simulator import Simulator
from tests.simulator.conftest import SATURDAY, deal, snapshot


@pytest.mark.parametrize(
    ("symbol", "volume", "extra", "retcode", "comment"),
    [
        ("EURUSD", 0.015, {}, 10014, "Invalid volume"),
        ("EURUSD", 0.0, {}, 10014, "Invalid volume"),
        ("EURUSD", 101.0, {}, 10014, "Invalid volume"),
        ("NOSUCH", 0.1, {}, 10013, "Invalid request"),
        ("EURUSD", 0.1, {"sl": 5.0}, 10016, "Invalid stops"),
        ("EURUSD", 0.1, {"tp": 0.5}, 10016, "Invalid stops"),
        ("EURUSD", 0.1, {"sl": 1.1234567}, 10016, "Invalid stops"),
        ("EURUSD", 1000.0, {}, 10014, "Invalid volume"),
        ("XAUUSD", 50.0, {}, 10019, "No money"),
        ("XAGUSD", 0.1, {"type_filling": 1}, 10030, "Unsupported filling mode"),
    ],
)
def test_refused_deals(
    mt5: Simulator, symbol: str, volume: float, extra: dict, retcode: int, comment: str
) -> None:
    before = snapshot(mt5)
    result = deal(mt5, symbol, "buy", volume, **extra)
    assert (result.retcode, result.comment) == (retcode, comment)
    assert (result.deal, result.order, result.volume) == (0, 0, 0.0)
    assert snapshot(mt5) == before


def test_stops_level_is_enforced(mt5: Simulator) -> None:
    mt5.set_price("EURJPY", 160.000, 160.006)  # stops level 10 points = 0.010
    assert deal(mt5, "EURJPY", "buy", 0.1, sl=159.995).retcode == 10016
    assert deal(mt5, "EURJPY", "buy", 0.1, sl=159.990).retcode == 10009


def test_market_closed_on_saturday() -> None:
    mt5 = Simulator(seed=1, start=SATURDAY)
    mt5.initialize()
    before = snapshot(mt5)
    result = deal(mt5, "EURUSD", "buy", 0.1)
    assert (result.retcode, result.comment) == (10018, "Market closed")
    assert snapshot(mt5) == before
    assert deal(mt5, "BTCUSD", "buy", 0.01).retcode == 10009  # crypto trades at weekends


def test_always_open_market_hours() -> None:
    mt5 = Simulator(seed=1, start=SATURDAY, market_hours="always")
    mt5.initialize()
    assert deal(mt5, "EURUSD", "buy", 0.1).retcode == 10009


def test_auto_trading_disabled(mt5: Simulator) -> None:
    mt5.set_trade_allowed(False)
    assert not mt5.terminal_info().trade_allowed
    result = deal(mt5, "EURUSD", "buy", 0.1)
    assert (result.retcode, result.comment) == (10027, "AutoTrading disabled by client")
    assert mt5.positions_total() == 0


@pytest.mark.parametrize(
    ("mode", "side", "retcode"),
    [(0, "buy", 10017), (1, "sell", 10042), (2, "buy", 10043), (3, "buy", 10044)],
)
def test_symbol_trade_modes(mt5: Simulator, mode: int, side: str, retcode: int) -> None:
    mt5.set_trade_mode("EURUSD", mode)
    assert deal(mt5, "EURUSD", side, 0.1).retcode == retcode


def test_close_only_still_closes(mt5: Simulator) -> None:
    ticket = deal(mt5, "EURUSD", "buy", 0.1).order
    mt5.set_trade_mode("EURUSD", mt5.SYMBOL_TRADE_MODE_CLOSEONLY)
    assert deal(mt5, "EURUSD", "sell", 0.1, position=ticket).retcode == 10009


@pytest.mark.parametrize(
    ("field", "value"),
    [("volume", None), ("volume", Decimal("0.1")), ("volume", "0.1"), ("sl", float("nan")), ("type", 0.5)],
)
def test_wrong_argument_types_never_reach_the_server(mt5: Simulator, field: str, value: object) -> None:
    before = snapshot(mt5)
    request = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "type_filling": 1, field: value}
    assert mt5.order_send(request) is None
    assert mt5.last_error() == (-2, f'Invalid "{field}" argument')
    assert snapshot(mt5) == before


def test_comment_longer_than_31_chars_is_refused(mt5: Simulator) -> None:
    assert deal(mt5, "EURUSD", "buy", 0.1, comment="x" * 32) is None
    assert mt5.last_error() == (-2, 'Invalid "comment" argument')
    assert deal(mt5, "EURUSD", "buy", 0.1, comment="x" * 31).retcode == 10009


def test_missing_terminal() -> None:
    mt5 = Simulator(seed=1)
    assert mt5.account_info() is None  # not initialised
    assert mt5.last_error() == (-10004, "No IPC connection")
    assert mt5.initialize()
    mt5.disconnect()
    assert mt5.positions_get() is None and mt5.order_send({"action": 1}) is None
    assert mt5.last_error()[0] == -10004
    mt5.reconnect()
    assert mt5.positions_get() == ()
    assert mt5.last_error() == (1, "Success")


def test_unknown_symbol_reads(mt5: Simulator) -> None:
    assert mt5.symbol_info("NOPE") is None
    assert mt5.last_error() == (-4, "Terminal: Not found")
    assert mt5.copy_rates_from_pos("NOPE", mt5.TIMEFRAME_H1, 0, 10) is None
    assert mt5.copy_rates_from_pos("EURUSD", 12345, 0, 10) is None
    assert mt5.last_error()[0] == -2
    assert mt5.history_deals_get("yesterday", datetime(2026, 1, 1)) is None
    assert mt5.last_error()[0] == -2


def test_initialize_with_wrong_login_fails() -> None:
    mt5 = Simulator(seed=1)
    assert mt5.initialize(login=42, password="x", server="y") is False
    assert mt5.last_error()[0] == -6
