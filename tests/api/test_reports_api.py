"""Reports over REST on the real server: JSON figures, PNG charts, date/month validation, OpenAPI."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from mt5bot.keys import DATABASE
from mt5bridge.terminal import constants as C
from reports.fonts import cjk_font
from storage.models import AccountSnapshot
from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api, start_api
from tests.api.rest_helpers import call, error, market, ok_data

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_daily_and_hedge_reports_read_the_account(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=1001)
    market(api, "XAUUSD", C.ORDER_TYPE_SELL, 0.04, magic=1001)
    market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.20, magic=0)
    daily = ok_data(*await call(api, "GET", "/reports/daily", token=READ_ONLY_TOKEN))
    assert daily["kind"] == "daily" and daily["account"]["currency"] == "USD"
    floating = sum(p.profit + p.swap for p in api.sim.positions_get())
    assert abs(daily["total"]["floating"] - floating) < 0.011
    assert {row["magic"] for row in daily["by_strategy"]} == {0, 1001}
    books = {(b["symbol"], b["magic"]): b for b in daily["hedge"]["books"]}
    gold = books[("XAUUSD", 1001)]
    assert (gold["buy_volume"], gold["sell_volume"]) == (0.10, 0.04)
    assert abs(gold["net_volume"] - 0.06) < 1e-9 and abs(gold["locked_volume"] - 0.04) < 1e-9
    hedge = ok_data(*await call(api, "GET", "/reports/hedge"))
    assert hedge["kind"] == "hedge" and hedge["hedge"]["books"] == daily["hedge"]["books"]


async def test_magic_scopes_a_report_to_one_ea(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=1001)
    market(api, "XAUUSD", C.ORDER_TYPE_SELL, 0.04, magic=1001)
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.30, magic=2002)
    market(api, "EURUSD", C.ORDER_TYPE_BUY, 0.20, magic=0)
    whole = ok_data(*await call(api, "GET", "/reports/hedge"))
    assert whole["magic"] is None and {b["magic"] for b in whole["hedge"]["books"]} == {0, 1001, 2002}
    for kind in ("daily", "hedge", "monthly"):
        one = ok_data(*await call(api, "GET", f"/reports/{kind}?magic=1001", token=READ_ONLY_TOKEN))
        assert one["magic"] == 1001, kind
        assert [(b["symbol"], b["magic"]) for b in one["hedge"]["books"]] == [("XAUUSD", 1001)], kind
        [gold] = one["hedge"]["symbols"]
        assert (gold["buy_volume"], gold["sell_volume"]) == (0.10, 0.04), kind  # not EA 2002's 0.30
        assert [row["magic"] for row in one["by_strategy"]] == [1001], kind
        assert [row["symbol"] for row in one["by_symbol"]] == ["XAUUSD"], kind
        assert all(s["magic"] in (1001, None) for s in one["hedge"]["suggestions"]), kind
        floating = sum(p.profit + p.swap for p in api.sim.positions_get() if p.magic == 1001)
        assert abs(one["total"]["floating"] - floating) < 0.011, kind
    unknown = ok_data(*await call(api, "GET", "/reports/daily?magic=4242"))
    assert unknown["magic"] == 4242 and unknown["by_strategy"] == [] and unknown["hedge"]["books"] == []
    async with aiohttp.ClientSession(headers=api.headers(TOKEN)) as http:
        async with http.get(f"{api.url}/api/v1/reports/hedge/chart?magic=1001") as resp:
            assert resp.status == 200 and (await resp.read()).startswith(PNG_SIGNATURE)
    for bad in ("-1", "abc", "1.5", "", str(2**63)):
        for path in (f"/reports/hedge?magic={bad}", f"/reports/monthly?magic={bad}"):
            status, body = await call(api, "GET", path)
            assert error(status, body, 400)["code"] == "invalid_request", path
    status, body = await call(api, "GET", "/reports/daily?magic=1&magic=2")
    assert error(status, body, 400)["code"] == "invalid_request"


async def test_monthly_report_has_a_row_per_day_so_far(api: Api) -> None:
    monthly = ok_data(*await call(api, "GET", "/reports/monthly"))
    assert monthly["kind"] == "monthly"
    days = [date.fromisoformat(row["day"]) for row in monthly["days"]]
    assert days and days[0].day == 1
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))]  # consecutive, from the 1st
    last = ok_data(*await call(api, "GET", f"/reports/monthly?month={(days[0] - timedelta(days=1)):%Y-%m}"))
    assert len(last["days"]) >= 28  # a whole past month


async def test_bad_or_future_dates_are_400(api: Api) -> None:
    for path in (
        "/reports/daily?date=2026-02-30",
        "/reports/daily?day=2026-01-01",  # unknown parameter
        "/reports/monthly?month=2026-13",
        "/reports/monthly?month=26-01",
        "/reports/daily?date=2999-01-01",
        "/reports/monthly?month=2999-01",
    ):
        status, body = await call(api, "GET", path)
        assert error(status, body, 400)["code"] in ("invalid_request", "invalid_report"), path


async def test_charts_are_png(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=1001)
    async with aiohttp.ClientSession(headers=api.headers(TOKEN)) as http:
        for kind in ("daily", "monthly", "hedge"):
            async with http.get(f"{api.url}/api/v1/reports/{kind}/chart") as resp:
                assert resp.status == 200
                assert resp.content_type == "image/png"
                png = await resp.read()
            assert png.startswith(PNG_SIGNATURE) and len(png) > 5000, kind
        async with http.get(f"{api.url}/api/v1/reports/daily/chart?date=nope") as resp:
            assert resp.status == 400 and resp.content_type == "application/json"
        async with http.get(f"{api.url}/api/v1/reports/daily/chart", headers={"Authorization": ""}) as resp:
            assert resp.status == 401


async def test_a_chart_speaks_the_asked_language(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=1001)
    drawn: dict[str, bytes] = {}
    async with aiohttp.ClientSession(headers=api.headers(TOKEN)) as http:
        for lang in ("zh", "en"):
            async with http.get(f"{api.url}/api/v1/reports/monthly/chart?lang={lang}") as resp:
                assert resp.status == 200 and resp.content_type == "image/png"
                drawn[lang] = await resp.read()
        async with http.get(f"{api.url}/api/v1/reports/daily/chart?lang=fr") as resp:
            assert resp.status == 400  # only the languages the charts speak
        async with http.get(f"{api.url}/api/v1/reports/daily?lang=en") as resp:
            assert resp.status == 400  # the figures have no language: lang is a chart parameter only
    if cjk_font() is not None:  # without a CJK font a zh chart falls back to the English labels
        assert drawn["zh"] != drawn["en"]


async def test_openapi_documents_reports(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{api.url}/api/v1/openapi.json") as resp:
        doc = await resp.json()
    paths = doc["paths"]
    for kind in ("daily", "monthly", "hedge"):
        assert "get" in paths[f"/api/v1/reports/{kind}"]
        chart = paths[f"/api/v1/reports/{kind}/chart"]["get"]
        assert "image/png" in chart["responses"]["200"]["content"]
    params = {p["name"] for p in paths["/api/v1/reports/daily"]["get"]["parameters"]}
    assert params == {"date", "magic", "account"}  # `account`: every routed operation's (api/front.py)
    monthly = {p["name"]: p for p in paths["/api/v1/reports/monthly"]["get"]["parameters"]}
    assert set(monthly) == {"month", "magic", "account"} and monthly["magic"]["schema"]["minimum"] == 0
    # Client generators need one operationId per operation, across the whole document.
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


async def test_mt5bot_report_client(api: Api) -> None:
    from mt5bot.report_cli import ServiceRefused, fetch, render_text

    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.10, magic=1001)
    data, png = await fetch(api.url, READ_ONLY_TOKEN, "hedge", {}, chart=True)
    assert png is not None and png.startswith(PNG_SIGNATURE)
    text = render_text(data, "en")
    assert "XAUUSD" in text and "magic 1001" in text
    with pytest.raises(ServiceRefused, match=r"\(400\) invalid_report: .*2999-01"):
        await fetch(api.url, READ_ONLY_TOKEN, "monthly", {"month": "2999-01"}, chart=False)
    for kind, params in [
        ("monthly", {"month": "0000-01"}),
        ("monthly", {"month": "0001-01"}),
        ("daily", {"date": "0001-01-01"}),
        ("daily", {"date": "1960-05-01"}),
    ]:  # the issue-14 cases: the CLI prints the documented refusal, as REST and the chat give it
        with pytest.raises(ServiceRefused, match=r"\(400\) invalid_report: .*between 1971 and 2100"):
            await fetch(api.url, READ_ONLY_TOKEN, kind, params, chart=False)
    with pytest.raises(ServiceRefused, match=r"\(401\)"):
        await fetch(api.url, "wrong-token-0123456789", "daily", {}, chart=False)


async def test_the_monthly_report_carries_the_accounts_equity_curve(api: Api) -> None:
    db = api.app[DATABASE]
    login = api.sim.account_info().login
    # Last month, so the window is whole whatever today's date: the snapshots below are an hour apart
    # (the app's interval), and a gap is 3 intervals without one, so they must not be spread thinner.
    this_month = ok_data(*await call(api, "GET", "/reports/monthly"))
    last_day = datetime.fromisoformat(str(this_month["start"])) - timedelta(days=1)
    month = f"{last_day:%Y-%m}"
    end = datetime.fromisoformat(
        str(ok_data(*await call(api, "GET", f"/reports/monthly?month={month}"))["end"])
    )
    span = timedelta(hours=39)
    start, step = end - span, span / 40
    at = start
    while at < end:  # what the recorder would have written, with one stretch of downtime in the middle
        if not start + span / 3 < at < start + span / 2:
            await db.snapshots.record(
                AccountSnapshot(at=at, login=login, balance=10_000.0, equity=10_050.0, margin=0.0,
                                margin_free=10_000.0, margin_level=0.0, profit=50.0)
            )  # fmt: skip
        at += step
    data = ok_data(*await call(api, "GET", f"/reports/monthly?month={month}"))
    curve = data["equity"]
    assert isinstance(curve, dict) and len(curve["points"]) > 20
    assert curve["gaps"], "the downtime is a gap, not a straight line"
    assert ok_data(*await call(api, "GET", "/reports/monthly?magic=7"))["equity"] is None  # an EA's: none
    assert ok_data(*await call(api, "GET", "/reports/daily"))["equity"] is None


async def test_ea_names_are_listed_by_magic_for_any_token(tmp_path: Path) -> None:
    api = await start_api(tmp_path, reports={"ea_names": {20001: "Gold grid", 7: "Scalper"}})
    try:
        named = ok_data(*await call(api, "GET", "/eas", token=READ_ONLY_TOKEN))
        assert named == [{"magic": 7, "name": "Scalper"}, {"magic": 20001, "name": "Gold grid"}]
    finally:
        await api.runner.cleanup()


async def test_no_ea_names_configured_lists_none(api: Api) -> None:
    assert ok_data(*await call(api, "GET", "/eas")) == []
