"""Secrets never reach log lines: configured values and bearer-looking tokens are masked."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from mt5bot.config import load_settings
from mt5bot.logs import RedactingFilter, secret_values, setup_logging
from tests.api.conftest import api_settings, start_api


def test_configured_secrets_and_bearer_tokens_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        environ={"MT5BOT_SECURITY__TOKEN": "tok-AAAA1111", "MT5BOT_MT5__PASSWORD": "pw-BBBB2222"}
    )
    assert set(secret_values(settings)) == {"tok-AAAA1111", "pw-BBBB2222"}
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(secret_values(settings)))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("login with %s and %s", "tok-AAAA1111", "pw-BBBB2222")
        logger.info("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y from 1.2.3.4")
        logger.info("GET /api/v1/ws?token=abcdef123456&x=1")
        try:
            raise ValueError("bad password=pw-BBBB2222")
        except ValueError:
            logger.exception("failed")
    text = caplog.text
    for secret in ("tok-AAAA1111", "pw-BBBB2222", "eyJhbGciOiJIUzI1NiJ9", "abcdef123456"):
        assert secret not in text
    assert "Bearer ***" in text
    assert "token=***" in text


def test_jwts_and_authorization_values_are_masked_whatever_their_place() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    redact = RedactingFilter([]).redact
    assert redact(f"refused GET /api/v1/{jwt}/x from 1.2.3.4") == "refused GET /api/v1/***/x from 1.2.3.4"
    assert redact(f"GET /?id={jwt}&x=1") == "GET /?id=***&x=1"
    # aiohttp quotes raw header lines in its parse errors, with or without a scheme:
    assert redact("b'Authorization: tok-AAAA1111\\x01'") == "b'Authorization: ***\\x01'"
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: Basic ***"


# --- SQL values at DEBUG (issue 10, point 6) ----------------------------------------------------------
@pytest.mark.parametrize("sql", [False, True], ids=["default", "logging.sql"])
async def test_debug_logging_keeps_sql_values_and_chat_text_out(
    tmp_path: Path, restore_logging: None, sql: bool
) -> None:
    log_file = tmp_path / "mt5bot.log"
    chosen = {"level": "DEBUG", "file": str(log_file), "sql": sql}
    setup_logging(api_settings(tmp_path, logging=chosen))
    api = await start_api(tmp_path, logging=chosen)
    # The canary rides in a broker suffix: a trade may hold no word the parser does not read.
    text = "买入0.01手 XAUUSD.zq7xk"
    try:
        async with aiohttp.ClientSession(headers=api.headers()) as http:
            async with http.post(f"{api.url}/api/v1/chat", json={"text": text}) as resp:
                pending = (await resp.json())["data"]["confirmation_id"]
            assert pending, "the chat core should ask to confirm the trade"
            async with http.post(
                f"{api.url}/api/v1/chat/confirm", json={"id": pending, "accept": True}
            ) as resp:
                assert resp.status == 200
    finally:
        await api.runner.cleanup()
    with sqlite3.connect(tmp_path / "api.db") as db:  # the text went through SQL: it is in the audit log
        assert db.execute("SELECT count(*) FROM audit_log WHERE raw_input LIKE '%zq7xk%'").fetchone()[0]
    logged = log_file.read_text(encoding="utf-8")
    assert "zq7xk" not in logged
    assert "aiosqlite" not in logged  # the driver prints every statement with its values
    assert ("INSERT INTO audit_log" in logged) is sql  # statements only when asked for


# --- the whole service: `mt5bot serve` as a user runs it ----------------------------------------------
async def test_a_flood_of_malformed_requests_against_mt5bot_serve_leaves_a_small_log(tmp_path: Path) -> None:
    """1,000 malformed requests, several carrying the master token or a JWT, against the real process:
    the log file and stderr grow by a few masked lines, no traceback."""
    from tests.test_serve import Service

    token = "tok-flood-secret-0123456789"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXh5eg"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
server: {{host: 127.0.0.1, port: 0}}
mt5: {{backend: simulator, simulator: {{demo_days: 0, market_hours: always, state_file: "{tmp_path}/sim.json"}}}}
database: {{url: "sqlite+aiosqlite:///{tmp_path}/mt5bot.db"}}
logging: {{file: "{tmp_path}/mt5bot.log"}}
"""
    )
    service = Service(config, {"MT5BOT_SECURITY__TOKEN": token})
    try:
        host, port = service.url.removeprefix("http://").rsplit(":", 1)
        log_file = tmp_path / "mt5bot.log"
        before = log_file.stat().st_size
        kinds = [
            b"GARBAGE\r\n\r\n",
            f"GET /api/v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\x01\r\n\r\n".encode(),
            f"GET /api/v1/{jwt} HTTP/1.1\r\nHost: x\r\nBad\x01: {jwt}\r\n\r\n".encode(),
            b"POST /api/v1/order/open HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        ]

        async def one(data: bytes) -> None:
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(data)
            await writer.drain()
            await reader.read()
            writer.close()

        for batch in range(50):
            await asyncio.gather(*(one(kinds[(batch + i) % len(kinds)]) for i in range(20)))
        async with aiohttp.ClientSession() as http:  # still serving
            async with http.get(f"{service.url}/api/v1/health") as resp:
                assert resp.status == 200
        assert service.stop() == 0
        added = log_file.read_text(encoding="utf-8")[before:]
        stderr = "".join(service.lines)
    finally:
        if service.proc.poll() is None:
            service.proc.kill()
    flood = [line for line in added.splitlines() if "refused" in line]
    assert 1 <= len(flood) <= 6, added[-3000:]
    assert len(added) < 5000, len(added)
    for text in (added, stderr):
        assert "Traceback" not in text
        assert token not in text and jwt not in text
