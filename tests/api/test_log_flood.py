"""Logs an attacker can neither flood nor read (issue 10, point 6), against the real server.

A flood of malformed requests used to write aiohttp's tracebacks, one per request (645 KB for 1,000),
echoing the raw request bytes, an Authorization line included; a token or a JWT in a refused request's
path went into the "refused GET ..." line as is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.security.refusals import PER_ADDRESS_PER_MINUTE, RefusalLog
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api, start_api

# Shaped like a JWT, but signed with nothing: it must be masked because of its shape alone.
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0b2stMTIzIiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXNpZw"
SECRETS = (TOKEN, READ_ONLY_TOKEN, JWT_SECRET, JWT, "c2lnbmF0dXJlLXNpZw")


def malformed() -> Iterator[bytes]:
    """Requests that aiohttp's HTTP parser refuses, several carrying credentials, round and round."""
    kinds = [
        b"GARBAGE\r\n\r\n",
        b"GET /api/v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\x01\r\n\r\n",
        b"GET /api/v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: " + READ_ONLY_TOKEN.encode() + b"\x7f\r\n\r\n",
        b"GET /api/v1/" + JWT.encode() + b" HTTP/1.1\r\nHost: x\r\nBad\x01Header: " + JWT.encode() + b"\r\n\r\n",
        b"POST /api/v1/order/open HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/account?token=" + TOKEN.encode() + b" HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST /api/v1/order/open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /api/v1/order/open HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
        + b"\r\nContent-Encoding: deflate\r\nContent-Length: 8\r\n\r\n\x78\x9c\xff\xffjunk",
    ]  # fmt: skip
    while True:
        yield from kinds


async def _raw(port: int, data: bytes, source: str = "127.0.0.1") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


def _port(api: Api) -> int:
    return int(api.url.rsplit(":", 1)[1])


@pytest.mark.timeout(120)
async def test_a_thousand_malformed_requests_write_a_few_short_lines(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    requests = malformed()
    port = _port(api)
    answers = []
    for _ in range(50):  # 1,000 requests, 20 connections at a time
        answers += await asyncio.gather(*(_raw(port, next(requests)) for _ in range(20)))
    text = caplog.text
    for secret in SECRETS:
        assert secret not in text
    assert "Traceback" not in text
    assert len(text) < 4000, len(text)
    lines = [r for r in caplog.records if r.name.startswith(("aiohttp", "api"))]
    assert len(lines) <= PER_ADDRESS_PER_MINUTE, [r.getMessage() for r in lines]
    assert all("\n" not in r.getMessage() and len(r.getMessage()) < 300 for r in lines)
    assert any("refused a malformed request from 127.0.0.1" in r.getMessage() for r in lines)
    # Every one was refused by the HTTP layer (400), the corrupt deflate body by the gate (400 too).
    assert {a.split(b"\r\n")[0].split(b" ")[1] for a in answers} == {b"400"}


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /api/v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: " + TOKEN.encode() + b"\x01\r\n\r\n",
        b"GET /api/v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + JWT.encode() + b"\x01\r\n\r\n",
        b"GET /api/v1/x" + TOKEN.encode() + b"\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/v1/" + JWT.encode() + b" HTTP/1.1\r\nHost: x\r\nX\x01: y\r\n\r\n",
    ],
    ids=["token-header", "jwt-header", "token-path", "jwt-path"],
)
async def test_parse_errors_do_not_echo_credentials_into_the_log(
    api: Api, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = await _raw(_port(api), request_bytes)
    assert b" 400 " in answer.split(b"\r\n")[0]
    await asyncio.sleep(0.05)
    for secret in SECRETS:
        assert secret not in caplog.text
    assert "Traceback" not in caplog.text
    assert "refused a malformed request" in caplog.text


async def test_credentials_in_a_refused_path_or_query_are_masked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import aiohttp

    api = await start_api(tmp_path)
    caplog.set_level(logging.DEBUG)
    attempts = [
        (f"/api/v1/{TOKEN}", {}),  # unknown route, no token: refused and logged
        (f"/api/v1/{JWT}/positions", {}),
        (f"/api/v1/symbol/{JWT}?token={TOKEN}", {}),
        ("/api/v1/account", {"Authorization": f"Bearer {JWT}"}),  # an invalid token
        (f"/api/v1/{READ_ONLY_TOKEN}", {"Authorization": f"Bearer {TOKEN[:-1]}"}),
        ("/api/v1" + "/a" * 300, {}),  # a long path is cut
    ]
    try:
        async with aiohttp.ClientSession() as http:
            for path, headers in attempts:
                async with http.get(api.url + path, headers=headers) as resp:
                    assert resp.status == 401
    finally:
        await api.runner.cleanup()
    for secret in (*SECRETS, TOKEN[:-1]):
        assert secret not in caplog.text
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused GET")]
    assert len(refused) == len(attempts), refused
    assert "refused GET /api/v1/symbol/{name} " in caplog.text  # a matched route: its pattern
    assert all(len(line) < 250 for line in refused), refused


def test_the_refusal_log_holds_back_and_then_says_how_many(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = RefusalLog(["s3cret-value"], per_minute=3, total_per_minute=5, clock=lambda: now[0])
    caplog.set_level(logging.DEBUG, logger="api.security.refusals")
    for _ in range(100):
        log.refused("192.0.2.1", "GET /x", "no bearer token s3cret-value")
    for n in range(10):  # other addresses: the total budget still caps the log
        log.refused(f"192.0.2.{10 + n}", "GET /x", "no bearer token")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5  # 3 for the first address, then 2 more until the total budget is spent
    assert all("s3cret-value" not in m for m in messages)
    assert messages[3].endswith("(97 more refusals not logged)")
    now[0] += 60
    log.refused("192.0.2.1", "GET /x", "no bearer token")
    assert caplog.records[-1].getMessage().endswith("(8 more refusals not logged)")
