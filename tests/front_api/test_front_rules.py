"""The rules' routes on a front (issue 19): relayed to the named bridge like every account route, the rule
stored on that bridge only; a viewer cannot create one through the front's token, and a trader cannot
resume one there (the bridge sees the front's admin token, so the front checks the role itself)."""

from __future__ import annotations

from typing import Any

from mt5bot.keys import DATABASE
from mt5bridge.trading.rules.models import RuleState
from mt5bridge.trading.rules.repository import RuleRepository
from tests.api.conftest import READ_ONLY_TOKEN
from tests.front_api.conftest import Front, call

BE = {"scope": {"symbol": "XAUUSD"}, "action": {"kind": "break_even", "trigger": {"value": 100}}}


def _data(status: int, body: Any, *_: Any) -> Any:
    assert status == 200, body
    return body["data"]


def _code(result: tuple[int, Any, Any]) -> tuple[int, str]:
    status, body, _ = result
    return status, body["code"]


async def test_rules_are_relayed_to_their_bridge_with_roles_checked_on_the_front(front: Front) -> None:
    b = front.bridges["b"]
    preview = _data(*await call(front.url, "POST", "/rules/preview?account=b", BE))
    assert preview["kind"] == "break_even"
    rule = _data(
        *await call(front.url, "POST", "/rules?account=b", {"spec": BE, "expected_preview": preview})
    )
    assert [r["id"] for r in _data(*await call(b.url, "GET", "/rules"))] == [rule["id"]]
    assert [r["id"] for r in _data(*await call(front.url, "GET", "/rules?account=b"))] == [rule["id"]]
    assert _data(*await call(front.url, "GET", "/rules")) == []  # the front's own account has none

    assert _code(await call(front.url, "POST", "/rules?account=b", {"spec": BE}, token=READ_ONLY_TOKEN)) == (
        403, "forbidden_role",
    )  # fmt: skip
    trader = _data(*await call(front.url, "POST", "/auth/login", {"role": "trader"}))["token"]
    repo = RuleRepository(b.app[DATABASE].rules)
    read = await repo.get(rule["id"])
    assert read is not None
    await repo.save(read.model_copy(update={"state": RuleState.PAUSED, "failures": 3}))
    resume = f"/rules/{rule['id']}/resume?account=b"
    assert _code(await call(front.url, "POST", resume, token=trader)) == (403, "forbidden_role")
    assert _data(*await call(front.url, "POST", resume))["state"] == "waiting"  # the admin may
    removed = _data(*await call(front.url, "DELETE", f"/rules/{rule['id']}?account=b", token=trader))
    assert removed["state"] == "removed"
