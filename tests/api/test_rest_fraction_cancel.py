"""REST: closing a share of a holding (`fraction`) and cancelling pending orders by side, kind and magic,
on the real server with the simulator behind it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mt5bridge.terminal import constants as C
from tests.api.conftest import Api
from tests.api.rest_helpers import call, error, market, ok_data


def _book(api: Api) -> list[tuple[int, float]]:
    return sorted((p.ticket, p.volume) for p in api.sim.positions_get() or ())


def _pending(api: Api) -> set[int]:
    return {o.ticket for o in api.sim.orders_get() or ()}


async def _place(api: Api, symbol: str, type_: str, price: float, magic: int = 0) -> int:
    body = {"symbol": symbol, "type": type_, "volume": 0.1, "price": price, "magic": magic}
    result = ok_data(*await call(api, "POST", "/order/open", body))
    return int(result["outcomes"][0]["order"])


# --- fraction ------------------------------------------------------------------------------------------
async def test_half_of_gold_is_previewed_confirmed_and_replayed_once(api: Api) -> None:
    first = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10)
    second = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.20)
    close = {"symbol": "XAUUSD", "fraction": 0.5}
    seen = ok_data(*await call(api, "POST", "/order/preview", {"action": "close", **close}))
    assert (seen["fraction"], seen["held_volume"], seen["volume"]) == (0.5, 0.3, 0.15)
    assert [(leg["ticket"], leg["volume"]) for leg in seen["legs"]] == [(first, 0.10), (second, 0.05)]
    key = {"Idempotency-Key": "half-gold-1"}
    body = {**close, "expected_preview": seen}
    done = ok_data(*await call(api, "POST", "/order/close", body, headers=key))
    assert done["ok"] is True and done["replayed"] is False
    assert _book(api) == [(second, 0.15)]
    again = ok_data(*await call(api, "POST", "/order/close", body, headers=key))
    assert again["replayed"] is True and again["outcomes"] == done["outcomes"]
    assert _book(api) == [(second, 0.15)]  # not closed twice


async def test_fraction_one_closes_everything_and_odd_shares_round_half_up(api: Api) -> None:
    gold = market(api, "XAUUSD", C.ORDER_TYPE_SELL, 0.03)
    market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.10)
    market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.20)
    half = ok_data(*await call(api, "POST", "/order/close", {"symbol": "XAUUSD", "fraction": 0.5}))
    assert half["preview"]["volume"] == 0.02  # 1.5 steps of 0.01, half up
    assert _book(api)[0] == (gold, 0.01)
    ok_data(*await call(api, "POST", "/order/close", {"symbol": "EURUSD", "fraction": 1}))
    assert _book(api) == [(gold, 0.01)]


async def test_fraction_with_volume_is_400_and_changes_nothing(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10)
    before = _book(api)
    body = {"symbol": "XAUUSD", "fraction": 0.5, "volume": 0.05}
    failed = error(*await call(api, "POST", "/order/close", body), 400, "invalid_request")
    assert "not both" in failed["error"]
    error(*await call(api, "POST", "/order/preview", {"action": "close", **body}), 400, "invalid_request")
    assert _book(api) == before


@pytest.mark.parametrize("fraction", [0, 0.0, 1.5, -0.5, 1e308, "0.5", True])
async def test_bad_fractions_are_400(api: Api, fraction: Any) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10)
    before = _book(api)
    body = {"symbol": "XAUUSD", "fraction": fraction}
    failed = error(*await call(api, "POST", "/order/close", body), 400, "invalid_request")
    assert "fraction" in failed["error"]
    assert _book(api) == before


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
async def test_non_finite_fractions_are_400(api: Api, raw: bytes) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10)
    before = _book(api)
    body = b'{"symbol": "XAUUSD", "fraction": ' + raw + b"}"
    error(*await call(api, "POST", "/order/close", raw=body), 400, "invalid_request")
    assert _book(api) == before


async def test_a_fraction_of_several_symbols_is_400(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10)
    market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.10)
    before = _book(api)
    body = {"selector": "all", "fraction": 0.5}
    failed = error(*await call(api, "POST", "/order/close", body), 400, "invalid_volume")
    assert "several symbols" in failed["error"]
    assert _book(api) == before


# --- cancel filters ------------------------------------------------------------------------------------
async def test_cancel_buy_stops_on_silver_leaves_the_rest(api: Api) -> None:
    api.sim.set_price("XAGUSD", 30.000, 30.020)
    api.sim.set_price("XAUUSD", 2000.00, 2000.12)
    buy_stop = await _place(api, "XAGUSD", "buy_stop", 31.000)
    ea_stop = await _place(api, "XAGUSD", "buy_stop", 31.500, magic=5)
    others = {
        await _place(api, "XAGUSD", "buy_limit", 29.000),
        await _place(api, "XAGUSD", "sell_stop", 29.000),
        await _place(api, "XAUUSD", "buy_stop", 2100.00),
    }
    body = {"symbol": "XAGUSD", "side": "buy", "order_type": "stop"}
    seen = ok_data(*await call(api, "POST", "/order/preview", {"action": "cancel", **body}))
    assert {leg["ticket"] for leg in seen["legs"]} == {buy_stop, ea_stop}
    done = ok_data(*await call(api, "POST", "/order/cancel", {**body, "expected_preview": seen}))
    assert {o["ticket"] for o in done["outcomes"]} == {buy_stop, ea_stop}
    assert _pending(api) == others


async def test_cancel_all_of_one_magic(api: Api) -> None:
    api.sim.set_price("XAGUSD", 30.000, 30.020)
    mine = await _place(api, "XAGUSD", "sell_limit", 31.000, magic=5)
    manual = await _place(api, "XAGUSD", "sell_limit", 31.100)
    done = ok_data(*await call(api, "POST", "/order/cancel", {"all": True, "magic": 5}))
    assert [o["ticket"] for o in done["outcomes"]] == [mine]
    assert _pending(api) == {manual}


@pytest.mark.parametrize(
    "body",
    [
        {"all": True, "order_type": "market"},
        {"all": True, "order_type": "pending"},
        {"all": True, "order_type": "stop_limit"},
        {"all": True, "side": "long"},
        {"all": True, "magic": -1},
        {"side": "buy", "order_type": "stop"},  # filters narrow a ticket, a symbol or all; alone: 400
        {"symbol": "XAGUSD", "all": True, "side": "buy"},
    ],
)
async def test_bad_cancel_bodies_are_400(api: Api, body: dict[str, Any]) -> None:
    api.sim.set_price("XAGUSD", 30.000, 30.020)
    order = await _place(api, "XAGUSD", "buy_stop", 31.000)
    error(*await call(api, "POST", "/order/cancel", body), 400, "invalid_request")
    assert _pending(api) == {order}


async def test_a_cancel_that_matches_nothing_is_no_orders(api: Api) -> None:
    api.sim.set_price("XAGUSD", 30.000, 30.020)
    order = await _place(api, "XAGUSD", "buy_limit", 29.000)
    body = {"symbol": "XAGUSD", "order_type": "stop"}
    error(*await call(api, "POST", "/order/cancel", body), 400, "no_orders")
    assert _pending(api) == {order}


async def test_the_openapi_document_shows_the_new_fields(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{api.url}/api/v1/openapi.json") as resp:
        spec = await resp.json()
    text = str(spec)
    assert "fraction" in text and "stop-limit orders included" in text
