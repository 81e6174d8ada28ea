"""Read routes on the real server: account, positions, orders, history, P&L, symbols, rates, indicators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import numpy as np

from api.barcache import BAR_CACHE
from api.keys import CLIENT
from mt5bridge.terminal import constants as C
from mt5bridge.trading.indicators import IndicatorRequest, compute
from tests.api.conftest import READ_ONLY_TOKEN, Api
from tests.api.rest_helpers import call, error, market, ok_data


async def test_account_fields_and_times(api: Api) -> None:
    data = ok_data(*await call(api, "GET", "/account", token=READ_ONLY_TOKEN))
    for field in ("login", "server", "currency", "leverage", "balance", "equity", "margin", "margin_free"):
        assert field in data
    assert data["margin_level"] == 0.0 and data["balance"] == 10000.0
    utc = datetime.fromisoformat(data["server_time"])
    wall = datetime.fromisoformat(data["server_time_server"])
    assert utc.tzinfo is not None and wall.tzinfo is None
    assert wall - utc.replace(tzinfo=None) == timedelta(seconds=data["server_utc_offset"])
    assert datetime.fromisoformat(data["connected_since"]) <= datetime.now(UTC)


async def test_positions_filters_and_fields(api: Api) -> None:
    first = market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.1, magic=7)
    market(api, "XAUUSD", C.ORDER_TYPE_SELL, 0.02)
    every = ok_data(*await call(api, "GET", "/positions"))
    assert [p["symbol"] for p in every] == ["EURUSD", "XAUUSD"]
    eur = every[0]
    assert eur["ticket"] == first and eur["type"] == "buy" and eur["magic"] == 7
    assert {"current_price", "open_time", "open_time_server", "price_open", "sl", "tp", "swap"} <= set(eur)
    assert eur["sl"] is None
    gold = ok_data(*await call(api, "GET", "/positions?symbol=xauusd"))  # canonical names resolve
    assert [p["type"] for p in gold] == ["sell"]
    assert ok_data(*await call(api, "GET", "/positions?magic=7"))[0]["ticket"] == first
    assert ok_data(*await call(api, "GET", "/positions?magic=8")) == []


async def test_query_errors_are_400(api: Api) -> None:
    error(*await call(api, "GET", "/positions?magic=-1"), 400, "invalid_request")
    error(*await call(api, "GET", "/positions?magic=abc"), 400, "invalid_request")
    error(*await call(api, "GET", "/positions?colour=red"), 400, "invalid_request")
    error(*await call(api, "GET", "/positions?magic=1&magic=2"), 400, "invalid_request")
    error(*await call(api, "GET", "/positions?symbol=NOPE"), 400, "unknown_symbol")
    error(*await call(api, "GET", "/orders/pending?symbol=NOPE"), 400, "unknown_symbol")


async def test_history_deals_and_pnl(api: Api) -> None:
    ticket = market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.1, magic=3)
    ok_data(*await call(api, "POST", "/order/close", {"ticket": ticket}))
    today = ok_data(*await call(api, "GET", "/history/deals"))
    assert today["window"]["label"]
    kinds = [(d["type"], d["entry"]) for d in today["deals"]]
    assert ("balance", "in") in kinds and ("buy", "in") in kinds and ("sell", "out") in kinds
    only = ok_data(*await call(api, "GET", "/history/deals?symbol=EURUSD&magic=3"))["deals"]
    assert [d["entry"] for d in only] == ["in", "out"]  # the close carries the position's magic
    day = datetime.fromisoformat(today["window"]["start_server"]).date()
    ranged = ok_data(*await call(api, "GET", f"/history/deals?from={day}&to={day}"))
    assert len(ranged["deals"]) == len(today["deals"])
    since = ok_data(*await call(api, "GET", f"/history/deals?from={day}"))
    assert len(since["deals"]) == len(today["deals"])
    pnl = ok_data(*await call(api, "GET", "/pnl?period=today"))
    assert pnl["total"]["trades"] == 1
    assert set(pnl["by_symbol"]) == {"EURUSD"} and "3" in pnl["by_magic"]
    assert pnl["total"]["realized"] == round(
        sum(pnl["by_symbol"][s]["realized"] for s in pnl["by_symbol"]), 2
    )
    error(*await call(api, "GET", f"/pnl?period=today&from={day}"), 400, "invalid_request")
    error(*await call(api, "GET", f"/pnl?to={day}"), 400, "invalid_request")
    error(*await call(api, "GET", "/pnl?period=decade"), 400, "invalid_request")
    error(*await call(api, "GET", "/pnl?from=2026-05-05&to=2026-05-01"), 400, "invalid_range")
    error(*await call(api, "GET", "/pnl?from=yesterday"), 400, "invalid_request")
    error(*await call(api, "GET", "/pnl?from=0001-01-01"), 400, "invalid_request")


async def test_symbols_and_one_symbol(api: Api) -> None:
    names = [s["name"] for s in ok_data(*await call(api, "GET", "/symbols"))]
    assert "EURUSD" in names and "XAUUSD" in names
    usd = ok_data(*await call(api, "GET", "/symbols?group=*JPY*"))
    assert usd and all("JPY" in s["name"] for s in usd)
    gold = ok_data(*await call(api, "GET", "/symbol/xauusd"))
    assert gold["symbol"]["name"] == "XAUUSD" and gold["symbol"]["trade_mode"] == "full"
    assert gold["tick"]["bid"] > 0 and gold["tick"]["ask"] >= gold["tick"]["bid"]
    error(*await call(api, "GET", "/symbol/NOSUCH"), 404, "unknown_symbol")
    error(*await call(api, "GET", "/symbol/a%20b"), 400, "invalid_symbol")
    error(*await call(api, "GET", "/symbols?grp=x"), 400, "invalid_request")


async def test_rates_count_tf_and_range(api: Api) -> None:
    data = ok_data(*await call(api, "GET", "/rates/EURUSD"))
    assert data["tf"] == "h1" and data["count"] == 100 == len(data["rates"])
    bars = data["rates"]
    assert bars[0]["time"] < bars[-1]["time"] and bars[-1]["time"].endswith("Z")
    assert all(
        b["low"] <= min(b["open"], b["close"]) <= max(b["open"], b["close"]) <= b["high"] for b in bars
    )
    raw = await api.app[CLIENT].rates_from_pos("EURUSD", C.TIMEFRAME_H1, 0, 100)
    assert [b["close"] for b in bars] == raw["close"].tolist()
    offset = api.app[CLIENT].server_utc_offset
    first = datetime.fromisoformat(bars[0]["time"])
    assert int(first.timestamp()) == int(raw["time"][0]) - offset
    assert ok_data(*await call(api, "GET", "/rates/EURUSD?tf=m5&count=1000"))["count"] == 1000
    error(*await call(api, "GET", "/rates/EURUSD?count=1001"), 400, "invalid_request")
    error(*await call(api, "GET", "/rates/EURUSD?count=0"), 400, "invalid_request")
    error(*await call(api, "GET", "/rates/EURUSD?tf=h2"), 400, "invalid_request")
    error(*await call(api, "GET", "/rates/NOSUCH"), 404, "unknown_symbol")
    start = datetime.fromisoformat(bars[10]["time_server"])
    end = datetime.fromisoformat(bars[19]["time_server"])
    ranged = ok_data(
        *await call(api, "GET", f"/rates/EURUSD/range?tf=h1&from={start.isoformat()}&to={end.isoformat()}")
    )
    assert [b["time"] for b in ranged["rates"]] == [b["time"] for b in bars[10:20]]
    aware = datetime.fromisoformat(bars[10]["time"]).isoformat()
    shifted = ok_data(
        *await call(api, "GET", f"/rates/EURUSD/range?from={aware.replace('+', '%2B')}&to={end.isoformat()}")
    )
    assert shifted["rates"][0]["time"] == bars[10]["time"]
    error(*await call(api, "GET", f"/rates/EURUSD/range?from={end.isoformat()}&to={start.isoformat()}"), 400)
    error(
        *await call(api, "GET", "/rates/EURUSD/range?tf=m1&from=2000-01-01&to=2026-01-01"),
        400,
        "range_too_large",
    )
    error(*await call(api, "GET", "/rates/EURUSD/range?tf=h1"), 400, "invalid_request")


async def test_indicators_match_the_engine(api: Api) -> None:
    data = ok_data(
        *await call(api, "GET", "/indicators/EURUSD?tf=h1&name=MA&period=10&ma_method=ema&count=5")
    )
    assert data["params"] == {"period": 10, "method": "ema", "applied_price": "close", "shift": 0}
    assert len(data["times"]) == 5 and set(data["values"]) == {"main"}
    request = IndicatorRequest.from_query("MA", {"period": "10", "ma_method": "ema"})
    rates = await api.app[CLIENT].rates_from_pos("EURUSD", C.TIMEFRAME_H1, 0, 1000)
    expected = compute(rates, request, 5)
    assert np.allclose(
        np.array(data["values"]["main"], float), np.array(expected.values["main"], float), rtol=0, atol=1e-12
    )
    macd = ok_data(*await call(api, "GET", "/indicators/EURUSD?name=MACD&count=3"))
    assert set(macd["values"]) == {"main", "signal"}
    error(*await call(api, "GET", "/indicators/EURUSD?name=FOO"), 400, "unknown_indicator")
    error(*await call(api, "GET", "/indicators/EURUSD?name=MA&period=x"), 400, "invalid_parameter")
    error(*await call(api, "GET", "/indicators/EURUSD?name=MA&colour=1"), 400, "invalid_parameter")
    error(*await call(api, "GET", "/indicators/EURUSD"), 400, "invalid_request")
    error(*await call(api, "GET", "/indicators/EURUSD?name=MA&count=5000"), 400, "invalid_request")
    error(*await call(api, "GET", "/indicators/NOSUCH?name=MA"), 404, "unknown_symbol")


async def test_unknown_route_method_and_auth(api: Api) -> None:
    error(*await call(api, "GET", "/nowhere"), 404, "not_found")
    error(*await call(api, "DELETE", "/account"), 405, "method_not_allowed")
    status, body = await call(api, "GET", "/account", token=None)
    error(status, body, 401)
    status, body = await call(api, "GET", "/account", token="wrong-token-0123456789")
    error(status, body, 401)


async def test_terminal_down_is_503(api: Api) -> None:
    api.sim.disconnect()
    for path in ("/account", "/positions", "/symbol/EURUSD", "/rates/EURUSD"):
        error(*await call(api, "GET", path), 503)
    status, body = await call(api, "GET", "/health", token=None)
    assert ok_data(status, body)["mt5_connected"] is False
    error(*await call(api, "POST", "/order/open", {"symbol": "EURUSD", "type": "buy", "volume": 0.1}), 503)
    api.sim.reconnect()


async def test_openapi_and_docs_are_public(api: Api) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api.url}/api/v1/openapi.json") as resp:
            assert resp.status == 200
            spec = await resp.json()
        async with http.get(f"{api.url}/docs") as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/api/v1/account", "/api/v1/order/open", "/api/v1/rates/{symbol}/range", "/api/v1/pnl"):
        assert path in paths and path in page
    open_op = paths["/api/v1/order/open"]["post"]
    assert open_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OpenBody")
    assert {"200", "400", "401", "409", "422", "503"} <= set(open_op["responses"])
    assert spec["components"]["schemas"]["OpenBody"]["additionalProperties"] is False
    count = next(p for p in paths["/api/v1/rates/{symbol}"]["get"]["parameters"] if p["name"] == "count")
    assert count["schema"]["maximum"] == 1000
    assert paths["/api/v1/health"]["get"]["security"] == []


async def test_rates_cache_never_serves_stale_bars(api: Api) -> None:
    cache = api.app[BAR_CACHE]
    first = ok_data(*await call(api, "GET", "/rates/EURUSD?count=50"))
    again = ok_data(*await call(api, "GET", "/rates/EURUSD?count=50"))
    assert again == first and cache.hits >= 1
    api.sim.advance(7200)  # two new bars: the closed bars differ, so the cached ones must not be used
    moved = ok_data(*await call(api, "GET", "/rates/EURUSD?count=50"))
    raw = await api.app[CLIENT].rates_from_pos("EURUSD", C.TIMEFRAME_H1, 0, 50)
    assert [b["close"] for b in moved["rates"]] == raw["close"].tolist()
    assert moved["rates"][-1]["time"] > first["rates"][-1]["time"]
    one = ok_data(*await call(api, "GET", "/rates/EURUSD?count=1"))
    assert len(one["rates"]) == 1 and one["rates"][0] == moved["rates"][-1]
