"""Report periods over REST, fuzzed: any `date`/`month` a client may send is a report of exactly that
period or the documented `400 invalid_report`, never a 500 (issue 14: 0000-01 once was one)."""

from __future__ import annotations

from datetime import date

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import TOKEN, Api

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
_digits = st.integers(0, 9999)
DAYS = st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", _digits, st.integers(0, 13), st.integers(0, 32)),
    st.text(max_size=12),
    st.sampled_from(
        ["0", "-1", "1e308", "2026-1-5", "２０２６-１１-０５", "2026-11-05T00:00", " 2026-11-05"]
    ),
)
MONTHS = st.one_of(
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", _digits, st.integers(0, 13)),
    st.text(max_size=9),
    st.sampled_from(["0000-01", "0001-01", "2026-00", "2026-1", "1e308", "-2026-01"]),
)


def _real_day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if len(text) == 10 and 1971 <= day.year <= 2100 else None


async def _get(api: Api, path: str, params: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{api.url}{path}", params=params, headers=HEADERS) as r,
    ):
        return r.status, await r.json()


@FUZZ
@given(text=DAYS)
async def test_daily_and_hedge_dates(api: Api, text: str) -> None:
    for kind in ("daily", "hedge"):
        status, body = await _get(api, f"/api/v1/reports/{kind}", {"date": text})
        assert status in (200, 400), (text, body)
        real = _real_day(text)
        if status == 400:
            assert body["code"] == "invalid_report", (text, body)
            assert real is None or real > date.today()
        else:
            assert real is not None and body["data"]["label"] == real.isoformat()  # type: ignore[index]


@FUZZ
@given(text=MONTHS)
async def test_monthly_months(api: Api, text: str) -> None:
    status, body = await _get(api, "/api/v1/reports/monthly", {"month": text})
    assert status in (200, 400), (text, body)
    if status == 200:
        assert str(body["data"]["label"]).startswith(text + "-01")  # type: ignore[index]
        assert 1971 <= int(text[:4]) <= 2100
    else:
        assert body["code"] == "invalid_report", (text, body)
