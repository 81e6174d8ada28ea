"""Helpers for the REST tests: one HTTP call returning (status, parsed envelope)."""

from __future__ import annotations

from typing import Any

import aiohttp

from mt5bridge.terminal import constants as C
from tests.api.conftest import TOKEN, Api


async def call(
    api: Api,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = TOKEN,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """`method` `/api/v1{path}` with a JSON body (or `raw` bytes); the status and the decoded envelope."""
    sent = dict(headers or {})
    if token is not None:
        sent.update(api.headers(token))
    kwargs: dict[str, Any] = {"headers": sent}
    if raw is not None:
        kwargs["data"] = raw
        sent.setdefault("Content-Type", "application/json")
    elif body is not None:
        kwargs["json"] = body
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{api.url}/api/v1{path}", **kwargs) as r,
    ):
        assert r.content_type == "application/json"
        return r.status, await r.json()


def ok_data(status: int, body: dict[str, Any]) -> Any:
    assert status == 200, body
    assert body["success"] is True
    return body["data"]


def error(status: int, body: dict[str, Any], expected: int, code: str | None = None) -> dict[str, Any]:
    assert status == expected, body
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    if code is not None:
        assert body["code"] == code, body
    return body


def market(api: Api, symbol: str, side: int, volume: float, magic: int = 0, reason: int | None = None) -> int:
    """Open a position straight on the simulator (as a trader's terminal would); its ticket."""
    tick = api.sim.symbol_info_tick(symbol)
    assert tick is not None
    result = api.sim.send_as(
        {
            "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume, "type": side,
            "price": tick.ask if side == C.ORDER_TYPE_BUY else tick.bid, "magic": magic,
            "type_filling": C.ORDER_FILLING_IOC,
        },
        C.DEAL_REASON_CLIENT if reason is None else reason,
    )  # fmt: skip
    assert result is not None and result.retcode == C.TRADE_RETCODE_DONE, result
    return int(result.order)
