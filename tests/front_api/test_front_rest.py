"""REST on the front (issue 17): `GET /accounts`, `?account=` reads and orders relayed to the named
bridge (once per Idempotency-Key), unknown accounts, roles checked before relaying, a stopped bridge, a
lost answer, charts and streamed ranges relayed as the bridge sent them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.keys import TRADING
from mt5bridge.remote.feed import FeedState
from tests.api.conftest import READ_ONLY_TOKEN, start_api
from tests.front_api.conftest import BRIDGE_B, Front, call, start_front, until
from tests.remote.proxy import LossyProxy

ORDER = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}


def _data(status: int, body: Any, *_: Any) -> Any:
    assert status == 200, body
    assert body["success"] is True, body
    return body["data"]


def _refused(result: tuple[int, Any, Any], status: int, code: str) -> dict[str, Any]:
    got, body, _ = result
    assert got == status, body
    assert body["success"] is False and body["code"] == code, body
    return dict(body)


def _steady(account: dict[str, Any]) -> dict[str, Any]:
    """An account's figures without the clock's fields (each answer reads the time again)."""
    return {k: v for k, v in account.items() if "time" not in k}


async def test_accounts_lists_every_account_in_order_with_its_state(front: Front) -> None:
    await until(lambda: front.directory.get("b").feed_state is FeedState.CONNECTED)
    listed = _data(*await call(front.url, "GET", "/accounts", token=READ_ONLY_TOKEN))
    assert [a["name"] for a in listed] == ["a", "b", "c"]
    a, b, c = listed
    assert a["kind"] == "local" and a["default"] is True and a["mt5_connected"] is True
    assert a["state"] is None and a["label"] == "Local demo"
    assert b["kind"] == "bridge" and b["default"] is False and b["label"] == "Bridge B"
    assert b["state"] == "up" and b["mt5_connected"] is True and b["version"] and b["feed"] == "connected"
    assert b["latency_ms"] is not None and b["since"] and b["checked_at"] and b["last_error"] is None
    assert c["state"] == "up" and c["feed"] is None


async def test_a_read_names_its_account_and_gets_that_bridges_answer(front: Front) -> None:
    b = front.bridges["b"]
    own = _steady(_data(*await call(b.url, "GET", "/account")))
    via_front = _steady(_data(*await call(front.url, "GET", "/account?account=b")))
    assert via_front == own and own["balance"] == BRIDGE_B["balance"]
    assert _steady(_data(*await call(front.url, "GET", "/account?account=B"))) == own  # case-insensitive
    local = _steady(_data(*await call(front.url, "GET", "/account?account=a")))
    assert local != own and local == _steady(_data(*await call(front.url, "GET", "/account")))
    netting = _data(*await call(front.url, "GET", "/account?account=c"))
    assert netting["balance"] == 4000.0
    # Other query parameters go over as they are.
    bars = _data(*await call(front.url, "GET", "/rates/EURUSD?tf=m5&count=3&account=b"))
    assert bars == _data(*await call(b.url, "GET", "/rates/EURUSD?tf=m5&count=3"))
    _refused(await call(front.url, "GET", "/rates/EURUSD?count=5000&account=b"), 400, "invalid_request")


async def test_an_order_lands_on_its_account_once_per_key(front: Front) -> None:
    b, c = front.bridges["b"], front.bridges["c"]
    key = {"Idempotency-Key": "front-order-1"}
    first = _data(*await call(front.url, "POST", "/order/open?account=b", ORDER, headers=key))
    assert first["ok"] is True and first["replayed"] is False and first["request_id"] == "front-order-1"
    again = _data(*await call(front.url, "POST", "/order/open?account=b", ORDER, headers=key))
    assert again["replayed"] is True and again["outcomes"] == first["outcomes"]
    assert b.sim.positions_total() == 1
    assert front.api.sim.positions_total() == 0 and c.sim.positions_total() == 0
    (position,) = _data(*await call(front.url, "GET", "/positions?account=b"))
    assert position["ticket"] == first["outcomes"][0]["order"]
    assert _data(*await call(front.url, "GET", "/positions")) == []  # the default: the front's own
    # The same key for another body is the bridge's own conflict, relayed as it answered.
    _refused(
        await call(front.url, "POST", "/order/open?account=b", {**ORDER, "volume": 0.02}, headers=key),
        409, "idempotency_conflict",
    )  # fmt: skip


async def test_unknown_or_repeated_accounts_are_refused(front: Front) -> None:
    body = _refused(await call(front.url, "GET", "/account?account=zz"), 400, "unknown_account")
    assert body["accounts"] == ["a", "b", "c"] and "zz" in body["error"]
    _refused(await call(front.url, "POST", "/order/open?account=zz", ORDER), 400, "unknown_account")
    _refused(await call(front.url, "GET", "/account?account=b&account=c"), 400, "invalid_request")
    _refused(await call(front.url, "GET", "/account?account="), 400, "unknown_account")
    # The service's own routes take no account.
    _refused(await call(front.url, "GET", "/accounts?account=b"), 400, "invalid_request")
    _refused(await call(front.url, "GET", "/health?account=b", token=None), 400, "invalid_request")
    assert all(bridge.sim.positions_total() == 0 for bridge in front.bridges.values())


async def test_a_read_only_token_cannot_trade_through_the_fronts_token(front: Front) -> None:
    b = front.bridges["b"]
    _refused(
        await call(front.url, "POST", "/order/open?account=b", ORDER, token=READ_ONLY_TOKEN),
        403, "forbidden_role",
    )  # fmt: skip
    _refused(
        await call(front.url, "POST", "/order/close_all?account=b", {}, token=READ_ONLY_TOKEN),
        403, "forbidden_role",
    )  # fmt: skip
    # The chat is the front's own (its chat core routes by the message): never relayed, no `account`.
    chat = await call(
        front.url, "POST", "/chat?account=b", {"text": "buy 0.01 xauusd"}, token=READ_ONLY_TOKEN
    )
    assert chat[0] == 400
    assert b.sim.positions_total() == 0
    # What a viewer may do on its own service it may do on a bridge: read and preview.
    _data(*await call(front.url, "GET", "/positions?account=b", token=READ_ONLY_TOKEN))
    preview = {**ORDER, "action": "open"}
    _data(*await call(front.url, "POST", "/order/preview?account=b", preview, token=READ_ONLY_TOKEN))
    assert b.sim.positions_total() == 0


async def test_a_trader_jwt_trades_through_the_front_but_is_no_admin_there(front: Front) -> None:
    b = front.bridges["b"]
    login = _data(*await call(front.url, "POST", "/auth/login", {"role": "trader"}))
    trader = login["token"]
    _data(*await call(front.url, "POST", "/order/open?account=b", ORDER, token=trader))
    assert b.sim.positions_total() == 1
    _refused(await call(front.url, "GET", "/status?account=b", token=trader), 403, "forbidden_role")
    _data(*await call(front.url, "GET", "/status?account=b"))  # the admin may


async def test_a_stopped_bridge_is_unreachable_and_the_others_keep_answering(front: Front) -> None:
    await front.bridges["b"].runner.cleanup()
    body = _refused(await call(front.url, "GET", "/account?account=b"), 503, "bridge_unreachable")
    assert body["account"] == "b" and "b" in body["error"]
    body = _refused(await call(front.url, "POST", "/order/open?account=b", ORDER), 503, "bridge_unreachable")
    _data(*await call(front.url, "GET", "/account"))
    _data(*await call(front.url, "GET", "/account?account=c"))


async def test_a_lost_order_answer_is_outcome_unknown_with_its_key_and_never_resent(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "p")
    proxy = LossyProxy(int(bridge.url.rsplit(":", 1)[1]))
    await proxy.start()
    proxy.drop_answers = True  # from the first connection on (the proxy decides per connection)
    front = await start_front(tmp_path, {"p": proxy.url})
    try:
        # A read whose answer is lost is tried once more, then the bridge counts as unreachable.
        before = proxy.dropped
        _refused(await call(front.url, "GET", "/account?account=p"), 503, "bridge_unreachable")
        assert proxy.dropped == before + 2, (before, proxy.dropped)
        key = {"Idempotency-Key": "lost-via-front"}
        body = _refused(await call(front.url, "POST", "/order/open?account=p", ORDER, headers=key),
                        502, "order_outcome_unknown")  # fmt: skip
        assert body["idempotency_key"] == "lost-via-front" and body["account"] == "p"
        assert bridge.sim.positions_total() == 1  # it reached the bridge, once: never re-sent
        # Without a key the front made one, and says which.
        body = _refused(
            await call(front.url, "POST", "/order/open?account=p", ORDER), 502, "order_outcome_unknown"
        )
        made = body["idempotency_key"]
        assert made and bridge.sim.positions_total() == 2
        proxy.drop_answers = False
        again = _data(*await call(front.url, "POST", "/order/open?account=p", ORDER, headers=key))
        assert again["replayed"] is True
        again = _data(*await call(front.url, "POST", "/order/open?account=p", ORDER,
                                  headers={"Idempotency-Key": made}))  # fmt: skip
        assert again["replayed"] is True and bridge.sim.positions_total() == 2
    finally:
        await front.api.runner.cleanup()
        await proxy.close()
        await bridge.runner.cleanup()


async def test_charts_and_streamed_ranges_come_through_as_the_bridge_sent_them(front: Front) -> None:
    b = front.bridges["b"]
    status, png, resp = await call(front.url, "GET", "/reports/daily/chart?lang=en&account=b")
    assert status == 200 and resp.content_type == "image/png" and png.startswith(b"\x89PNG")
    status, own, _ = await call(b.url, "GET", "/reports/daily/chart?lang=en")
    assert status == 200 and own.startswith(b"\x89PNG")
    start = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0, tzinfo=None)
    path = f"/rates/EURUSD/range?tf=m1&from={start.isoformat()}&to={(start + timedelta(days=1)).isoformat()}"
    status, via_front, resp = await call(front.url, "GET", path + "&account=b")
    assert status == 200, via_front
    status, direct, _ = await call(b.url, "GET", path)
    assert via_front == direct and via_front["data"]["count"] > 1000


async def test_a_front_whose_default_is_a_bridge_sends_unnamed_requests_there(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "only", mt5={"simulator": BRIDGE_B})
    front = await start_front(tmp_path, {"only": bridge.url})
    front.directory.entries.reverse()  # as a front without a terminal of its own: the bridge first
    try:
        data = _data(*await call(front.url, "GET", "/account"))
        assert data["balance"] == BRIDGE_B["balance"]
        local = _data(*await call(front.url, "GET", "/account?account=a"))
        assert local["balance"] == (await front.api.app[TRADING].account()).balance
    finally:
        await front.api.runner.cleanup()
        await bridge.runner.cleanup()
