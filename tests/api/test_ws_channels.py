"""WebSocket channels on the real server: authentication, ticks, account, trades, positions, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from api.keys import CLIENT
from api.security.auth import Authenticator
from api.ws import ws_hub
from mt5bot.keys import SETTINGS
from mt5bridge.terminal import constants as C
from storage.models import Role
from tests.api.conftest import READ_ONLY_TOKEN, Api, start_api
from tests.api.test_ws_helpers import eventually, is_tick, on_channel, receive, send, wait_for, ws_url


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
async def test_refused_before_upgrade_without_a_valid_token(api: Api, token: str | None) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url(api, token))
        assert refused.value.status == 401
        async with http.get(ws_url(api, token)) as resp:
            assert resp.status == 401
            body = await resp.json()
    assert body == {"success": False, "error": "missing or invalid token", "code": "unauthorized"}


async def test_read_only_token_and_jwt_are_accepted(api: Api) -> None:
    jwt = Authenticator(api.app[SETTINGS].security).mint(Role.VIEWER).token
    async with aiohttp.ClientSession() as http:
        for token in (READ_ONLY_TOKEN, jwt):
            async with http.ws_connect(ws_url(api, token)) as ws:
                await send(ws, action="subscribe", channel="trades")
                ack = await receive(ws)
                assert ack["channel"] == "ack"
        async with http.ws_connect(ws_url(api, None), headers=api.headers()) as ws:
            await send(ws, action="subscribe", channel="trades", id=7)
            assert (await receive(ws))["data"] == {"action": "subscribe", "channel": "trades", "id": 7}


async def test_ticks_subscribe_alias_then_unsubscribe(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        await send(ws, action="subscribe", channel="ticks", symbols=["eurusd", "xauusd", "EURUSD"])
        ack, _ = await wait_for(ws, on_channel("ack"))
        assert ack["data"]["symbols"] == ["EURUSD", "XAUUSD"]
        assert ack["data"]["subscribed"] == ["EURUSD", "XAUUSD"]

        api.sim.set_price("EURUSD", 1.23456)
        tick, _ = await wait_for(ws, is_tick("EURUSD", 1.23456))
        data = tick["data"]
        assert data["ask"] > data["bid"]
        assert {"symbol", "bid", "ask", "time", "time_server", "time_msc"} <= set(data)
        assert data["time"].endswith("Z")
        assert tick["time"].endswith("Z")
        offset = api.app[CLIENT].server_utc_offset
        server_wall = datetime.fromisoformat(data["time_server"]).replace(tzinfo=UTC)
        assert datetime.fromisoformat(data["time"]) == server_wall - timedelta(seconds=offset)

        await send(ws, action="unsubscribe", channel="ticks", symbols=["EURUSD"])
        ack, _ = await wait_for(ws, on_channel("ack"))
        assert ack["data"]["action"] == "unsubscribe"
        assert ack["data"]["subscribed"] == ["XAUUSD"]
        api.sim.set_price("EURUSD", 1.2)
        api.sim.set_price("XAUUSD", 2345.67)
        _, skipped = await wait_for(ws, is_tick("XAUUSD", 2345.67))
        api.sim.set_price("EURUSD", 1.21)
        api.sim.set_price("XAUUSD", 2345.0)
        _, skipped_later = await wait_for(ws, is_tick("XAUUSD", 2345.0))
    eurusd = [
        m for m in skipped + skipped_later if m["channel"] == "ticks" and m["data"]["symbol"] == "EURUSD"
    ]
    assert eurusd == []


async def test_unknown_symbol_is_named_and_nothing_subscribed(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        await send(ws, action="subscribe", channel="ticks", symbols=["EURUSD", "NOPE123"], id="a")
        error = await receive(ws)
        assert error["channel"] == "error"
        assert error["data"]["code"] == "unknown_symbol"
        assert "NOPE123" in error["data"]["message"]
        assert error["data"]["symbols"] == ["NOPE123"]
        assert error["data"]["id"] == "a"
        assert ws_hub(api.app).bus.tick_symbols() == frozenset()


async def test_account_trades_and_positions_channels(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(api)) as ws:
        for channel in ("account", "trades", "positions"):
            await send(ws, action="subscribe", channel=channel)
        account, _ = await wait_for(ws, on_channel("account"))
        assert account["data"]["kind"] == "account_update"
        assert account["data"]["balance"] > 0
        positions, _ = await wait_for(ws, on_channel("positions"))
        assert positions["data"] == []

        request = {
            "action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1, "type": C.ORDER_TYPE_BUY,
            "type_filling": C.ORDER_FILLING_IOC,
        }  # fmt: skip
        result = api.sim.send_as(request, C.DEAL_REASON_CLIENT)
        assert result is not None and result.retcode == C.TRADE_RETCODE_DONE
        seen: dict[str, dict[str, Any]] = {}

        def done(m: dict[str, Any]) -> bool:
            fresh = m["channel"] == "trades" or (m["channel"] == "positions" and m["data"])
            if fresh or (m["channel"] == "account" and m["data"]["margin"] > 0):
                seen.setdefault(m["channel"], m)
            return len(seen) == 3

        await wait_for(ws, done, within=10)
        opened, listed = seen["trades"], seen["positions"]
        assert opened["data"]["kind"] == "position_opened"
        assert opened["data"]["position"]["symbol"] == "EURUSD"
        (position,) = listed["data"]
        assert position["ticket"] == opened["data"]["position"]["ticket"]
        assert position["type"] == "buy"
        assert {"open_time", "current_price", "price_open", "volume", "profit"} <= set(position)

        await send(ws, action="unsubscribe", channel="trades")
        await wait_for(ws, lambda m: m["channel"] == "ack" and m["data"]["action"] == "unsubscribe")
        api.sim.send_as(
            {**request, "type": C.ORDER_TYPE_SELL, "position": position["ticket"]}, C.DEAL_REASON_CLIENT
        )
        _, skipped = await wait_for(ws, lambda m: m["channel"] == "positions" and m["data"] == [], within=10)
        assert [m for m in skipped if m["channel"] == "trades"] == []


async def test_health_counts_open_sockets(api: Api) -> None:
    async def count(http: aiohttp.ClientSession) -> int:
        async with http.get(f"{api.url}/api/v1/health") as resp:
            return int((await resp.json())["data"]["active_ws_connections"])

    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(ws_url(api)), http.ws_connect(ws_url(api, READ_ONLY_TOKEN)):
            await eventually(lambda: len(ws_hub(api.app).connections) == 2)
            assert await count(http) == 2
        await eventually(lambda: len(ws_hub(api.app).connections) == 0)
        assert await count(http) == 0


async def test_second_port_when_ws_port_is_set(tmp_path: Path) -> None:
    started = await start_api(tmp_path, server={"ws_port": 0})
    try:
        port = ws_hub(started.app).ws_port
        assert port is not None and f":{port}" not in started.url
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(ws_url(started, "bad", port=port))
            async with http.ws_connect(ws_url(started, port=port)) as ws:
                await send(ws, action="subscribe", channel="ticks", symbols=["GBPUSD"])
                await wait_for(ws, on_channel("ack"))
                started.sim.set_price("GBPUSD", 1.31313)
                await wait_for(ws, is_tick("GBPUSD", 1.31313))
    finally:
        await started.runner.cleanup()
