"""The doctor's rules as plain functions: terminal and account flags, margin mode, symbols, clock, output."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mt5bot.config import Settings
from mt5bot.doctor import render
from mt5bot.doctor import terminal as rules
from mt5bot.doctor.local import python_version
from mt5bot.doctor.model import Check, Status, fail, ok, skip, warn
from mt5bot.doctor.runner import mask, secret_values
from mt5bridge.simulator.settings import MarginMode as SimMode
from mt5bridge.terminal.enums import AccountTradeMode, MarginMode
from mt5bridge.terminal.models import Account, TerminalState

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def terminal(**changes: Any) -> TerminalState:
    base = {"connected": True, "trade_allowed": True, "tradeapi_disabled": False, "build": 4755,
            "company": "Broker Ltd", "name": "MetaTrader 5", "path": "C:/MT5", "ping_last_us": 900}  # fmt: skip
    return TerminalState(**{**base, **changes})


def account(**changes: Any) -> Account:
    numbers = dict.fromkeys(("balance", "credit", "profit", "equity", "margin", "margin_free", "margin_level",
                             "margin_so_call", "margin_so_so"), 0.0)  # fmt: skip
    base = {"login": 5001, "name": "A", "server": "Broker-Demo", "company": "Broker Ltd", "currency": "USD",
            "currency_digits": 2, "leverage": 100, "trade_mode": AccountTradeMode.DEMO,
            "margin_mode": MarginMode.RETAIL_HEDGING, "trade_allowed": True, "trade_expert": True,
            "limit_orders": 0, "fifo_close": False, **numbers}  # fmt: skip
    return Account(**{**base, **changes})


def test_algo_trading_in_the_terminal() -> None:
    assert rules.algo_terminal(terminal()).status is Status.OK
    off = rules.algo_terminal(terminal(trade_allowed=False))
    assert off.status is Status.FAIL and "10027" in off.detail and "Algo Trading" in off.hint
    api = rules.algo_terminal(terminal(tradeapi_disabled=True))
    assert api.status is Status.FAIL and "external Python API" in api.detail


def test_algo_trading_for_the_account() -> None:
    assert rules.algo_account(account()).status is Status.OK
    investor = rules.algo_account(account(trade_allowed=False))
    assert investor.status is Status.FAIL and "investor password" in investor.detail
    no_ea = rules.algo_account(account(trade_expert=False))
    assert no_ea.status is Status.FAIL and "broker" in no_ea.detail


def test_link_to_the_trade_server() -> None:
    assert rules.link(terminal()).status is Status.OK
    assert rules.link(terminal(connected=False)).status is Status.FAIL


@pytest.mark.parametrize(
    ("mode", "simulator", "expected"),
    [
        (MarginMode.RETAIL_HEDGING, None, Status.OK),
        (MarginMode.RETAIL_NETTING, None, Status.OK),
        (MarginMode.EXCHANGE, None, Status.WARN),
        (MarginMode.RETAIL_HEDGING, SimMode.HEDGING, Status.OK),
        (MarginMode.RETAIL_NETTING, SimMode.HEDGING, Status.FAIL),
    ],
)
def test_margin_mode(mode: MarginMode, simulator: SimMode | None, expected: Status) -> None:
    assert rules.margin_mode(account(margin_mode=mode), simulator).status is expected


def test_symbols_resolve_like_the_trading_core() -> None:
    broker = ["XAUUSD.m", "EURUSDm", "GOLD#", "US500"]
    assert rules.broker_name("XAUUSD", broker, None) == "XAUUSD.m"
    assert rules.broker_name("EURUSD", broker, None) == "EURUSDm"
    assert rules.broker_name("SPX500", broker, None) == "US500"  # a broker synonym
    assert rules.broker_name("US30", broker, None) is None
    assert rules.broker_name("金仔", broker, {"金仔": "XAUUSD"}.get) == "XAUUSD.m"
    check = rules.symbols({"US30": ["risk.allowed_symbols"], "XAUUSD": ["nlu.aliases"]}, broker, None)
    assert check.status is Status.FAIL
    assert check.detail == "not at the broker: US30 (risk.allowed_symbols)"


def test_named_symbols_lists_every_place() -> None:
    settings = Settings.model_validate({
        "nlu": {"aliases": {"XAUUSD": ["金仔"]}, "price_bands": {"JP225": [20000, 60000]}},
        "risk": {"allowed_symbols": ["XAUUSD"]},
        "users": [{"platform": "qq", "id": "10001", "allowed_symbols": ["EURUSD"]}],
    })  # fmt: skip
    assert rules.named_symbols(settings) == {
        "XAUUSD": ["nlu.aliases", "risk.allowed_symbols"],
        "JP225": ["nlu.price_bands"],
        "EURUSD": ["users[qq:10001].allowed_symbols"],
    }


@pytest.mark.parametrize(
    ("quote_minus_now", "expected", "words"),
    [
        (-1.5, Status.OK, "within 30 s"),
        (90.0, Status.WARN, "90 s behind"),
        (-60.0, Status.WARN, "60 s ahead of"),
        (-3 * 3600.0, Status.OK, "not measurable"),
    ],
)
def test_clock_skew(quote_minus_now: float, expected: Status, words: str) -> None:
    check = rules.clock_skew(NOW + timedelta(seconds=quote_minus_now), NOW)
    assert check.status is expected
    assert words in check.detail


def test_clock_without_quotes_warns() -> None:
    assert rules.clock_skew(None, NOW).status is Status.WARN


def test_server_offset_against_the_setting() -> None:
    now = NOW.timestamp()
    assert rules.offset_check(7200, int(now + 7200 - 2), now) is None
    wrong = rules.offset_check(None, int(now + 7200 - 2), now)
    assert wrong is not None and wrong.status is Status.WARN
    assert "mt5.server_utc_offset: 7200" in wrong.hint
    assert rules.offset_check(None, int(now - 2 * 86400 + 1000), now) is None  # a weekend's stale quote


def test_python_version() -> None:
    assert python_version((3, 11, 7)).status is Status.OK
    old = python_version((3, 10, 12))
    assert old.status is Status.FAIL and "3.10.12" in old.detail


def test_secrets_are_masked_everywhere() -> None:
    settings = Settings.model_validate({
        "security": {"token": "api-token-0123456789"},
        "telegram": {"token": "42:tg-secret-value"},
        "wecom": {"robots": {"ops": "robot-key-abcdef"}},
        "database": {"url": "postgresql+asyncpg://u:db-pass-xyz@localhost/db"},
    })  # fmt: skip
    secrets = secret_values(settings)
    assert {"api-token-0123456789", "42:tg-secret-value", "robot-key-abcdef", "db-pass-xyz"} <= set(secrets)
    leaky = [
        fail("telegram", "GET http://x/bot42:tg-secret-value/getMe: 401", "robot-key-abcdef db-pass-xyz")
    ]
    (clean,) = mask(leaky, secrets)
    assert clean.detail == "GET http://x/bot***/getMe: 401"
    assert clean.hint == "*** ***"


def _sample() -> list[Check]:
    return [ok("python", "Python 3.11.7"), warn("clock", "40 s behind", "sync"),
            fail("tokens", "too short", "choose a longer one"), skip("tls", "TLS is off")]  # fmt: skip


def test_text_has_one_line_per_check_and_hints_under_problems() -> None:
    lines = render.text(_sample()).splitlines()
    assert lines[0].startswith("✓ python")
    assert lines[1].startswith("! clock")
    assert lines[2].strip() == "-> sync"
    assert lines[3].startswith("✗ tokens")
    assert lines[4].strip() == "-> choose a longer one"
    assert lines[5].startswith("- tls")
    assert lines[-1] == "some checks failed: 1 ok, 1 warn, 1 fail, 1 skip"


def test_text_falls_back_to_ascii_marks() -> None:
    out = render.text(_sample(), "cp437")
    assert "✓" not in out and "✗" not in out
    assert out.splitlines()[3].startswith("x tokens")


def test_json_shape() -> None:
    body = json.loads(render.as_json(_sample()))
    assert body["ok"] is False
    assert body["checks"][2] == {
        "name": "tokens",
        "status": "fail",
        "detail": "too short",
        "hint": "choose a longer one",
    }
    assert json.loads(render.as_json(_sample()[:1]))["ok"] is True


def test_a_probe_that_raises_is_its_own_failed_line() -> None:
    from mt5bot.doctor.platforms import as_check

    line = as_check("llm", RuntimeError("odd answer"))
    assert (line.name, line.status) == ("llm", Status.FAIL)
    assert "RuntimeError: odd answer" in line.detail
    assert as_check("llm", ok("llm")) == ok("llm")
