"""The rules' REST routes on the real server (simulator, SQLite): list, preview, create, remove, resume;
bad input refused with 400 (1e308, NaN, negatives, far values, unknown fields, wrong types), viewers
refused with 403, unknown ids 404, a POST replayed under its Idempotency-Key, and a changed preview 409."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from api.keys import TRADING
from api.security import jwt
from api.security.auth import token_subject
from mt5bot.keys import DATABASE
from mt5bridge.terminal import constants as C
from mt5bridge.trading.rules.models import RuleState
from mt5bridge.trading.rules.repository import RuleRepository
from storage.models import Role
from tests.api.conftest import JWT_SECRET, READ_ONLY_TOKEN, TOKEN, Api
from tests.api.rest_helpers import call, error, market, ok_data

BE: dict[str, Any] = {
    "scope": {"symbol": "XAUUSD"},
    "action": {"kind": "break_even", "trigger": {"value": 100}},
}
TRADER = jwt.mint(JWT_SECRET, token_subject(TOKEN), Role.TRADER, timedelta(minutes=5)).token
VIEWER = jwt.mint(JWT_SECRET, token_subject(TOKEN), Role.VIEWER, timedelta(minutes=5)).token


def _with(path: list[str], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """`base` (BE) with the field at `path` set to `value`."""
    body = copy.deepcopy(base or BE)
    node = body
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return body


async def test_preview_create_list_remove(api: Api) -> None:
    ticket = market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.1)
    preview = ok_data(*await call(api, "POST", "/rules/preview", BE))
    assert preview["kind"] == "break_even" and preview["spec"]["scope"]["symbol"] == "XAUUSD"
    (position,) = preview["positions"]
    assert (position["ticket"], position["status"]) == (ticket, "waiting")
    rule = ok_data(*await call(api, "POST", "/rules", {"spec": BE, "expected_preview": preview}))
    assert rule["id"] > 0 and rule["state"] == "waiting" and rule["created_by"].startswith("rest:")
    listed = ok_data(*await call(api, "GET", "/rules"))
    assert [r["id"] for r in listed] == [rule["id"]]
    assert ok_data(*await call(api, "GET", "/rules?state=waiting,paused"))[0]["id"] == rule["id"]
    assert ok_data(*await call(api, "GET", "/rules?state=done")) == []
    removed = ok_data(*await call(api, "DELETE", f"/rules/{rule['id']}", token=TRADER))
    assert removed["state"] == "removed"
    assert ok_data(*await call(api, "GET", "/rules?state=removed"))[0]["id"] == rule["id"]
    error(*await call(api, "DELETE", f"/rules/{rule['id'] + 50}"), 404, "rule_not_found")


async def test_resume_is_for_admins(api: Api) -> None:
    rule = ok_data(*await call(api, "POST", "/rules", {"spec": BE}))
    error(*await call(api, "POST", f"/rules/{rule['id']}/resume"), 409, "rule_not_paused")
    repo = RuleRepository(api.app[DATABASE].rules)
    read = await repo.get(rule["id"])
    assert read is not None
    await repo.save(read.model_copy(update={"state": RuleState.PAUSED, "failures": 3, "attempts": 2}))
    error(*await call(api, "POST", f"/rules/{rule['id']}/resume", token=TRADER), 403, "forbidden_role")
    resumed = ok_data(*await call(api, "POST", f"/rules/{rule['id']}/resume"))
    assert (resumed["state"], resumed["failures"], resumed["attempts"]) == ("waiting", 0, 2)
    error(*await call(api, "POST", "/rules/999/resume"), 404, "rule_not_found")


async def test_viewers_read_only(api: Api) -> None:
    rule = ok_data(*await call(api, "POST", "/rules", {"spec": BE}))
    for token in (READ_ONLY_TOKEN, VIEWER):
        assert len(ok_data(*await call(api, "GET", "/rules", token=token))) == 1
        # a preview changes nothing: viewers may read one, as they may an order's
        assert (
            ok_data(*await call(api, "POST", "/rules/preview", BE, token=token))["spec"]["action"]["kind"]
            == "break_even"
        )
        error(*await call(api, "POST", "/rules", {"spec": BE}, token=token), 403, "forbidden_role")
        error(*await call(api, "DELETE", f"/rules/{rule['id']}", token=token), 403, "forbidden_role")
        error(*await call(api, "POST", f"/rules/{rule['id']}/resume", token=token), 403, "forbidden_role")
    assert len(ok_data(*await call(api, "GET", "/rules"))) == 1
    error(*await call(api, "GET", "/rules", token=None), 401)


@pytest.mark.parametrize(
    "body",
    [
        _with(["action", "trigger", "value"], 1e308),
        _with(["action", "trigger", "value"], -5),
        _with(["action", "trigger", "value"], "100"),  # a string is no number
        _with(["action", "offset_points"], 1e7),
        _with(["action", "kind"], "moonshot"),
        _with(["action", "surprise"], 1),
        _with(["scope", "ticket"], -1),
        _with(["scope", "ticket"], 2**70),
        _with(["scope", "magic"], -3),
        _with(["scope", "symbol"], ""),
        _with(["scope", "side"], "long"),
        _with(["scope", "owner"], "me"),
        {"action": {"kind": "trailing", "mode": "atr"}},  # an ATR trail without its k
        {"action": {"kind": "trailing", "distance_points": 20, "timeframe": "W1"}},
        {
            "action": {
                "kind": "staged_tp",
                "stages": [{"price": 4200, "share": 0.8}, {"price": 4300, "share": 0.3}],
            }
        },
        {"action": {"kind": "staged_tp", "stages": [{"price": 1e12, "share": 0.5}]}},
        {"action": {"kind": "staged_tp", "stages": []}},
        {"action": {"kind": "equity_guard", "limit": {"percent": 101}}},
        {"action": {"kind": "equity_guard", "limit": {"percent": 3, "money": 5}}},
        {"action": {"kind": "equity_guard", "reference": "fixed", "limit": {"money": 5}}},
        {"action": {"kind": "profit_lock", "activate_at": 100, "give_back": 1.5}},
        {"action": {"kind": "profit_lock", "activate_at": 0, "give_back": 0.5}},
        {"scope": {}},
    ],
)
async def test_bad_specs_are_400(api: Api, body: dict[str, Any]) -> None:
    error(*await call(api, "POST", "/rules/preview", body), 400, "invalid_request")
    error(*await call(api, "POST", "/rules", {"spec": body}), 400, "invalid_request")
    assert ok_data(*await call(api, "GET", "/rules")) == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"action": {"kind": "break_even", "trigger": {"value": NaN}}}',
        b'{"action": {"kind": "break_even", "trigger": {"value": Infinity}}}',
        b'{"action": {"kind": "break_even"',
        b"[]",
        b"",
    ],
)
async def test_what_is_not_json_or_not_a_rule_is_400(api: Api, raw: bytes) -> None:
    error(*await call(api, "POST", "/rules/preview", raw=raw), 400, "invalid_request")
    error(*await call(api, "POST", "/rules", raw=raw), 400, "invalid_request")


async def test_refusals_of_the_core_and_of_the_routes(api: Api) -> None:
    body = _with(["scope", "symbol"], "NOSUCH")
    error(*await call(api, "POST", "/rules/preview", body), 400, "unknown_symbol")
    far = _with(["scope", "ticket"], 2**62)  # a valid 64-bit ticket, but no such position
    error(*await call(api, "POST", "/rules", {"spec": far}), 400, "ticket_not_found")
    staged = {"action": {"kind": "staged_tp", "stages": [{"points": 100, "share": 0.5}]}}
    refused = error(*await call(api, "POST", "/rules/preview", staged), 400, "rule_empty_scope")
    assert refused["start_code"] == "empty_scope"
    error(*await call(api, "POST", "/rules", {"spec": BE, "extra": 1}), 400, "invalid_request")
    error(*await call(api, "POST", "/rules", {"expected_preview": None}), 400, "invalid_request")
    for bad in ("abc", "0", "-1", "1.5", "9" * 30, "9223372036854775808"):
        error(*await call(api, "DELETE", f"/rules/{bad}"), 400, "invalid_request")
    error(*await call(api, "DELETE", "/rules/9223372036854775807"), 404, "rule_not_found")
    error(*await call(api, "GET", "/rules?state=sleeping"), 400, "invalid_request")
    error(*await call(api, "GET", "/rules?status=waiting"), 400, "invalid_request")


async def test_create_is_replayed_under_its_idempotency_key(api: Api) -> None:
    key = {"Idempotency-Key": "rule-key-1"}
    first = ok_data(*await call(api, "POST", "/rules", {"spec": BE}, headers=key))
    again = ok_data(*await call(api, "POST", "/rules", {"spec": BE}, headers=key))
    assert again["id"] == first["id"]
    assert len(ok_data(*await call(api, "GET", "/rules"))) == 1
    other = _with(["action", "trigger", "value"], 200)
    error(*await call(api, "POST", "/rules", {"spec": other}, headers=key), 409, "idempotency_conflict")
    error(*await call(api, "POST", "/rules", {"spec": BE}, headers={"Idempotency-Key": "bad key!"}), 400)


async def test_a_changed_preview_is_409_with_the_fresh_one(api: Api) -> None:
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.1)
    preview = ok_data(*await call(api, "POST", "/rules/preview", BE))
    market(api, "XAUUSD", C.ORDER_TYPE_BUY, 0.2)
    refused = error(*await call(api, "POST", "/rules", {"spec": BE, "expected_preview": preview}), 409,
                    "preview_changed")  # fmt: skip
    assert refused["reason"] == "positions_changed" and len(refused["preview"]["positions"]) == 2
    assert ok_data(*await call(api, "GET", "/rules")) == []
    tampered = {**preview, "equity": "lots"}
    error(
        *await call(api, "POST", "/rules", {"spec": BE, "expected_preview": tampered}), 400, "invalid_request"
    )
    created = ok_data(
        *await call(api, "POST", "/rules", {"spec": BE, "expected_preview": refused["preview"]})
    )
    assert created["id"] > 0


async def test_read_only_mode_allows_only_equity_guards(api: Api) -> None:
    api.app[TRADING].set_read_only(True)
    error(*await call(api, "POST", "/rules", {"spec": BE}), 422, "risk_read_only")
    guard = {"action": {"kind": "equity_guard", "limit": {"percent": 3}}}
    assert (
        ok_data(*await call(api, "POST", "/rules", {"spec": guard}))["spec"]["action"]["kind"]
        == "equity_guard"
    )


async def test_the_routes_are_in_the_openapi_document(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{api.url}/api/v1/openapi.json") as r:
        spec = await r.json()
    paths = spec["paths"]
    assert set(paths["/api/v1/rules"]) == {"get", "post"}
    assert "post" in paths["/api/v1/rules/preview"] and "delete" in paths["/api/v1/rules/{id}"]
    assert "post" in paths["/api/v1/rules/{id}/resume"]
    assert any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/rules"]["post"]["parameters"])
