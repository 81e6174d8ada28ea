"""Every acting route and chat path, with every role and every kind of token (issue 10, point 1).

The attack this pins: a viewer JWT carries the master token's subject, so to the chat core it is the same
user as the admin. A confirmation belongs to the principal who asked for it (subject and role), and the
trading core refuses a viewer's action on its own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.security import jwt
from api.security.auth import token_subject
from mt5bot.keys import DATABASE
from mt5bridge.terminal import constants as C
from storage.models import Outcome, Role
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api
from tests.api.rest_helpers import call, market

SUBJECT = token_subject(TOKEN)


def _jwt(role: Role) -> str:
    return jwt.mint(JWT_SECRET, SUBJECT, role, timedelta(minutes=5)).token


# name -> (token, role); every JWT here carries the master token's subject.
PRINCIPALS = {
    "master": (TOKEN, Role.ADMIN),
    "read_only": (READ_ONLY_TOKEN, Role.VIEWER),
    "jwt_admin": (_jwt(Role.ADMIN), Role.ADMIN),
    "jwt_trader": (_jwt(Role.TRADER), Role.TRADER),
    "jwt_viewer": (_jwt(Role.VIEWER), Role.VIEWER),
}
TRADERS = [name for name, (_, role) in PRINCIPALS.items() if role is not Role.VIEWER]


def _book(api: Api) -> tuple[list[tuple[int, float, float, float]], list[tuple[int, float]]]:
    positions = [(p.ticket, p.volume, p.sl, p.tp) for p in api.sim.positions_get() or ()]
    orders = [(o.ticket, o.price_open) for o in api.sim.orders_get() or ()]
    return positions, orders


def _bodies(api: Api) -> dict[str, dict[str, object]]:
    gold = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    tick = api.sim.symbol_info_tick("XAUUSD")
    assert tick is not None
    limit = api.sim.order_send(
        {"action": C.TRADE_ACTION_PENDING, "symbol": "XAUUSD", "volume": 0.01, "type": C.ORDER_TYPE_BUY_LIMIT,
         "price": round(tick.ask - 50, 2), "type_filling": C.ORDER_FILLING_RETURN}
    )  # fmt: skip
    assert limit is not None and limit.retcode == C.TRADE_RETCODE_DONE
    return {
        "/order/open": {"symbol": "XAUUSD", "type": "buy", "volume": 0.01},
        "/order/modify": {"ticket": gold, "sl": round(tick.bid - 30, 2)},
        "/order/close": {"ticket": gold, "volume": 0.01},
        "/order/close_all": {"symbol": "XAUUSD"},
        "/order/cancel": {"ticket": limit.order},
    }


@pytest.mark.parametrize("name", PRINCIPALS)
async def test_trading_routes_act_only_for_traders(api: Api, name: str) -> None:
    token, role = PRINCIPALS[name]
    may_trade = role is not Role.VIEWER
    bodies = _bodies(api)
    for path, body in bodies.items():
        before = _book(api)
        status, answer = await call(api, "POST", path, body, token=token)
        if may_trade:
            assert status == 200, (path, answer)
            assert _book(api) != before, path
        else:
            assert (status, answer["code"]) == (403, "forbidden_role"), (path, answer)
            assert _book(api) == before, path
    # Previews never act, so every role may ask for one.
    status, _ = await call(api, "POST", "/order/preview", {"action": "open", **bodies["/order/open"]},
                           token=token)  # fmt: skip
    assert status == 200


async def _say(api: Api, token: str, text: str) -> dict[str, object]:
    status, body = await call(api, "POST", "/chat", {"text": text}, token=token)
    assert status == 200, body
    return body["data"]


@pytest.mark.parametrize("asker", TRADERS)
@pytest.mark.parametrize("confirmer", PRINCIPALS)
async def test_a_confirmation_acts_only_for_the_principal_who_asked(
    api: Api, asker: str, confirmer: str
) -> None:
    asked = await _say(api, PRINCIPALS[asker][0], "买入0.01手黄金")
    conf_id = asked["confirmation_id"]
    assert isinstance(conf_id, str)
    token = PRINCIPALS[confirmer][0]
    # The same principal: the same subject (or the very token) under the same role.
    same = PRINCIPALS[asker] == PRINCIPALS[confirmer] or (
        asker != "read_only" and confirmer != "read_only" and PRINCIPALS[asker][1] is PRINCIPALS[confirmer][1]
    )
    # Both ways to press: the button's action as text, and the confirm route.
    await _say(api, token, f"c:{conf_id}:y")
    status, _ = await call(api, "POST", "/chat/confirm", {"id": conf_id, "accept": True}, token=token)
    assert status == (403 if PRINCIPALS[confirmer][1] is Role.VIEWER else 200)  # the gate stops viewers first
    opened = api.sim.positions_get() or ()
    assert len(opened) == (1 if same else 0), (asker, confirmer)


async def test_viewer_jwt_cannot_confirm_the_admins_trade_and_nothing_is_audited_as_done(api: Api) -> None:
    asked = await _say(api, TOKEN, "买入0.01手黄金")
    assert isinstance(asked["confirmation_id"], str), asked
    reply = await _say(api, _jwt(Role.VIEWER), f"c:{asked['confirmation_id']}:y")
    assert api.sim.positions_get() == ()
    assert "不是您的" in str(reply["text"])
    entries = await api.app[DATABASE].audit.recent(limit=50)
    assert not [e for e in entries if e.action == "open" and e.outcome is Outcome.OK]
    denied = [e for e in entries if e.action == "chat.confirm" and e.outcome is Outcome.DENIED]
    assert denied and denied[0].role == "viewer"
    # The admin's own tap still works afterwards: the refused tap did not use it up.
    await _say(api, TOKEN, f"c:{asked['confirmation_id']}:y")
    assert len(api.sim.positions_get() or ()) == 1


@pytest.mark.parametrize("name", ["read_only", "jwt_viewer"])
async def test_viewers_get_no_trade_from_text_or_suggestion_taps(api: Api, name: str) -> None:
    token = PRINCIPALS[name][0]
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    before = _book(api)
    for text in ("买入0.01手黄金", "平仓黄金", "do:close all XAUUSD", "buy 0.01 lot gold"):
        reply = await _say(api, token, text)
        assert reply["confirmation_id"] is None, text
        assert reply["buttons"] == [], text
    assert _book(api) == before
