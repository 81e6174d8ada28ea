"""`RemoteRules`: a bridge's trade-management rules over its REST API (docs/rules.md, "Chat"), the
`RulePort` a front's chat core uses for the accounts it routes to, as `RemoteTrading` is their
`TradingPort`. It raises the rule service's own exceptions, so the chat answers alike for both."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

import aiohttp

from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.remote.client import Answer, RemoteTrading
from mt5bridge.remote.errors import BridgeOutcomeUnknown, BridgeUnreachable, Failure, error_of
from mt5bridge.trading.errors import Forbidden
from mt5bridge.trading.models import Actor
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.preview import RulePreview
from mt5bridge.trading.rules.service import RuleNotFound, RulePreviewChanged


class RemoteRules:
    """One bridge's rules: `GET /rules`, `POST /rules/preview`, `POST /rules`, `DELETE /rules/{id}`,
    `POST /rules/{id}/resume`. The bridge audits them under the front's token."""

    def __init__(self, remote: RemoteTrading) -> None:
        self.remote = remote

    async def list(self, states: Iterable[RuleState | str] | None = None) -> builtins.list[Rule]:
        wanted = None if states is None else ",".join(sorted({RuleState(s).value for s in states}))
        data = await self.remote.read("/rules", {"state": wanted})
        return [Rule.model_validate(item) for item in data]

    async def get(self, rule_id: int) -> Rule:
        for rule in await self.list():
            if rule.id == rule_id:
                return rule
        raise RuleNotFound(rule_id)

    async def preview(self, spec: RuleSpec, actor: Actor | None = None) -> RulePreview:
        data = await self._call("POST", "/rules/preview", spec.model_dump(mode="json"))
        return RulePreview.model_validate(data)

    async def create(
        self,
        spec: RuleSpec,
        actor: Actor,
        expected: RulePreview | None = None,
        *,
        request_id: str | None = None,
    ) -> Rule:
        if not actor.may_trade:
            raise Forbidden(actor.role, "create a rule")
        body: dict[str, Any] = {"spec": spec.model_dump(mode="json")}
        if expected is not None:
            body["expected_preview"] = expected.model_dump(mode="json")
        return Rule.model_validate(await self._call("POST", "/rules", body, key=request_id, unsure=True))

    async def remove(self, rule_id: int, actor: Actor) -> Rule:
        if not actor.may_trade:
            raise Forbidden(actor.role, "remove a rule")
        return Rule.model_validate(await self._call("DELETE", f"/rules/{rule_id}", None, rule_id=rule_id))

    async def resume(self, rule_id: int, actor: Actor) -> Rule:
        path = f"/rules/{rule_id}/resume"
        return Rule.model_validate(await self._call("POST", path, None, rule_id=rule_id))

    async def _call(
        self, method: str, path: str, body: Any, *, key: str | None = None, unsure: bool = False,
        rule_id: int | None = None,
    ) -> Any:  # fmt: skip
        """The answer's data, or the rule service's exception for the bridge's refusal."""
        try:
            answer: Answer = await self.remote.send(method, path, body=body, key=key)
        except aiohttp.ClientConnectorError as exc:  # nothing went out
            raise BridgeUnreachable(self.remote.name, str(exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            if unsure and key is not None:  # the same key again is answered from the bridge's records
                raise BridgeOutcomeUnknown(self.remote.name, key, str(exc)) from exc
            raise BridgeUnreachable(self.remote.name, str(exc)) from exc
        if answer.ok:
            assert answer.envelope is not None  # noqa: S101 - `ok` checked it
            return answer.envelope["data"]
        raise _refusal(self.remote.name, answer.failure(), rule_id)


def _refusal(account: str, failure: Failure, rule_id: int | None) -> MT5BotError:
    extra = failure.extra
    if failure.code == "preview_changed" and isinstance(extra.get("preview"), dict):
        return RulePreviewChanged(
            RulePreview.model_validate(extra["preview"]), extra.get("reason", "spec_changed")
        )
    if failure.code == "rule_not_found" and rule_id is not None:
        return RuleNotFound(rule_id)
    return error_of(account, failure)
