"""Authentication, roles and /auth/login through the real server and a real HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from api.security import jwt
from api.security.auth import token_subject
from storage.models import Role
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api, start_api

ACCOUNT = "/api/v1/account"
OPEN = "/api/v1/order/open"
PREVIEW = "/api/v1/order/preview"
LOGIN = "/api/v1/auth/login"
ORDER = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, token: str | None = None, body: Any = None
) -> tuple[int, dict[str, Any], aiohttp.typedefs.CIMultiDictProxy[str]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with http.request(method, url, headers=headers, json=body) as resp:
        return resp.status, await resp.json(), resp.headers


def assert_refused(status: int, body: dict[str, Any], expected: int, code: str) -> None:
    assert status == expected, body
    assert body["success"] is False
    assert body["code"] == code
    assert body["error"]


async def test_missing_and_invalid_tokens_are_401_with_challenge(
    api: Api, http: aiohttp.ClientSession
) -> None:
    status, body, headers = await call(http, "GET", api.url + ACCOUNT)
    assert_refused(status, body, 401, "unauthorized")
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, body, headers = await call(http, "GET", api.url + ACCOUNT, token=TOKEN + "-wrong")
    assert_refused(status, body, 401, "unauthorized")
    assert 'error="invalid_token"' in headers["WWW-Authenticate"]
    async with http.get(api.url + ACCOUNT, headers={"Authorization": f"Basic {TOKEN}"}) as resp:
        assert resp.status == 401
    # An unknown path does not reveal itself to anonymous callers.
    status, body, _ = await call(http, "GET", api.url + "/api/v1/no-such-route")
    assert_refused(status, body, 401, "unauthorized")


async def test_valid_tokens_reach_the_route(api: Api, http: aiohttp.ClientSession) -> None:
    for token in (TOKEN, READ_ONLY_TOKEN):
        status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=token)
        assert status == 200, body
        assert body["success"] is True
    status, body, _ = await call(http, "GET", api.url + "/api/v1/positions", token=TOKEN)
    assert status == 200, body


async def test_public_routes_need_no_token(api: Api, http: aiohttp.ClientSession) -> None:
    async with http.get(api.url + "/api/v1/health") as resp:
        assert resp.status == 200
    async with http.get(api.url + "/api/v1/openapi.json") as resp:
        assert resp.status != 401


async def test_read_only_token_reads_and_previews_but_cannot_trade(
    api: Api, http: aiohttp.ClientSession
) -> None:
    status, body, _ = await call(http, "POST", api.url + OPEN, token=READ_ONLY_TOKEN, body=ORDER)
    assert_refused(status, body, 403, "forbidden_role")
    status, body, _ = await call(
        http, "POST", api.url + "/api/v1/order/close_all", token=READ_ONLY_TOKEN, body={}
    )
    assert_refused(status, body, 403, "forbidden_role")
    preview = {**ORDER, "action": "open"}
    status, body, _ = await call(http, "POST", api.url + PREVIEW, token=READ_ONLY_TOKEN, body=preview)
    assert status == 200, body
    status, body, _ = await call(http, "GET", api.url + "/api/v1/positions", token=READ_ONLY_TOKEN)
    assert status == 200, body
    assert body["data"] == []  # nothing was opened by the refused call


async def test_admin_token_may_trade(api: Api, http: aiohttp.ClientSession) -> None:
    status, body, _ = await call(http, "POST", api.url + OPEN, token=TOKEN, body=ORDER)
    assert status == 200, body


async def test_login_returns_a_working_jwt(api: Api, http: aiohttp.ClientSession) -> None:
    before = datetime.now(UTC)
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN)
    assert status == 200, body
    data = body["data"]
    assert data["role"] == "admin"
    expires = datetime.fromisoformat(data["expires_at"])
    # The fixture keeps the default expiry of 1440 minutes.
    assert timedelta(minutes=1439) < expires - before <= timedelta(minutes=1441)
    status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=data["token"])
    assert status == 200, body
    status, body, _ = await call(http, "POST", api.url + OPEN, token=data["token"], body=ORDER)
    assert status == 200, body


async def test_viewer_jwt_is_read_only(api: Api, http: aiohttp.ClientSession) -> None:
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN, body={"role": "viewer"})
    assert status == 200, body
    viewer = body["data"]["token"]
    assert body["data"]["role"] == "viewer"
    status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=viewer)
    assert status == 200, body
    status, body, _ = await call(http, "POST", api.url + OPEN, token=viewer, body=ORDER)
    assert_refused(status, body, 403, "forbidden_role")


async def test_login_refusals(api: Api, http: aiohttp.ClientSession) -> None:
    status, body, _ = await call(http, "POST", api.url + LOGIN)
    assert_refused(status, body, 401, "unauthorized")
    status, body, _ = await call(http, "POST", api.url + LOGIN, body={"token": TOKEN})
    assert_refused(status, body, 401, "unauthorized")  # the master token goes in the header
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=READ_ONLY_TOKEN)
    assert_refused(status, body, 403, "forbidden_role")
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN, body={"role": "root"})
    assert_refused(status, body, 400, "bad_request")
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN, body={"token": TOKEN})
    assert_refused(status, body, 400, "bad_request")
    assert TOKEN not in body["error"]
    async with http.post(api.url + LOGIN, headers=api.headers(), data=b"{not json") as resp:
        assert resp.status == 400
    async with http.post(api.url + LOGIN, headers=api.headers(), data=b"x" * 5000) as resp:
        assert resp.status == 400


async def test_a_jwt_cannot_log_in(api: Api, http: aiohttp.ClientSession) -> None:
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN)
    status, body, _ = await call(http, "POST", api.url + LOGIN, token=body["data"]["token"])
    assert_refused(status, body, 403, "forbidden_role")


async def test_expired_and_tampered_jwts_are_401(api: Api, http: aiohttp.ClientSession) -> None:
    subject = token_subject(TOKEN)
    past = datetime.now(UTC) - timedelta(days=2)
    expired = jwt.mint(JWT_SECRET, subject, Role.ADMIN, timedelta(minutes=5), now=past).token
    status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=expired)
    assert_refused(status, body, 401, "unauthorized")
    good = jwt.mint(JWT_SECRET, subject, Role.ADMIN, timedelta(minutes=5)).token
    status, _, _ = await call(http, "GET", api.url + ACCOUNT, token=good)
    assert status == 200
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=tampered)
    assert_refused(status, body, 401, "unauthorized")
    foreign = jwt.mint("another-secret-" + "x" * 32, subject, Role.ADMIN, timedelta(minutes=5)).token
    status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=foreign)
    assert_refused(status, body, 401, "unauthorized")


async def test_no_token_configured_refuses_everything(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    api = await start_api(tmp_path, security={"token": None})
    try:
        for token in (None, READ_ONLY_TOKEN, "anything"):
            status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=token)
            assert_refused(status, body, 401, "unauthorized")
            assert "MT5BOT_SECURITY__TOKEN" in body["error"]
        status, body, _ = await call(http, "POST", api.url + LOGIN, token="anything")
        assert_refused(status, body, 401, "unauthorized")
        assert "MT5BOT_SECURITY__TOKEN" in body["error"]
        async with http.get(api.url + "/api/v1/health") as resp:
            assert resp.status == 200
    finally:
        await api.runner.cleanup()


async def test_login_without_jwt_secret_is_refused(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    api = await start_api(tmp_path, security={"jwt_secret": None})
    try:
        status, body, _ = await call(http, "POST", api.url + LOGIN, token=TOKEN)
        assert_refused(status, body, 400, "jwt_disabled")
        assert "MT5BOT_SECURITY__JWT_SECRET" in body["error"]
        minted = jwt.mint(JWT_SECRET, token_subject(TOKEN), Role.ADMIN, timedelta(minutes=5)).token
        status, body, _ = await call(http, "GET", api.url + ACCOUNT, token=minted)
        assert_refused(status, body, 401, "unauthorized")
    finally:
        await api.runner.cleanup()
