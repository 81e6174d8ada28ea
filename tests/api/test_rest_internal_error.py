"""Failures the API does not expect end as an envelope that names no internals."""

from __future__ import annotations

import aiohttp
import sqlalchemy as sa

from mt5bot.keys import DATABASE
from tests.api.conftest import Api


async def test_terminal_anomaly_is_a_502_without_internals(api: Api) -> None:
    sim = api.sim
    ticket = sim.order_send(
        {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "type_filling": 1}
    ).order
    sim.book.positions[ticket].type = 9  # the terminal reports a position type MT5 does not define
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api.url}/api/v1/positions", headers=api.headers()) as resp:
            body = await resp.json()
            assert resp.status == 502
    assert body["success"] is False
    assert "Traceback" not in body["error"]


async def test_broken_database_is_a_generic_500_and_nothing_is_sent(api: Api) -> None:
    async with api.app[DATABASE].connector.engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE request_ids"))  # the database is broken underneath us
    order = {"symbol": "EURUSD", "type": "buy", "volume": 0.1}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.url}/api/v1/order/open", json=order, headers=api.headers()) as resp:
            body = await resp.json()
            assert resp.status == 500
    assert body == {
        "success": False,
        "error": "internal server error; the incident was logged",
        "code": "internal_error",
    }
    assert api.sim.positions_total() == 0  # no idempotency claim, no order
