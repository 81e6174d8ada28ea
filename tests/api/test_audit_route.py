"""GET /api/v1/audit on the real server: REST trades and chat messages listed with their platform, action
and outcome; each filter narrowing; pages by `before`; admins only; bad input refused; secrets masked;
no storage, 503; a front serving its own lines filtered by account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from api.settings import SecuritySettings, ServerSettings
from api.setup import setup_api
from bot.keys import STATUS
from storage import AuditEntry, Outcome
from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api, start_api
from tests.api.rest_helpers import call, error, ok_data
from tests.front_api.conftest import start_front

OPEN = {"symbol": "EURUSD", "type": "buy", "volume": 0.1}
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def _audit(api: Api, query: str = "", token: str = TOKEN) -> dict[str, Any]:
    data: dict[str, Any] = ok_data(*await call(api, "GET", f"/audit?{query}", token=token))
    return data


def _line(minute: int, **fields: Any) -> AuditEntry:
    base: dict[str, Any] = {"platform": "telegram", "user_id": "42", "action": "open", "outcome": Outcome.OK}
    return AuditEntry(at=T0 + timedelta(minutes=minute), **{**base, **fields})


async def _summary(api: Api, query: str) -> list[tuple[str, str, str]]:
    return [(e["platform"], e["action"], e["outcome"]) for e in (await _audit(api, query))["entries"]]


async def test_trades_and_chat_are_listed_and_each_filter_narrows(api: Api) -> None:
    ok_data(*await call(api, "POST", "/order/open", OPEN))
    error(*await call(api, "POST", "/order/open", {**OPEN, "symbol": "NOPE"}), 400, "unknown_symbol")
    ok_data(*await call(api, "POST", "/chat", {"text": "持仓"}))
    ok_data(*await call(api, "POST", "/chat", {"text": "持仓"}, token=READ_ONLY_TOKEN))
    page = await _audit(api)
    chat_ro, chat, refused, opened = page["entries"]
    assert page["next_before"] is None
    assert (opened["platform"], opened["action"], opened["outcome"], opened["retcode"]) == (
        "rest", "open", "ok", 10009,
    )  # fmt: skip
    assert opened["tickets"] and opened["duration_ms"] is not None and opened["role"] == "admin"
    assert opened["command"]["symbol"] == "EURUSD" and opened["account"] == "local"
    assert opened["user_id"].startswith("tok-") and TOKEN not in str(page)
    assert (refused["outcome"], refused["error_code"]) == ("refused", "unknown_symbol")
    assert (chat["platform"], chat["action"], chat["raw_input"]) == ("http", "chat.message", "持仓")
    assert chat_ro["role"] == "viewer" and chat_ro["user_id"] != chat["user_id"]
    assert await _summary(api, "platform=rest") == [("rest", "open", "refused"), ("rest", "open", "ok")]
    assert await _summary(api, "action=open&outcome=ok") == [("rest", "open", "ok")]
    assert await _summary(api, "outcome=refused") == [("rest", "open", "refused")]
    assert [e["id"] for e in (await _audit(api, f"actor={chat_ro['user_id']}"))["entries"]] == [chat_ro["id"]]
    since, until = quote(refused["at"]), quote(chat_ro["at"])
    assert [e["id"] for e in (await _audit(api, f"since={since}&until={until}"))["entries"]] == [
        chat["id"], refused["id"],
    ]  # fmt: skip
    assert len((await _audit(api, "account=LOCAL"))["entries"]) == 4  # the service's own name, any case
    assert (await _audit(api, "platform=telegram"))["entries"] == []


async def test_pages_by_before_are_disjoint_and_ordered(api: Api) -> None:
    for minute in range(7):
        await api.app[STATUS].db.audit.append(_line(minute))
    pages, before = [], ""
    while True:
        page = await _audit(api, f"limit=3{before}")
        pages.append([e["at"][14:16] for e in page["entries"]])
        if page["next_before"] is None:
            break
        before = f"&before={page['next_before']}"
    assert pages == [["06", "05", "04"], ["03", "02", "01"], ["00"]]


BAD = [
    "limit=0", "limit=501", "limit=1e308", "limit=abc", "before=-1", "before=0", "before=1e308",
    f"before={2**63}", "since=9999-01-01T00:00:00Z", "since=1900-01-01T00:00:00Z", "until=1e308",
    "since=2026-05-01", "since=2026-05-01T08:00:00", "since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z",
    "outcome=meh", "actor=", "actor=%00", "platform=" + "x" * 33, "colour=red", "limit=1&limit=2",
    "account=nobody",
]  # fmt: skip


async def test_admins_only_and_bad_input_is_400_changing_nothing(api: Api) -> None:
    ok_data(*await call(api, "POST", "/order/open", OPEN))
    before = await _audit(api)
    error(*await call(api, "GET", "/audit", token=READ_ONLY_TOKEN), 403, "forbidden_role")
    for query in BAD:
        status, body = await call(api, "GET", f"/audit?{query}")
        assert status == 400 and body["code"] in {"invalid_request", "unknown_account"}, (query, body)
    assert await _audit(api) == before  # nothing written, nothing else answered


async def test_secrets_typed_into_a_chat_are_masked(api: Api) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    ok_data(*await call(api, "POST", "/chat", {"text": f"my token {TOKEN} and {jwt}"}))
    (line,) = (await _audit(api))["entries"]
    assert line["platform"] == "http" and line["raw_input"] == "my token *** and ***"
    (stored,) = await api.app[STATUS].db.audit.recent()
    assert stored.raw_input is not None and TOKEN in stored.raw_input  # stored as typed, masked when read


@asynccontextmanager
async def _bare_api() -> AsyncIterator[Api]:
    """Only the API on an app: no database, no chat core, no terminal."""
    app = web.Application()
    setup_api(app, ServerSettings(), SecuritySettings(token=TOKEN))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield Api(f"http://127.0.0.1:{runner.addresses[0][1]}", app, runner)
    finally:
        await runner.cleanup()


async def test_without_storage_it_is_503() -> None:
    async with _bare_api() as bare:
        error(*await call(bare, "GET", "/audit"), 503, "audit_unavailable")


async def test_front_serves_its_own_lines_filtered_by_account(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "b")
    front = await start_front(tmp_path, {"b": bridge.url})
    try:
        db = front.api.app[STATUS].db
        await db.audit.append(_line(0, account="b"))
        await db.audit.append(_line(1))  # the front's own account, "local" (its terminal is "a" here)
        assert [e["account"] for e in (await _audit(front.api, "account=B"))["entries"]] == ["b"]
        assert len((await _audit(front.api))["entries"]) == 2
        assert (await _audit(bridge))["entries"] == []  # nothing was relayed to the bridge's own log
        error(*await call(front.api, "GET", "/audit?account=zz"), 400, "unknown_account")
        error(*await call(front.api, "GET", "/audit?account=b", token=READ_ONLY_TOKEN), 403, "forbidden_role")
    finally:
        await front.api.runner.cleanup()
        await bridge.runner.cleanup()
