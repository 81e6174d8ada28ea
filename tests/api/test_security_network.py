"""IP allow-list, trusted proxies, rate limiting and secrecy of tokens, through the real server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api, start_api

HEALTH = "/api/v1/health"
ACCOUNT = "/api/v1/account"
LOGIN = "/api/v1/auth/login"
DOC_NET = "192.0.2.0/24"  # RFC 5737 documentation range: never a real peer


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def status_of(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    async with http.get(url, headers=headers or {}) as resp:
        return resp.status, await resp.json()


async def test_allow_list_without_the_peer_refuses_every_rest_route(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    api = await start_api(tmp_path, security={"ip_whitelist": [DOC_NET, "2001:db8::/32"]})
    try:
        for path, headers in ((HEALTH, {}), (ACCOUNT, api.headers()), (ACCOUNT, {})):
            status, body = await status_of(http, api.url + path, headers)
            assert status == 403
            assert body == {"success": False, "error": body["error"], "code": "forbidden_address"}
        async with http.post(api.url + LOGIN, headers=api.headers()) as resp:
            assert resp.status == 403
        # Without trusted proxies a forged X-Forwarded-For changes nothing.
        status, _ = await status_of(http, api.url + HEALTH, {"X-Forwarded-For": "192.0.2.10"})
        assert status == 403
    finally:
        await api.runner.cleanup()


async def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    api = await start_api(tmp_path, security={"ip_whitelist": [DOC_NET], "trusted_proxies": ["127.0.0.1/32"]})
    try:
        allowed = {"X-Forwarded-For": "192.0.2.10", **api.headers()}
        assert (await status_of(http, api.url + ACCOUNT, allowed))[0] == 200
        # The proxy's own address is not in the allow-list.
        assert (await status_of(http, api.url + ACCOUNT, api.headers()))[0] == 403
        outside = {"X-Forwarded-For": "198.51.100.1", **api.headers()}
        assert (await status_of(http, api.url + ACCOUNT, outside))[0] == 403
        # A client forging an allowed address on the left is judged by the right-most untrusted entry.
        forged = {"X-Forwarded-For": "192.0.2.10, 198.51.100.1", **api.headers()}
        assert (await status_of(http, api.url + ACCOUNT, forged))[0] == 403
        garbage = {"X-Forwarded-For": "not-an-address", **api.headers()}
        assert (await status_of(http, api.url + ACCOUNT, garbage))[0] == 403
    finally:
        await api.runner.cleanup()


async def test_trusted_proxy_outside_the_chain_is_not_trusted(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    api = await start_api(tmp_path, security={"ip_whitelist": [DOC_NET], "trusted_proxies": ["10.0.0.0/8"]})
    try:
        status, _ = await status_of(http, api.url + HEALTH, {"X-Forwarded-For": "192.0.2.10"})
        assert status == 403  # the peer 127.0.0.1 is no trusted proxy, so the header is ignored
    finally:
        await api.runner.cleanup()


async def test_rate_limit_answers_429_then_recovers(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    api = await start_api(tmp_path, security={"requests_per_minute": 120})  # refills 2 per second
    try:
        served = 0
        while True:  # the full budget, plus what refills while we spend it
            async with http.get(api.url + ACCOUNT, headers=api.headers()) as resp:
                if resp.status != 200:
                    assert resp.status == 429
                    body = await resp.json()
                    retry_after = int(resp.headers["Retry-After"])
                    break
            served += 1
            assert served < 240
        assert served >= 120
        assert body["code"] == "rate_limited" and body["success"] is False
        assert 1 <= retry_after <= 2
        await asyncio.sleep(retry_after)
        assert (await status_of(http, api.url + ACCOUNT, api.headers()))[0] == 200
    finally:
        await api.runner.cleanup()


async def test_rate_limit_is_per_subject_across_addresses(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # Behind a trusted proxy each client address has its own bucket, but one token shares one budget.
    api = await start_api(
        tmp_path,
        security={"requests_per_minute": 10, "trusted_proxies": ["127.0.0.1/32"], "ip_whitelist": [DOC_NET]},
    )
    try:
        statuses = []
        for i in range(11):
            headers = {"X-Forwarded-For": f"192.0.2.{i + 1}", **api.headers()}
            statuses.append((await status_of(http, api.url + ACCOUNT, headers))[0])
        assert statuses == [200] * 10 + [429]
        # Another token from a fresh address is unaffected.
        other = {"X-Forwarded-For": "192.0.2.100", **api.headers(READ_ONLY_TOKEN)}
        assert (await status_of(http, api.url + ACCOUNT, other))[0] == 200
    finally:
        await api.runner.cleanup()


async def test_guessing_tokens_is_rate_limited_per_address(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    api = await start_api(tmp_path, security={"requests_per_minute": 5})
    try:
        statuses = [
            (await status_of(http, api.url + ACCOUNT, api.headers(f"guess-{i}")))[0] for i in range(6)
        ]
        assert statuses == [401] * 5 + [429]
        async with http.post(api.url + LOGIN, headers=api.headers("guess-x")) as resp:
            assert resp.status == 429  # login is public but rate limited per address
    finally:
        await api.runner.cleanup()


async def test_tokens_never_reach_logs_or_responses(
    api: Api, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-that-must-not-leak-42"
    texts = []
    async with http.post(api.url + LOGIN, headers=api.headers()) as resp:
        jwt_token = (await resp.json())["data"]["token"]
    for token in (TOKEN, READ_ONLY_TOKEN, wrong, jwt_token):
        for method, path in (("GET", ACCOUNT), ("POST", "/api/v1/order/open"), ("POST", LOGIN)):
            async with http.request(method, api.url + path, headers=api.headers(token), json={}) as resp:
                text = await resp.text()
                if path != LOGIN:
                    texts.append(text)
    secrets = (TOKEN, READ_ONLY_TOKEN, wrong, jwt_token, JWT_SECRET)
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in text for text in texts)
    assert "refused" in caplog.text  # the refusals were logged, only without their tokens


async def test_websocket_is_not_ip_filtered_but_needs_a_token(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    api = await start_api(tmp_path, security={"ip_whitelist": [DOC_NET], "requests_per_minute": 3})
    try:
        async with http.ws_connect(f"{api.url}/api/v1/ws?token={TOKEN}") as ws:
            assert not ws.closed
        statuses = []
        for i in range(4):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{api.url}/api/v1/ws?token=guess-{i}")
            statuses.append(refused.value.status)
        assert statuses == [401, 401, 401, 429]  # the good handshake spent nothing; guesses are limited
        # A valid token still connects from the throttled address.
        async with http.ws_connect(f"{api.url}/api/v1/ws?token={READ_ONLY_TOKEN}") as ws:
            assert not ws.closed
    finally:
        await api.runner.cleanup()
