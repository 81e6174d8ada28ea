"""`POST /api/v1/parse`: what a message means, with `needs`, and nothing done (issue 12)."""

from __future__ import annotations

import aiohttp

from tests.api.conftest import READ_ONLY_TOKEN, Api


async def _parse(
    http: aiohttp.ClientSession, api: Api, text: object, token: str | None = None
) -> tuple[int, dict]:
    headers = api.headers(token) if token else api.headers()
    async with http.post(f"{api.url}/api/v1/parse", json={"text": text}, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_needs_are_shown_and_nothing_is_traded(api: Api) -> None:
    before = (api.sim.positions_total(), api.sim.orders_total())
    async with aiohttp.ClientSession() as http:
        status, payload = await _parse(http, api, "sell eurusd 1")
        assert status == 200 and payload["success"] is True
        command = payload["data"]
        assert command["intent"] == "open" and command["symbol"] == "EURUSD" and command["side"] == "sell"
        assert command["volume"] is None and command["price"] is None
        assert command["needs"] == ["volume_or_price"]
        assert "number" not in command  # internal: the question carries it, the contract does not
        status, payload = await _parse(http, api, "下单0.01手欧美", READ_ONLY_TOKEN)  # a viewer may ask too
        assert status == 200 and payload["data"]["needs"] == ["side"]
        status, payload = await _parse(http, api, "平仓0.01手黄金")
        assert payload["data"]["needs"] is None and payload["data"]["intent"] == "close"
        status, payload = await _parse(http, api, "唔好平倉")
        assert payload["data"]["intent"] == "unknown"
    assert (api.sim.positions_total(), api.sim.orders_total()) == before


async def test_bad_bodies_are_refused(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        for text in ("", 12, None, "x" * 5000):
            status, payload = await _parse(http, api, text)
            assert status == 400 and payload["success"] is False, text
        async with http.post(f"{api.url}/api/v1/parse", json={"text": "buy gold"}) as resp:
            assert resp.status == 401  # no token
