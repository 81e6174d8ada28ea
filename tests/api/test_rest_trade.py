"""Trading routes on the real server: every body check, every status, and nothing reaching the terminal
when a request is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import READ_ONLY_TOKEN, Api, start_api
from tests.api.rest_helpers import call, error, ok_data

OPEN = {"symbol": "EURUSD", "type": "buy", "volume": 0.1}


def _bid(api: Api) -> float:
    tick = api.sim.symbol_info_tick("EURUSD")
    assert tick is not None
    return float(tick.bid)


def _sim_counts(api: Api) -> tuple[int | None, int | None, int]:
    deals = api.sim.history_deals_get(0, 2**31 - 1) or ()
    return api.sim.positions_total(), api.sim.orders_total(), len(deals)


async def test_open_market_and_see_the_position(api: Api) -> None:
    result = ok_data(*await call(api, "POST", "/order/open", {**OPEN, "comment": "api test", "magic": 9}))
    assert result["ok"] is True and result["action"] == "open" and result["replayed"] is False
    ticket = result["outcomes"][0]["order"]
    positions = ok_data(*await call(api, "GET", "/positions"))
    assert [(p["ticket"], p["magic"], p["volume"]) for p in positions] == [(ticket, 9, 0.1)]
    assert positions[0]["comment"].endswith("api test")


BAD_BODIES: list[tuple[object, str]] = [
    ({**OPEN, "colour": "red"}, "colour"),
    ({**OPEN, "volume": -0.1}, "volume"),
    ({**OPEN, "volume": 0}, "volume"),
    ({**OPEN, "volume": "0.1"}, "volume"),
    ({**OPEN, "volume": True}, "volume"),
    ({**OPEN, "type": "BUY"}, "type"),
    ({**OPEN, "type": "buy_stop_limit"}, "type"),
    ({**OPEN, "comment": "x" * 17}, "comment"),
    ({**OPEN, "comment": "é"}, "comment"),
    ({**OPEN, "magic": -1}, "magic"),
    ({**OPEN, "sl": -1.0}, "sl"),
    ({"type": "buy", "volume": 0.1}, "symbol"),
    ([OPEN], ""),
]
BAD_JSON = [
    b'{"symbol": "EURUSD", "type": "buy", "volume": NaN}',
    b'{"symbol": "EURUSD", "type": "buy", "volume": Infinity}',
    b"{not json",
    b"",
]


async def test_bad_bodies_are_400_and_send_nothing(api: Api) -> None:
    before = _sim_counts(api)
    for body, where in BAD_BODIES:
        failed = error(*await call(api, "POST", "/order/open", body), 400, "invalid_request")
        assert where in failed["error"], (body, failed)
    for raw in BAD_JSON:  # NaN and Infinity are not JSON; a volume must be a finite number anyway
        error(*await call(api, "POST", "/order/open", raw=raw), 400, "invalid_request")
    assert _sim_counts(api) == before


async def test_core_refusals_are_400(api: Api) -> None:
    before = _sim_counts(api)
    error(*await call(api, "POST", "/order/open", {**OPEN, "symbol": "NOSUCH"}), 400, "unknown_symbol")
    error(*await call(api, "POST", "/order/open", {**OPEN, "volume": 0.015}), 400)
    error(*await call(api, "POST", "/order/open", {**OPEN, "price": 1.1}), 400, "price_on_market_order")
    error(*await call(api, "POST", "/order/open", {**OPEN, "type": "buy_limit"}), 400, "price_required")
    error(*await call(api, "POST", "/order/close", {"ticket": 123456}), 400, "ticket_not_found")
    error(*await call(api, "POST", "/order/close", {"volume": 0.1}), 400, "invalid_request")
    error(*await call(api, "POST", "/order/modify", {"ticket": 5}), 400, "invalid_request")
    error(*await call(api, "POST", "/order/cancel", {"ticket": 5, "all": True}), 400, "invalid_request")
    error(*await call(api, "POST", "/order/cancel", {}), 400, "invalid_request")
    assert _sim_counts(api) == before


async def test_ambiguous_close_lists_candidates_then_selectors_work(api: Api) -> None:
    tickets = [
        ok_data(*await call(api, "POST", "/order/open", OPEN))["outcomes"][0]["order"] for _ in range(3)
    ]
    failed = error(*await call(api, "POST", "/order/close", {"symbol": "EURUSD"}), 400, "ambiguous")
    assert failed["candidates"] == tickets
    closed = ok_data(*await call(api, "POST", "/order/close", {"symbol": "EURUSD", "selector": "earliest"}))
    assert [o["ticket"] for o in closed["outcomes"]] == [tickets[0]]
    part = ok_data(*await call(api, "POST", "/order/close", {"ticket": tickets[1], "volume": 0.04}))
    assert part["outcomes"][0]["volume"] == pytest.approx(0.04)
    every = ok_data(*await call(api, "POST", "/order/close_all", {"symbol": "EURUSD"}))
    assert sorted(o["ticket"] for o in every["outcomes"]) == tickets[1:]
    assert ok_data(*await call(api, "GET", "/positions")) == []
    error(*await call(api, "POST", "/order/close_all", {}), 400, "no_match")


async def test_pending_modify_and_cancel(api: Api) -> None:
    bid = _bid(api)
    placed = ok_data(
        *await call(api, "POST", "/order/open", {**OPEN, "type": "buy_limit", "price": round(bid - 0.01, 5)})
    )
    order = placed["outcomes"][0]["order"]
    pending = ok_data(*await call(api, "GET", "/orders/pending"))
    assert [(o["ticket"], o["type"]) for o in pending] == [(order, "buy_limit")]
    new_price = round(bid - 0.02, 5)
    ok_data(
        *await call(
            api, "POST", "/order/modify", {"ticket": order, "price": new_price, "sl": round(bid - 0.03, 5)}
        )
    )
    pending = ok_data(*await call(api, "GET", "/orders/pending?symbol=EURUSD"))
    assert pending[0]["price_open"] == pytest.approx(new_price) and pending[0]["sl"] == pytest.approx(
        bid - 0.03
    )
    ok_data(*await call(api, "POST", "/order/cancel", {"ticket": order}))
    assert ok_data(*await call(api, "GET", "/orders/pending")) == []


async def test_modify_position_sl_tp(api: Api) -> None:
    ticket = ok_data(*await call(api, "POST", "/order/open", OPEN))["outcomes"][0]["order"]
    bid = _bid(api)
    ok_data(
        *await call(api, "POST", "/order/modify", {"ticket": ticket, "sl": round(bid - 0.01, 5), "tp": 0})
    )
    position = ok_data(*await call(api, "GET", "/positions"))[0]
    assert position["sl"] == pytest.approx(round(bid - 0.01, 5)) and position["tp"] is None


async def test_preview_sends_nothing(api: Api) -> None:
    before = _sim_counts(api)
    preview = ok_data(*await call(api, "POST", "/order/preview", {"action": "open", **OPEN}))
    assert preview["action"] == "open" and preview["volume"] == 0.1 and preview["margin"] > 0
    assert len(preview["legs"]) == 1
    assert _sim_counts(api) == before
    error(*await call(api, "POST", "/order/preview", OPEN), 400, "invalid_request")  # no action
    error(*await call(api, "POST", "/order/preview", {"action": "explode"}), 400, "invalid_request")
    error(*await call(api, "POST", "/order/preview", {"action": "close_all"}), 400, "no_match")
    ok_data(*await call(api, "POST", "/order/preview", {"action": "open", **OPEN}, token=READ_ONLY_TOKEN))


async def test_idempotency_replay_and_conflict(api: Api) -> None:
    key = {"Idempotency-Key": "order-42"}
    first = ok_data(*await call(api, "POST", "/order/open", OPEN, headers=key))
    again = ok_data(*await call(api, "POST", "/order/open", OPEN, headers=key))
    assert again["replayed"] is True and again["request_id"] == first["request_id"] == "order-42"
    assert api.sim.positions_total() == 1
    error(
        *await call(api, "POST", "/order/open", {**OPEN, "volume": 0.2}, headers=key),
        409,
        "idempotency_conflict",
    )
    error(*await call(api, "POST", "/order/open", OPEN, headers={"Idempotency-Key": "bad key!"}), 400)
    assert api.sim.positions_total() == 1


async def test_read_only_token_cannot_trade(api: Api) -> None:
    error(*await call(api, "POST", "/order/open", OPEN, token=READ_ONLY_TOKEN), 403)
    error(*await call(api, "POST", "/order/open", OPEN, token=None), 401)
    assert api.sim.positions_total() == 0


async def test_mt5_rejection_is_422_with_retcode(api: Api) -> None:
    failed = error(*await call(api, "POST", "/order/open", {**OPEN, "symbol": "XAUUSD", "volume": 9.0}), 422)
    assert failed["retcode"] == 10019 and failed["retcode_name"] == "TRADE_RETCODE_NO_MONEY"
    assert api.sim.positions_total() == 0


async def test_body_over_the_limit_is_413(api: Api) -> None:
    raw = b'{"symbol": "EURUSD", "comment": "' + b"x" * (300 * 1024) + b'"}'
    error(*await call(api, "POST", "/order/open", raw=raw), 413, "body_too_large")


async def test_risk_refusal_is_422_with_rule(tmp_path: Path) -> None:
    api = await start_api(tmp_path, risk={"max_order_volume": 1.0})
    try:
        failed = error(
            *await call(api, "POST", "/order/open", {**OPEN, "volume": 2.0}), 422, "risk_max_order_volume"
        )
        assert failed["rule"] == "max_order_volume"
        assert api.sim.positions_total() == 0
    finally:
        await api.runner.cleanup()
