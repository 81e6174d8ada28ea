"""REST gets the chat's protection (issue 11, point 3): an order sent with the preview the client agreed to
(`expected_preview`) is refused with 409 `preview_changed` and the fresh preview when the plan or a
market price moved beyond the deviation; the Idempotency-Key stays free for the fresh preview."""

from __future__ import annotations

from typing import Any

from mt5bridge.terminal import constants as C
from tests.api.conftest import Api
from tests.api.rest_helpers import call, error, market, ok_data

OPEN: dict[str, Any] = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01, "deviation": 10}


async def _preview(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    preview: dict[str, Any] = ok_data(*await call(api, "POST", "/order/preview", body))
    return preview


async def test_an_open_whose_price_moved_is_409_with_the_fresh_preview(api: Api) -> None:
    api.sim.set_price("XAUUSD", 2000.00, 2000.20)
    seen = await _preview(api, {"action": "open", **OPEN})
    api.sim.set_price("XAUUSD", 2001.00, 2001.20)  # 100 points; the deviation is 10
    key = {"Idempotency-Key": "agreed-1"}
    body = error(
        *await call(api, "POST", "/order/open", {**OPEN, "expected_preview": seen}, headers=key),
        409,
        "preview_changed",
    )
    assert body["reason"] == "price_moved" and body["preview"]["price"] == 2001.20
    assert api.sim.positions_total() == 0
    # the same key, with the preview the client now agrees to, runs
    again = {**OPEN, "expected_preview": body["preview"]}
    done = ok_data(*await call(api, "POST", "/order/open", again, headers=key))
    assert done["ok"] is True and done["replayed"] is False and api.sim.positions_total() == 1


async def test_a_close_whose_plan_changed_is_409_with_the_new_legs(api: Api) -> None:
    first = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    seen = await _preview(api, {"action": "close_all", "symbol": "XAUUSD"})
    second = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    body = error(
        *await call(api, "POST", "/order/close_all", {"symbol": "XAUUSD", "expected_preview": seen}),
        409,
        "preview_changed",
    )
    assert body["reason"] == "plan_changed"
    assert [leg["ticket"] for leg in body["preview"]["legs"]] == [first, second]
    assert api.sim.positions_total() == 2


async def test_an_unchanged_preview_is_sent_and_without_one_nothing_is_compared(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    close = {"symbol": "XAUUSD", "volume": 0.01}
    seen = await _preview(api, {"action": "close", **close})
    done = ok_data(*await call(api, "POST", "/order/close", {**close, "expected_preview": seen}))
    assert done["ok"] is True
    ok_data(*await call(api, "POST", "/order/close", close))  # no expected_preview: as before
    assert api.sim.positions_total() == 0


async def test_a_preview_route_does_not_take_an_expected_preview(api: Api) -> None:
    seen = await _preview(api, {"action": "open", **OPEN})
    body = {"action": "open", **OPEN, "expected_preview": seen}
    error(*await call(api, "POST", "/order/preview", body), 400, "invalid_request")
    error(
        *await call(api, "POST", "/order/open", {**OPEN, "expected_preview": {"x": 1}}),
        400,
        "invalid_request",
    )
