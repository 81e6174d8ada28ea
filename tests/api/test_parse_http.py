"""`POST /api/v1/parse`: what a message means, with `needs`, and nothing done (issue 12)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api
from tests.api.rest_helpers import call, error, ok_data


async def _parse(api: Api, text: object, token: str | None = TOKEN) -> Any:
    return ok_data(*await call(api, "POST", "/parse", {"text": text}, token=token))


async def test_needs_are_shown_and_nothing_is_traded(api: Api) -> None:
    before = (api.sim.positions_total(), api.sim.orders_total())
    command = await _parse(api, "sell eurusd 1")
    assert command["intent"] == "open" and command["symbol"] == "EURUSD" and command["side"] == "sell"
    assert command["volume"] is None and command["price"] is None
    assert command["needs"] == ["volume_or_price"]
    assert "number" not in command  # internal: the question carries it, the contract does not
    assert (await _parse(api, "下单0.01手欧美", READ_ONLY_TOKEN))["needs"] == ["side"]  # a viewer may ask too
    closing = await _parse(api, "平仓0.01手黄金")
    assert closing["needs"] is None and closing["intent"] == "close"
    assert (await _parse(api, "唔好平倉"))["intent"] == "unknown"
    assert (api.sim.positions_total(), api.sim.orders_total()) == before


async def test_bad_bodies_are_refused(api: Api) -> None:
    for text in ("", 12, None, "x" * 5000):
        error(*await call(api, "POST", "/parse", {"text": text}), 400)
    error(*await call(api, "POST", "/parse", {"text": "buy gold"}, token=None), 401)  # no token
