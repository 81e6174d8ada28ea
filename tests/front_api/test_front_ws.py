"""`/api/v1/ws?account=NAME` on the front: a bridge's socket relayed both ways (its trade events reach the
front's client), the caller's token checked first, unknown accounts refused before the upgrade, and the
relay closed when the bridge goes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import READ_ONLY_TOKEN, TOKEN
from tests.front_api.conftest import Front, call

ORDER = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}


def _ws_url(front: Front, query: str) -> str:
    return front.url.replace("http://", "ws://") + "/api/v1/ws?" + query


async def _until_channel(ws: aiohttp.ClientWebSocketResponse, channel: str) -> dict[str, Any]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), 10)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        data: dict[str, Any] = json.loads(msg.data)
        if data["channel"] == channel:
            return data


async def test_a_bridges_trade_event_comes_through_the_front(front: Front) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(_ws_url(front, f"account=b&token={READ_ONLY_TOKEN}")) as relayed,
        http.ws_connect(_ws_url(front, f"token={TOKEN}")) as local,
    ):
        for ws in (relayed, local):
            await ws.send_json({"action": "subscribe", "channel": "trades", "id": 7})
            ack = await _until_channel(ws, "ack")
            assert ack["data"]["id"] == 7
        status, body, _ = await call(front.url, "POST", "/order/open?account=b", ORDER)
        assert status == 200, body
        event = await _until_channel(relayed, "trades")
        assert event["data"]["kind"] == "position_opened"
        assert event["data"]["position"]["ticket"] == body["data"]["outcomes"][0]["order"]
        # The front's own socket is its own terminal's: nothing of b's trade there.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_until_channel(local, "trades"), 0.5)
        # Errors of the bridge's protocol come back as it sent them.
        await relayed.send_str("not json")
        error = await _until_channel(relayed, "error")
        assert error["data"]["code"] == "invalid_json"


async def test_the_relay_closes_when_the_bridge_goes(front: Front) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(_ws_url(front, "account=c"), headers={"Authorization": f"Bearer {TOKEN}"}) as ws,
    ):
        await ws.send_json({"action": "subscribe", "channel": "account"})
        await _until_channel(ws, "ack")
        await front.bridges["c"].runner.cleanup()
        msg = await asyncio.wait_for(ws.receive(), 10)
        while msg.type is aiohttp.WSMsgType.TEXT:  # what was on its way
            msg = await asyncio.wait_for(ws.receive(), 10)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        assert ws.close_code == 1001


async def test_tokens_and_names_are_checked_before_the_upgrade(front: Front) -> None:
    async with aiohttp.ClientSession() as http:
        for query, status in (
            ("account=b", 401),
            ("account=b&token=wrong-token-0123456789", 401),
            (f"account=zz&token={TOKEN}", 400),
        ):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(_ws_url(front, query))
            assert refused.value.status == status, query
    await front.bridges["b"].runner.cleanup()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(_ws_url(front, f"account=b&token={TOKEN}"))
        assert refused.value.status == 503
        async with http.ws_connect(_ws_url(front, f"account=A&token={TOKEN}")) as local:  # its own terminal
            await local.send_json({"action": "subscribe", "channel": "account"})
            assert (await _until_channel(local, "ack"))["data"]["channel"] == "account"


async def test_a_browser_offering_its_token_as_a_subprotocol_gets_the_relay(front: Front) -> None:
    """The dashboard cannot send headers on a WebSocket: its token comes as `bearer.<token>` and the front
    selects `mt5bot`, as the service's own socket does (a browser drops a socket whose protocol is unset)."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(_ws_url(front, "account=b"), protocols=("mt5bot", f"bearer.{READ_ONLY_TOKEN}")) as ws,
    ):
        assert ws.protocol == "mt5bot"
        await ws.send_json({"action": "subscribe", "channel": "account", "id": 1})
        assert (await _until_channel(ws, "account"))["data"]["balance"] > 0
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(
                _ws_url(front, "account=b"), protocols=("mt5bot", "bearer.wrong-token-0123")
            )
        assert refused.value.status == 401
