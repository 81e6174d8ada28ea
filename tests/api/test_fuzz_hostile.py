"""Hypothesis against the real server with hostile values on every route: no 500, ever.

Schemathesis (test_schemathesis.py) fuzzes from the OpenAPI document, so it stays near what the document
says and never found the 500s of issue 10. This run walks the route table itself. Each example is one real
aiohttp request to the server on 127.0.0.1: a request that is valid in most of its fields (a live ticket,
a known symbol, a real date) with some fields hostile, so the hostile value reaches deep code:
- extreme and non-finite numbers (1e308, -1e308, 5e-324, NaN, Infinity, 2**64...) in every numeric field;
- far and malformed dates (years 0, 1, 9999, `0`, `20260101`, offsets of +-14 h) and months;
- unknown and repeated query parameters (which must be refused);
- bodies sent plain, deflated, gzipped, corrupt, truncated, or as a compressed bomb.

Every answer must be below 500 (503 is allowed: the simulator's link may be slow under load) and, when
it is JSON, a refusal must be the error envelope; a non-JSON refusal is only aiohttp's own 400 for a
compressed stream that breaks the HTTP message. The server must log no "unexpected error" (a 500).
`FUZZ_EXAMPLES` sets the number of examples (default 300, a few seconds); the seed is fixed
(derandomize), so a failure is reproducible; `FUZZ_RANDOM=1` draws new examples on every run.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import math
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from yarl import URL

from api.rest import ENDPOINTS
from api.routing import Endpoint
from api.schemas import CancelBody, CloseAllBody, CloseBody, ModifyBody, OpenBody, PreviewBody
from mt5bridge.terminal import constants as C
from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api
from tests.api.rest_helpers import market

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
LOGIN = Endpoint("POST", "/auth/login", ENDPOINTS[0].handler, "", "", BaseModel)
ROUTES = (*ENDPOINTS, LOGIN)
# Bodies carry most of the numbers: the POST routes are drawn twice as often.
WEIGHTED = (*ROUTES, *(ep for ep in ROUTES if ep.method == "POST"))

# --- hostile values ---------------------------------------------------------------------------------
EXTREME_FLOATS = [1e308, -1e308, 5e-324, -5e-324, 1.7976931348623157e308, 5e307, 1e300, 1e12 + 1, 1e9 + 1,
                  -1.0, -0.0, 2.0**63, 2.0**64, 1e-300, math.inf, -math.inf, math.nan]  # fmt: skip
EXTREME_INTS = [-1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63), 10**30, 10**400]
FAR_DATES = ["0001-01-01", "0000-01-01", "9999-12-31", "-0001-01-01", "0", "1", "-1", "1e308", "20260101",
             "1970-01-01", "1971-01-01", "2100-12-31", "2101-01-01", "2026-02-30", "2026-1-1", "2026-W01-1",
             "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00", "1971-01-01T00:00:00+14:00",
             "2100-12-31T23:59:59-14:00", "2026-05-01T25:00:00", ""]  # fmt: skip
FAR_MONTHS = ["0001-01", "0000-01", "9999-12", "-001-01", "0", "2026-13", "2026-00", "1970-12", "2026-1",
              "2100-12", "2101-01", ""]  # fmt: skip
BAD_SYMBOLS = ["NOPE", "a" * 40, "..", "%00", "-", "黄金", "XAUUSD\x00"]
UNKNOWN = ["x", "zz", "token", "__proto__", "date[]", "", "a" * 64, "magic "]
junk = st.one_of(st.text(max_size=20), st.booleans(), st.none(), st.integers(), st.floats())
hostile_float = st.sampled_from(EXTREME_FLOATS) | st.sampled_from(EXTREME_FLOATS) | st.floats()
hostile_int = st.one_of(st.sampled_from(EXTREME_INTS), hostile_float)
NUMERIC = {"volume", "price", "sl", "tp", "ticket", "magic", "deviation", "count", "period", "shift"}
DATES = {"date", "from", "to"}


def hostile(name: str) -> st.SearchStrategy[Any]:
    """A value of `name` that must be refused (or at least never break the server)."""
    if name in {"volume", "price", "sl", "tp"}:
        return hostile_float
    if name in NUMERIC:
        return hostile_int
    if name in DATES:
        return st.sampled_from(FAR_DATES)
    if name == "month":
        return st.sampled_from(FAR_MONTHS)
    if name == "symbol":
        return st.sampled_from(BAD_SYMBOLS)
    return junk


@dataclass
class World:
    """What valid values look like right now: live tickets, the server's today. (Draws never depend on
    them, only the values drawn do, so that hypothesis can replay and shrink a failure.)"""

    tickets: list[int]
    today: str


def valid(name: str, world: World) -> st.SearchStrategy[Any]:
    """A plausible value of `name`, so that the request gets past the fields that are not under attack."""
    return {
        # Prices mostly absent (market orders, modify without a new price); 1000 sits below gold's market,
        # so a buy_limit or sell_stop there is valid.
        "volume": st.sampled_from([0.01, 0.02, 0.1]), "price": st.sampled_from([None, None, 1000.0]),
        "sl": st.sampled_from([None, 0.0, 1000.0]), "tp": st.sampled_from([None, 0.0, 9000.0]),
        "ticket": st.integers(0, 15).map(lambda i: (world.tickets or [1])[i % len(world.tickets or [1])]), "magic": st.sampled_from([0, 7]),
        "deviation": st.just(10), "count": st.sampled_from([1, 5]), "period": st.sampled_from(["today", "5"]),
        "shift": st.just(0), "symbol": st.sampled_from(["XAUUSD", "EURUSD", "xauusd"]),
        "name": st.sampled_from(["MA", "RSI", "MACD", "BANDS", "ATR"]),
        "type": st.sampled_from(["buy", "sell", "buy_limit", "sell_stop"]), "side": st.sampled_from(["buy", "sell"]),
        "selector": st.sampled_from(["earliest", "latest", "losing", "ticket", "all"]), "all": st.booleans(),
        "action": st.sampled_from(["open", "modify", "close", "close_all", "cancel"]),
        "comment": st.sampled_from(["", "fuzz"]), "text": st.sampled_from(["本日盈亏", "/report daily", "持仓"]),
        "lang": st.sampled_from(["zh", "en"]), "id": st.sampled_from(["abc123"]), "accept": st.booleans(),
        "role": st.sampled_from(["viewer", "trader"]), "date": st.just(world.today),
        "from": st.sampled_from(["2026-01-01", world.today]), "to": st.just(world.today),
        "month": st.just(world.today[:7]), "tf": st.sampled_from(["m1", "h1", "d1"]),
        "group": st.just("*USD*"), "ma_method": st.just("sma"), "applied_price": st.just("close"),
    }.get(name, junk)  # fmt: skip


PREVIEWED: dict[str, type[BaseModel]] = {
    "open": OpenBody, "modify": ModifyBody, "close": CloseBody, "close_all": CloseAllBody, "cancel": CancelBody,
}  # fmt: skip


def _fields(model: type[BaseModel] | None) -> list[tuple[str, bool]]:
    """(name as sent, required) of each field of a query or body model."""
    if model is None:
        return []
    return sorted((f.alias or name, f.is_required()) for name, f in model.model_fields.items())


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


# --- requests ---------------------------------------------------------------------------------------
@dataclass
class Case:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str = "identity"
    must_refuse: bool = False  # an unknown or repeated query parameter


def _encode(raw: bytes, how: str) -> tuple[bytes, str | None]:
    """The body as sent and its Content-Encoding."""
    if how == "deflate":
        return zlib.compress(raw), "deflate"
    if how == "gzip":
        return gzip.compress(raw), "gzip"
    if how == "deflate-corrupt":
        return b"\x78\x9c\xff\xff" + raw, "deflate"
    if how == "gzip-corrupt":
        return gzip.compress(raw)[:10] + b"\xff" * 8 + raw, "gzip"
    if how == "gzip-truncated":
        return gzip.compress(raw)[:-6], "gzip"
    if how == "deflate-bomb":
        return zlib.compress(b"{" + b" " * (4 * 1024 * 1024) + b"}", 9), "deflate"
    return raw, None


ENCODINGS = ["identity"] * 6 + ["deflate", "gzip", "deflate-corrupt", "gzip-corrupt", "gzip-truncated",
                                "deflate-bomb"]  # fmt: skip


def _values(draw: st.DrawFn, fields: list[tuple[str, bool]], world: World) -> dict[str, Any]:
    """Required fields and most optional ones, valid but for (usually) one under attack."""
    names = [name for name, required in fields if required or draw(st.integers(0, 2))]
    attacks = draw(st.sampled_from([0, 1, 1, 1, 2])) if names else 0
    attacked = {draw(st.sampled_from(names)) for _ in range(attacks)}
    return {name: draw(hostile(name) if name in attacked else valid(name, world)) for name in names}


@st.composite
def cases(draw: st.DrawFn, world: World) -> Case:
    ep = draw(st.sampled_from(WEIGHTED))
    path = ep.path
    for param in ("{name}", "{symbol}"):
        if param in path:
            symbol = draw(st.sampled_from(["XAUUSD", "EURUSD"]) if draw(st.booleans()) else hostile("symbol"))
            path = path.replace(param, quote(symbol, safe="") or "XAUUSD")
    if "{id}" in path:  # a rule's id (api/routes_rules.py)
        rule_id = draw(st.sampled_from(["1", "2"]) if draw(st.booleans()) else hostile("ticket"))
        path = path.replace("{id}", quote(str(rule_id), safe="") or "1")
    fields = _fields(ep.query)
    if ep.open_query:  # the indicator's own parameters
        fields += [("period", False), ("ma_method", False), ("applied_price", False), ("shift", False)]
    names = [name for name, _ in fields]
    query = [(name, _query_text(value)) for name, value in _values(draw, fields, world).items()]
    must_refuse = False
    if draw(st.integers(0, 4)) == 0:  # an unknown or repeated parameter
        extra = draw(st.sampled_from(UNKNOWN + names))
        must_refuse = extra in UNKNOWN or extra in {name for name, _ in query}
        query.append((extra, _query_text(draw(junk))))
    case = Case(ep.method, path, query, must_refuse=must_refuse)
    if ep.method == "POST":
        model = ep.body
        action = None
        if model is PreviewBody:  # the order route's body plus the `action` that selects it
            action = draw(st.sampled_from(sorted(PREVIEWED)))
            model = PREVIEWED[action]
        body = _values(draw, _fields(model), world)
        if action is not None:
            body["action"] = action if draw(st.integers(0, 9)) else draw(hostile("action"))
        if draw(st.integers(0, 9)) == 0:
            body[draw(st.sampled_from(UNKNOWN))] = draw(junk)
        raw = json.dumps(body, allow_nan=True, ensure_ascii=False).encode()  # NaN/Infinity: not JSON
        case.encoding = draw(st.sampled_from(ENCODINGS))
        case.body, encoding = _encode(raw, case.encoding)
        case.headers["Content-Type"] = "application/json"
        if encoding:
            case.headers["Content-Encoding"] = encoding
    token = draw(st.sampled_from([TOKEN] * 7 + [READ_ONLY_TOKEN]))
    case.headers["Authorization"] = f"Bearer {token}"
    return case


async def _send(http: aiohttp.ClientSession, api: Api, case: Case) -> tuple[int, str, Any]:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in case.query)
    url = URL(f"{api.url}/api/v1{case.path}" + (f"?{query}" if query else ""), encoded=True)
    async with http.request(case.method, url, data=case.body, headers=case.headers) as r:
        if r.content_type == "application/json":
            return r.status, r.content_type, await r.json()
        return r.status, r.content_type, await r.read()


async def _stock(api: Api) -> list[int]:
    """Keep a few positions and a pending order open, so that tickets in the requests are live."""
    if len(api.sim.positions_get()) < 3:
        market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.05)
        market(api, "EURUSD", C.ORDER_TYPE_SELL, 0.1)
    if not api.sim.orders_get():
        tick = api.sim.symbol_info_tick("XAUUSD")
        assert tick is not None
        api.sim.order_send(
            {"action": C.TRADE_ACTION_PENDING, "symbol": "XAUUSD", "volume": 0.01, "price": round(tick.bid - 40, 2),
             "type": C.ORDER_TYPE_BUY_LIMIT, "type_filling": C.ORDER_FILLING_RETURN}
        )  # fmt: skip
    return [p.ticket for p in api.sim.positions_get()] + [o.ticket for o in api.sim.orders_get()]


def _check(case: Case, status: int, ctype: str, body: Any) -> None:
    assert status < 500 or status == 503, (case, status, body)
    if case.must_refuse:
        assert status >= 400, (case, status, body)
    if ctype == "application/json":
        if status >= 400:
            assert body.get("success") is False, (case, body)
            assert isinstance(body.get("error"), str) and body["error"], (case, body)
            assert isinstance(body.get("code"), str) and body["code"], (case, body)
    elif status >= 400:
        # Only aiohttp's HTTP parser answers without the envelope, and only a 400: a compressed stream that
        # ends before it is complete (cut short, or a few bytes of garbage) breaks the HTTP message itself.
        assert status == 400 and "Content-Encoding" in case.headers, (case, status, body)


@pytest.mark.timeout(300)
async def test_hostile_values_on_every_route_never_get_a_500(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.get_running_loop()
    statuses: Counter[tuple[str, int]] = Counter()
    caplog.set_level(logging.ERROR, logger="api")
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        async with http.get(f"{api.url}/api/v1/reports/daily", headers=api.headers()) as r:
            today = (await r.json())["data"]["label"]

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=not os.environ.get("FUZZ_RANDOM"),
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(st.data())
        def run(data: st.DataObject) -> None:
            tickets = asyncio.run_coroutine_threadsafe(_stock(api), loop).result(30)
            case = data.draw(cases(World(tickets, today)))
            status, ctype, body = asyncio.run_coroutine_threadsafe(_send(http, api, case), loop).result(60)
            statuses[(case.path.split("/")[1], status)] += 1
            _check(case, status, ctype, body)

        await asyncio.to_thread(run)
    unexpected = [
        r.getMessage() for r in caplog.records if r.name.startswith("api") and r.levelno >= logging.ERROR
    ]
    assert not unexpected, unexpected
    # The run went deep: every kind of route answered, and some requests were accepted (200).
    assert {route for route, _ in statuses} >= {"order", "reports", "rates", "history", "chat", "symbol"}, (
        statuses
    )
    assert sum(n for (_, status), n in statuses.items() if status == 200) >= EXAMPLES // 10, statuses
