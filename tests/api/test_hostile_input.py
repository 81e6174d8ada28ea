"""Hostile input gets a 400 (or 413) with the error envelope, never a 500: corrupt compressed bodies,
absurd numbers, impossible report dates and unknown query parameters (issue 10, point 3).

Every case runs against the real server (tests/api/conftest.py) and checks that nothing reached the
terminal when the request was refused.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.compression_utils import HAS_BROTLI

from api.rest import ENDPOINTS
from mt5bridge.terminal import constants as C
from tests.api.conftest import TOKEN, Api, start_api
from tests.api.rest_helpers import call, error, market, ok_data

LOGIN = "/auth/login"
POST_PATHS = [ep.path for ep in ENDPOINTS if ep.method == "POST"] + [LOGIN]
OPEN = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # A fresh connection per request: a refused body may leave its connection closed.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


async def send(
    http: aiohttp.ClientSession, api: Api, method: str, path: str, data: bytes, **headers: str
) -> tuple[int, str, Any]:
    """`method` `/api/v1{path}` with raw bytes; (status, content type, parsed JSON or the text)."""
    sent = {**api.headers(), "Content-Type": "application/json", **headers}
    async with http.request(method, f"{api.url}/api/v1{path}", data=data, headers=sent) as r:
        if r.content_type == "application/json":
            return r.status, r.content_type, await r.json()
        return r.status, r.content_type, await r.text()


def envelope(status: int, ctype: str, body: Any, expected: int) -> dict[str, Any]:
    assert (status, ctype) == (expected, "application/json"), body
    assert body["success"] is False and body["error"] and body["code"], body
    return dict(body)


# --- compressed bodies ------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["deflate", "gzip"])
async def test_corrupt_compressed_body_is_400_on_every_post_route(
    api: Api, http: aiohttp.ClientSession, encoding: str
) -> None:
    for path in POST_PATHS:
        status, ctype, body = await send(
            http,
            api,
            "POST",
            path,
            b"\x00garbage, not " + encoding.encode(),
            **{"Content-Encoding": encoding},
        )
        refused = envelope(status, ctype, body, 400)
        assert "body" in refused["error"], (path, refused)
    assert api.sim.positions_get() == ()


async def test_truncated_gzip_and_deflate_are_400(api: Api, http: aiohttp.ClientSession) -> None:
    raw = b'{"symbol":"XAUUSD","type":"buy","volume":0.01}'
    for encoding, packed in (("gzip", gzip.compress(raw)[:-12]), ("deflate", zlib.compress(raw)[:-6])):
        status, _, body = await send(
            http, api, "POST", "/order/open", packed, **{"Content-Encoding": encoding}
        )
        # aiohttp finds a stream cut short when the message ends, while parsing HTTP, before any handler
        # or middleware runs: its own plain 400 (docs/api.md), never a 500.
        assert status == 400, body
    assert api.sim.positions_get() == ()


async def test_corrupt_brotli_is_400(api: Api, http: aiohttp.ClientSession) -> None:
    status, ctype, body = await send(
        http, api, "POST", "/order/preview", b"\x00not brotli", **{"Content-Encoding": "br"}
    )
    if HAS_BROTLI:
        envelope(status, ctype, body, 400)
    else:  # aiohttp refuses the encoding while parsing the headers, before any handler runs
        assert status == 400, body


@pytest.mark.parametrize("encoding", ["deflate", "gzip"])
async def test_valid_compressed_bodies_are_read(api: Api, http: aiohttp.ClientSession, encoding: str) -> None:
    raw = b'{"action":"open","symbol":"XAUUSD","type":"buy","volume":0.01}'
    packed = zlib.compress(raw) if encoding == "deflate" else gzip.compress(raw)
    status, _, body = await send(
        http, api, "POST", "/order/preview", packed, **{"Content-Encoding": encoding}
    )
    assert status == 200, body
    assert body["data"]["volume"] == 0.01


@pytest.mark.parametrize("encoding", ["deflate", "gzip"])
async def test_compressed_bomb_is_413(api: Api, http: aiohttp.ClientSession, encoding: str) -> None:
    # 32 MB of spaces inside a JSON object: about 32 KB on the wire, far past client_max_size decoded.
    raw = b"{" + b" " * (32 * 1024 * 1024) + b"}"
    packed = zlib.compress(raw, 9) if encoding == "deflate" else gzip.compress(raw, 9)
    assert len(packed) < 64 * 1024
    status, ctype, body = await send(
        http, api, "POST", "/order/open", packed, **{"Content-Encoding": encoding}
    )
    assert envelope(status, ctype, body, 413)["code"] == "body_too_large"


async def test_corrupt_bodies_on_the_chat_platform_routes_are_400(tmp_path: Path) -> None:
    """The WeCom callback reads its own body: a corrupt one is refused, not a 500."""
    from tests.bot.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, SECRET
    from tests.bot.fake_wecom import TOKEN as WECOM_TOKEN

    api = await start_api(
        tmp_path,
        wecom={
            "corp_id": CORP_ID, "secret": SECRET, "agent_id": AGENT_ID, "token": WECOM_TOKEN,
            "encoding_aes_key": AES_KEY, "base_url": "http://127.0.0.1:9", "callback_path": "/wecom/cb",
        },
    )  # fmt: skip
    try:
        url = f"{api.url}/wecom/cb?msg_signature=0&timestamp=1&nonce=1"  # the body is read first
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=b"\x00garbage", headers={"Content-Encoding": "deflate"}) as r,
        ):
            assert r.status == 400, await r.text()
    finally:
        await api.runner.cleanup()


# --- absurd numbers ---------------------------------------------------------------------------------
HUGE = 1e308
TINY = 5e-324  # the smallest positive double: rounds to 0.0 on any price grid


@pytest.mark.parametrize(
    "body",
    [
        {"symbol": "XAUUSD", "type": "buy_limit", "volume": 0.01, "price": HUGE},
        {**OPEN, "sl": HUGE},
        {**OPEN, "tp": HUGE},
        {**OPEN, "volume": HUGE},
        {**OPEN, "sl": -HUGE},
        {**OPEN, "volume": -HUGE},
        {**OPEN, "volume": TINY},
        {**OPEN, "sl": TINY},  # not "no SL": a level that is not on the grid
        {"symbol": "XAUUSD", "type": "buy_limit", "volume": 0.01, "price": TINY},
    ],
    ids=["price", "sl", "tp", "volume", "-sl", "-volume", "tiny-volume", "tiny-sl", "tiny-price"],
)
async def test_absurd_numbers_on_open_and_preview_are_400(api: Api, body: dict[str, Any]) -> None:
    for path, sent in (("/order/open", body), ("/order/preview", {**body, "action": "open"})):
        status, answer = await call(api, "POST", path, sent)
        error(status, answer, 400)
    assert api.sim.positions_get() == () and api.sim.orders_get() == ()


@pytest.mark.parametrize("field", ["sl", "tp"])
@pytest.mark.parametrize("value", [HUGE, -HUGE, TINY])
async def test_absurd_levels_on_modify_are_400(api: Api, field: str, value: float) -> None:
    ticket = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    [position] = api.sim.positions_get()
    levels = {"sl": round(position.price_open - 30, 2), "tp": round(position.price_open + 30, 2)}
    ok_data(*await call(api, "POST", "/order/modify", {"ticket": ticket, **levels}))
    for path, sent in (
        ("/order/modify", {"ticket": ticket, field: value}),
        ("/order/preview", {"action": "modify", "ticket": ticket, field: value}),
    ):
        status, answer = await call(api, "POST", path, sent)
        error(status, answer, 400)
    [position] = api.sim.positions_get()
    assert (position.sl, position.tp) == pytest.approx((levels["sl"], levels["tp"]))  # not removed


async def test_absurd_price_on_a_pending_modify_is_400(api: Api) -> None:
    tick = api.sim.symbol_info_tick("XAUUSD")
    assert tick is not None
    price = round(tick.bid - 50, 2)
    placed = ok_data(*await call(api, "POST", "/order/open", {**OPEN, "type": "buy_limit", "price": price}))
    ticket = placed["outcomes"][0]["order"]
    for value in (HUGE, TINY):
        status, answer = await call(api, "POST", "/order/modify", {"ticket": ticket, "price": value})
        error(status, answer, 400)
    [order] = api.sim.orders_get()
    assert order.price_open == pytest.approx(price)


@pytest.mark.parametrize("value", [HUGE, TINY, -1.0])
async def test_absurd_volume_on_close_is_400(api: Api, value: float) -> None:
    ticket = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    for path, sent in (
        ("/order/close", {"ticket": ticket, "volume": value}),
        ("/order/close", {"symbol": "XAUUSD", "volume": value}),
        ("/order/preview", {"action": "close", "ticket": ticket, "volume": value}),
    ):
        status, answer = await call(api, "POST", path, sent)
        error(status, answer, 400)
    assert [p.ticket for p in api.sim.positions_get()] == [ticket]


async def test_absurd_number_messages_say_what_is_wrong(api: Api) -> None:
    status, answer = await call(api, "POST", "/order/open", {**OPEN, "sl": HUGE})
    assert "sl" in error(status, answer, 400, "invalid_request")["error"]
    status, answer = await call(api, "POST", "/order/open", {**OPEN, "volume": HUGE})
    assert "volume" in error(status, answer, 400, "invalid_request")["error"]


# --- report dates -----------------------------------------------------------------------------------
BAD_DAYS = ["0001-01-01", "0000-01-01", "9999-12-31", "-0001-01-01", "0", "1", "20260101", "1970-01-01",
            "2026-1-1", "2026-02-30", "1e308", "2026-05-01T00:00:00", "2101-01-01"]  # fmt: skip
BAD_MONTHS = ["0001-01", "0000-01", "9999-12", "-001-01", "0", "2026-13", "2026-00", "1970-12", "2026-1"]


@pytest.mark.parametrize("kind", ["daily", "hedge"])
async def test_impossible_report_days_are_400(api: Api, kind: str) -> None:
    for day in BAD_DAYS:
        for suffix in ("", "/chart"):
            status, answer = await call(api, "GET", f"/reports/{kind}{suffix}?date={day}")
            assert status == 400, (day, answer)
            assert "date" in error(status, answer, 400)["error"] or day == "9999-12-31", answer


async def test_impossible_report_months_are_400(api: Api) -> None:
    for month in BAD_MONTHS:
        for suffix in ("", "/chart"):
            status, answer = await call(api, "GET", f"/reports/monthly{suffix}?month={month}")
            assert status == 400, (month, answer)
            error(status, answer, 400)


async def test_report_dates_still_work(api: Api) -> None:
    today = ok_data(*await call(api, "GET", "/reports/daily"))["label"]
    assert ok_data(*await call(api, "GET", f"/reports/daily?date={today}"))["label"] == today
    assert ok_data(*await call(api, "GET", f"/reports/monthly?month={today[:7]}"))["kind"] == "monthly"


# --- unknown query parameters -----------------------------------------------------------------------
def _concrete(path: str) -> str:
    return path.replace("{name}", "XAUUSD").replace("{symbol}", "XAUUSD").replace("{id}", "1")


async def test_unknown_query_parameters_are_refused_on_every_route(api: Api) -> None:
    for ep in ENDPOINTS:
        path = _concrete(ep.path) + "?x=1&zz=2" + ("&name=MA" if ep.open_query else "")
        token = None if ep.public else TOKEN
        status, answer = await call(api, ep.method, path, {} if ep.method == "POST" else None, token=token)
        refused = error(status, answer, 400)
        if not ep.open_query:  # the indicator route names its own unknown parameters
            assert refused["code"] == "invalid_request", (ep.path, refused)
            assert "'x'" in refused["error"] and "'zz'" in refused["error"], (ep.path, refused)
    assert api.sim.positions_get() == ()


async def test_known_query_parameters_still_pass(api: Api) -> None:
    ok_data(*await call(api, "GET", "/symbol/XAUUSD"))
    ok_data(*await call(api, "GET", "/positions?symbol=XAUUSD&magic=0"))
    ok_data(*await call(api, "GET", "/history/deals?from=2026-01-01&to=2026-01-02"))
    ok_data(*await call(api, "GET", "/rates/XAUUSD?tf=m5&count=3"))
    ok_data(*await call(api, "GET", "/indicators/XAUUSD?name=MA&period=5&count=3"))


async def test_login_refuses_query_parameters(api: Api) -> None:
    status, answer = await call(api, "POST", f"{LOGIN}?role=viewer", {})
    assert "'role'" in error(status, answer, 400)["error"]


# --- found by the fuzzer (test_fuzz_hostile.py) -----------------------------------------------------
async def test_a_close_can_be_previewed(api: Api) -> None:
    """The preview's `action` reached the core's CloseRequest, which refused it as an unknown field."""
    ticket = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    preview = ok_data(
        *await call(api, "POST", "/order/preview", {"action": "close", "ticket": ticket, "volume": 0.01})
    )
    assert (preview["action"], preview["volume"]) == ("close", 0.01)
    assert api.sim.positions_get()[0].volume == pytest.approx(0.02)  # a preview sends nothing
