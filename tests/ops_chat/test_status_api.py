"""GET /api/v1/status through the real app: the same status as `/status` in chat, for admin tokens only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from api.security import jwt
from api.security.auth import token_subject
from mt5bridge.common.roles import Role
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api, start_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    started = await start_api(tmp_path)
    yield started
    await started.runner.cleanup()


async def _get(api: Api, path: str, token: str) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{api.url}{path}", headers=api.headers(token)) as resp,
    ):
        return resp.status, await resp.json()


async def test_an_admin_token_reads_the_live_status(api: Api) -> None:
    status, body = await _get(api, "/api/v1/status", TOKEN)
    assert status == 200, body
    data = body["data"]
    assert isinstance(data, dict)
    assert data["version"]
    assert data["terminal"]["state"] == "connected"
    assert data["terminal"]["last_heartbeat"] is not None
    assert data["database"]["dialect"] == "sqlite"
    assert data["database"]["size_bytes"] > 0
    assert "chat-notifier" in [q["name"] for q in data["bus"]]
    assert data["log_level"] == logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower()


@pytest.mark.parametrize("role", [Role.TRADER, Role.VIEWER])
async def test_other_roles_are_refused(api: Api, role: Role) -> None:
    token = jwt.mint(JWT_SECRET, token_subject(TOKEN), role, timedelta(minutes=5)).token
    status, body = await _get(api, "/api/v1/status", token)
    assert status == 403
    assert body["code"] == "forbidden_role"
    status, _ = await _get(api, "/api/v1/status", READ_ONLY_TOKEN)
    assert status == 403


async def test_the_openapi_document_describes_it(api: Api) -> None:
    status, spec = await _get(api, "/api/v1/openapi.json", TOKEN)
    assert status == 200
    paths = spec["paths"]
    assert isinstance(paths, dict)
    operation = paths["/api/v1/status"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"])
