"""A single-account service (no `AccountDirectory`): `?account=` accepts only its own name, `/accounts`
lists it alone; and the OpenAPI document describes `account` on every operation but the service's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api, start_api
from tests.front_api.conftest import Front, call

OWN_ROUTES = {"/api/v1/health", "/api/v1/auth/login", "/api/v1/accounts"}


async def test_a_single_account_service_takes_only_its_own_name(api: Api) -> None:
    plain = await call(api.url, "GET", "/positions?symbol=XAUUSD")
    named = await call(api.url, "GET", "/positions?symbol=XAUUSD&account=LOCAL")
    assert plain[0] == named[0] == 200 and plain[1] == named[1]
    status, body, _ = await call(api.url, "GET", "/positions?account=other")
    assert status == 400 and body["code"] == "unknown_account" and body["accounts"] == ["local"]
    status, body, _ = await call(api.url, "POST", "/order/open?account=other", {"symbol": "XAUUSD",
                                 "type": "buy", "volume": 0.01})  # fmt: skip
    assert status == 400 and body["code"] == "unknown_account" and api.sim.positions_total() == 0
    status, body, _ = await call(api.url, "GET", "/accounts", token=READ_ONLY_TOKEN)
    assert status == 200 and body["data"] == [
        {"name": "local", "label": None, "kind": "local", "default": True, "state": None, "since": None,
         "checked_at": None, "last_error": None, "latency_ms": None, "mt5_connected": True, "version": None,
         "feed": None},
    ]  # fmt: skip
    # Strict query models still refuse what they do not know, `account` aside.
    status, body, _ = await call(api.url, "GET", "/positions?account=local&bogus=1")
    assert status == 400 and "bogus" in body["error"] and "account" not in body["error"]
    async with aiohttp.ClientSession() as http:
        ws_url = api.url.replace("http://", "ws://") + "/api/v1/ws?token=" + TOKEN
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url + "&account=other")
        assert refused.value.status == 400
        async with http.ws_connect(ws_url + "&account=local") as ws:
            await ws.send_json({"action": "subscribe", "channel": "account"})
            assert (await ws.receive_json(timeout=5))["channel"] in ("ack", "account")


async def test_the_configured_own_name_is_the_one_accepted(tmp_path: Path) -> None:
    api = await start_api(tmp_path, account={"name": "ic-live", "label": "IC live"})
    try:
        assert (await call(api.url, "GET", "/account?account=IC-live"))[0] == 200
        status, body, _ = await call(api.url, "GET", "/account?account=local")
        assert status == 400 and body["accounts"] == ["ic-live"]
        status, body, _ = await call(api.url, "GET", "/accounts")
        assert [(a["name"], a["label"]) for a in body["data"]] == [("ic-live", "IC live")]
    finally:
        await api.runner.cleanup()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]


async def test_openapi_on_a_single_account_service(api: Api) -> None:
    await _check_openapi(api.url)


async def test_openapi_on_a_front(front: Front) -> None:
    await _check_openapi(front.url)


async def _check_openapi(url: str) -> None:
    """`account` on every operation but the service's own, with the errors naming an account adds."""
    async with aiohttp.ClientSession() as http, http.get(url + "/api/v1/openapi.json") as resp:
        spec = await resp.json()
    accounts = spec["paths"]["/api/v1/accounts"]["get"]
    assert accounts["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/AccountStatusOut"},
    }  # fmt: skip
    assert "feed" in spec["components"]["schemas"]["AccountStatusOut"]["properties"]
    operations = _operations(spec)
    assert len(operations) > 20
    for path, method, op in operations:
        named = [p for p in op["parameters"] if p["name"] == "account"]
        if path in OWN_ROUTES:
            assert named == [], (method, path)
            continue
        (param,) = named
        assert param["in"] == "query" and param["required"] is False, (method, path)
        assert "GET /api/v1/accounts" in param["description"]
        assert {"400", "502", "503"} <= set(op["responses"]), (method, path)
