"""The dashboard's files and the API parts it relies on, over real HTTP (the browser tests: tests/web)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from api.dashboard import STATIC
from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api, start_api


async def test_the_page_and_its_files_are_served_with_a_strict_policy(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(api.url + "/") as page:  # no token: the page asks for one
            assert page.status == 200 and page.content_type == "text/html"
            html = await page.text()
            csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "<script>" not in html  # modules only, no inline script
        for name in sorted(p.name for p in STATIC.iterdir() if p.is_file()):  # every file shipped
            async with http.get(f"{api.url}/ui/{name}") as file:
                assert file.status == 200, name
                assert file.headers["Content-Security-Policy"] == csp
        for escape in ("/ui/%2e%2e/__init__.py", "/ui/..%2f__init__.py", "/ui/%2e%2e%2f%2e%2e%2fsetup.py"):
            async with http.get(URL(api.url + escape, encoded=True)) as outside:
                assert outside.status in (400, 401, 403, 404), escape  # nothing outside static/ is served
                assert "import" not in await outside.text()
        async with http.get(api.url + "/api/v1/account") as rest:  # the API itself still wants a token
            assert rest.status == 401


async def test_the_ip_allow_list_applies_to_the_dashboard_too(tmp_path: Path) -> None:
    api = await start_api(tmp_path, security={"ip_whitelist": ["10.9.9.9"]})
    try:
        async with aiohttp.ClientSession() as http, http.get(api.url + "/") as page:
            assert page.status == 403
    finally:
        await api.runner.cleanup()


async def test_who_am_i_tells_the_role_and_never_the_token(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        for token, role, trades in ((TOKEN, "admin", True), (READ_ONLY_TOKEN, "viewer", False)):
            async with http.get(api.url + "/api/v1/auth/me", headers=api.headers(token)) as resp:
                me = (await resp.json())["data"]
            assert (me["role"], me["can_trade"]) == (role, trades)
            assert token not in str(me)
        async with http.get(api.url + "/api/v1/auth/me") as anonymous:
            assert anonymous.status == 401


async def test_the_websocket_takes_the_token_as_a_subprotocol_and_never_echoes_it(api: Api) -> None:
    url = api.url.replace("http", "ws") + "/api/v1/ws"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url, protocols=("mt5bot", f"bearer.{READ_ONLY_TOKEN}")) as ws:
            assert ws.protocol == "mt5bot"
            await ws.send_json({"action": "subscribe", "channel": "account"})
            ack = await ws.receive_json(timeout=5)
            assert ack["channel"] == "ack"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, protocols=("mt5bot", "bearer.wrong-token"))
        assert refused.value.status == 401
