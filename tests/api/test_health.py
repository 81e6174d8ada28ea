"""The API is served by the real app: health answers without a token."""

from __future__ import annotations

import aiohttp

from tests.api.conftest import Api


async def test_health_without_token(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{api.url}/api/v1/health") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["success"] is True
    assert body["data"]["mt5_connected"] is True
    assert body["data"]["active_ws_connections"] == 0
