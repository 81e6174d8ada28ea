"""Long bar ranges are streamed piece by piece and encoded off the event loop (issue 10, point 7)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import aiohttp
import orjson

from api.barcache import bars_json
from api.jsonio import dumps
from api.keys import CLIENT
from mt5bridge.terminal import constants as C
from tests.api.conftest import Api
from tests.api.rest_helpers import call, error


def _range_url(api: Api, tf: str, lo: int, hi: int) -> str:
    offset = api.app[CLIENT].server_utc_offset
    start = datetime.fromtimestamp(lo - offset, UTC).isoformat().replace("+00:00", "Z")
    end = datetime.fromtimestamp(hi - offset, UTC).isoformat().replace("+00:00", "Z")
    return f"{api.url}/api/v1/rates/EURUSD/range?tf={tf}&from={start}&to={end}"


async def test_a_long_range_is_streamed_and_holds_every_bar(api: Api) -> None:
    now = api.sim.now
    lo, hi = now - now % 60 - 20 * 86_400, now
    expected = api.sim.copy_rates_range("EURUSD", C.TIMEFRAME_M1, lo, hi)
    assert expected is not None and len(expected) > 20_000
    async with (
        aiohttp.ClientSession() as http,
        http.get(_range_url(api, "m1", lo, hi), headers=api.headers()) as r,
    ):
        assert r.status == 200 and r.content_type == "application/json"
        assert r.headers["Transfer-Encoding"] == "chunked"
        body = orjson.loads(await r.read())
    assert body["success"] is True
    data = body["data"]
    assert (data["symbol"], data["tf"], data["count"]) == ("EURUSD", "m1", len(expected))
    assert data["rates"] == bars_json(expected, api.app[CLIENT].server_utc_offset)  # one piece's answer
    assert any(t.name.startswith("bulk-encode") for t in threading.enumerate())
    # A short range is still one plain answer.
    short = _range_url(api, "m1", hi - 3600, hi)
    async with aiohttp.ClientSession() as http, http.get(short, headers=api.headers()) as r:
        assert "Transfer-Encoding" not in r.headers
        assert (await r.json())["data"]["count"] == len(expected[expected["time"] >= hi - 3600])


async def test_errors_before_the_first_piece_are_envelopes(api: Api) -> None:
    now = api.sim.now
    path = "/rates/NOSUCH/range?tf=m1&from=2026-01-01&to=2026-01-20"
    error(*await call(api, "GET", path), 404, "unknown_symbol")
    api.sim.disconnect()
    try:
        lo = now - 10 * 86_400
        status, body = await call(api, "GET", _range_url(api, "m1", lo, now).split("/api/v1", 1)[1])
        assert status == 503 and body["success"] is False
    finally:
        api.sim.reconnect()


async def test_the_event_loop_keeps_running_while_a_long_range_is_encoded(api: Api) -> None:
    now = api.sim.now
    lo, hi = now - now % 60 - 59 * 86_400, now  # the whole M1 history: about 85,000 bars
    offset = api.app[CLIENT].server_utc_offset
    bars = api.sim.copy_rates_range("EURUSD", C.TIMEFRAME_M1, lo, hi)
    assert bars is not None and len(bars) > 80_000
    began = time.perf_counter()
    whole = dumps(bars_json(bars, offset))
    on_the_loop = time.perf_counter() - began  # what building this answer in one go blocks for
    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - asked - 0.001)

    prober = asyncio.create_task(probe())
    async with (
        aiohttp.ClientSession() as http,
        http.get(_range_url(api, "m1", lo, hi), headers=api.headers()) as r,
    ):
        raw = await r.read()
    done.set()
    await prober
    assert len(raw) > len(whole) * 0.99
    # Encoded on the loop, the answer stalled it for the whole encode; off the loop, a piece at most.
    print(
        f"longest loop lag {max(lags) * 1000:.1f} ms; encoding on the loop took {on_the_loop * 1000:.0f} ms"
    )
    assert max(lags) < on_the_loop / 2
