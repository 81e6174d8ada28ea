"""A refused action settles its Idempotency-Key like a result (issue 10, point 4).

Before, a close or modify refused by the selectors (`SelectionError` is not a `TradingError`) left its key
`in_progress` forever with no audit line, and a retry got 409 instead of the original answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.keys import CLIENT, HEARTBEAT
from mt5bot.keys import DATABASE
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.heartbeat import LinkState
from storage.models import Outcome
from tests.api.conftest import Api
from tests.api.rest_helpers import call, error, market, ok_data


def _refusals(api: Api) -> dict[str, tuple[str, dict[str, Any], int, str]]:
    """name -> (path, body, status, code): each a refusal of the selectors or the core."""
    first = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.03)
    return {
        "ticket_not_found": ("/order/close", {"ticket": 987654321}, 400, "ticket_not_found"),
        "invalid_volume": ("/order/close", {"ticket": first, "volume": 0.015}, 400, "invalid_volume"),
        "volume_exceeds": ("/order/close", {"ticket": first, "volume": 5.0}, 400, "volume_exceeds"),
        "ambiguous": ("/order/close", {"symbol": "XAUUSD"}, 400, "ambiguous"),
        "no_match": ("/order/close_all", {"symbol": "EURUSD"}, 400, "no_match"),
        "modify_missing": ("/order/modify", {"ticket": 987654321, "sl": 1.0}, 400, "ticket_not_found"),
        "risk": (
            "/order/open",
            {"symbol": "XAUUSD", "type": "buy", "volume": 50.0},
            422,
            "risk_max_order_volume",
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "ticket_not_found",
        "invalid_volume",
        "volume_exceeds",
        "ambiguous",
        "no_match",
        "modify_missing",
        "risk",
    ],
)
async def test_a_refusal_is_answered_again_for_its_key_and_audited_once(api: Api, name: str) -> None:
    path, body, status, code = _refusals(api)[name]
    headers = {"Idempotency-Key": f"refused-{name}"}
    first_status, first = await call(api, "POST", path, body, headers=headers)
    error(first_status, first, status, code)
    again_status, again = await call(api, "POST", path, body, headers=headers)
    assert (again_status, again) == (first_status, first)
    entries = await api.app[DATABASE].audit.for_request(f"refused-{name}")
    assert len(entries) == 1
    assert entries[0].outcome in (Outcome.REFUSED, Outcome.REJECTED)
    assert entries[0].error_code == code


async def test_the_same_key_for_another_body_is_still_a_conflict(api: Api) -> None:
    headers = {"Idempotency-Key": "refused-then-other"}
    error(*await call(api, "POST", "/order/close", {"ticket": 987654321}, headers=headers), 400)
    other = {"ticket": 987654322}
    error(*await call(api, "POST", "/order/close", other, headers=headers), 409, "idempotency_conflict")


async def test_a_temporary_refusal_does_not_hold_the_key(api: Api) -> None:
    """The terminal unreachable: nothing was decided, so the same key may run once it is back."""
    headers = {"Idempotency-Key": "while-down"}
    order = {"symbol": "XAUUSD", "type": "buy", "volume": 0.01}
    api.sim.disconnect()
    try:
        status, body = await call(api, "POST", "/order/open", order, headers=headers)
        assert status in (502, 503), body
    finally:
        api.sim.reconnect()
    for _ in range(100):  # the heartbeat (every second here) brings the link back
        if api.app[HEARTBEAT].state is LinkState.CONNECTED and api.app[CLIENT].connected:
            break
        await asyncio.sleep(0.1)
    data = ok_data(*await call(api, "POST", "/order/open", order, headers=headers))
    assert data["ok"] is True and data["replayed"] is False
    assert len(api.sim.positions_get() or ()) == 1
    entries = await api.app[DATABASE].audit.for_request("while-down")
    assert [e.outcome for e in entries][-1] is Outcome.OK
    assert len(entries) == 2  # the refusal and the trade, each audited
