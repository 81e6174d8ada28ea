"""Trade-management rules over REST (issue 19): list, preview, create, remove, resume, all through the
RuleService, so chat and REST share its roles, read-only switch, preview check, idempotency and audit.

Creating is like a trade: preview first (`POST /rules/preview`), then `POST /rules` with the preview the
user agreed to as `expected_preview`; if what the rule would do changed materially since, nothing is stored
(409 `preview_changed` with the fresh preview). docs/rules.md ("Preview, REST") and docs/api.md ("Rules").
"""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.envelope import ApiError
from api.jsonio import ok, read_body
from api.keys import RULES
from api.routes_trade import actor_of, idempotency_key
from api.routing import Endpoint, parse_query
from api.security.auth import principal_of
from mt5bridge.common.roles import Role
from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.trading.models import Actor
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.preview import RulePreview
from mt5bridge.trading.rules.service import RuleNotFound

_STATE = "waiting|active|done|paused|removed"
_ID_RE = re.compile(r"^[1-9][0-9]{0,18}$")
_ID_MAX = 2**63 - 1  # the id column is a BIGINT


class RulesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str | None = Field(
        None,
        pattern=rf"^({_STATE})(,({_STATE}))*$",
        description="Only rules in these states, comma-separated (waiting,active,paused: the ones running)",
    )


class CreateRuleBody(BaseModel):
    """A rule to create, and the preview (POST /rules/preview's answer) the user agreed to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: RuleSpec
    expected_preview: RulePreview | None = Field(
        None,
        description="The answer of POST /rules/preview the caller agreed to, as it was answered. If the rule "
        "would now act on other positions, on another basis (base volume, entry, reference) or at once where "
        "it would not have, nothing is created: 409 `preview_changed` with the fresh `preview`.",
    )


def _rule_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not _ID_RE.fullmatch(raw) or int(raw) > _ID_MAX:
        raise ApiError(400, "invalid_request", f"{raw[:32]!r} is not a rule id (a positive integer)")
    return int(raw)


def _rule(rule: Rule) -> web.Response:
    return ok(rule.model_dump(mode="json"))


def _not_found(rule_id: int) -> ApiError:
    return ApiError(404, "rule_not_found", f"no rule {rule_id} in this account")


async def list_rules(request: web.Request) -> web.Response:
    """GET /rules?state=: the account's rules, oldest first (any role)."""
    q = parse_query(request, RulesQuery)
    states = None if q.state is None else sorted(set(q.state.split(",")))
    rules = await request.app[RULES].list(states)
    return ok([r.model_dump(mode="json") for r in rules])


async def preview_rule(request: web.Request) -> web.Response:
    """POST /rules/preview: what the rule would do now, with today's numbers; nothing is stored."""
    spec = await read_body(request, RuleSpec)
    principal = principal_of(request)
    actor = Actor(platform="rest", user_id=principal.subject, role=principal.role)
    preview = await request.app[RULES].preview(spec, actor)
    return ok(preview.model_dump(mode="json"))


async def create_rule(request: web.Request) -> web.Response:
    """POST /rules: create a rule (traders and admins), once per Idempotency-Key."""
    actor = actor_of(request)
    key = idempotency_key(request)
    body = await read_body(request, CreateRuleBody)
    rule = await request.app[RULES].create(body.spec, actor, body.expected_preview, request_id=key)
    return _rule(rule)


async def remove_rule(request: web.Request) -> web.Response:
    """DELETE /rules/{id}: remove a rule (traders and admins); it is kept, as `removed`, for the audit."""
    actor = actor_of(request)
    rule_id = _rule_id(request)
    try:
        return _rule(await request.app[RULES].remove(rule_id, actor))
    except RuleNotFound:
        raise _not_found(rule_id) from None


async def resume_rule(request: web.Request) -> web.Response:
    """POST /rules/{id}/resume: resume a paused rule (admins)."""
    principal = principal_of(request)
    if principal.role is not Role.ADMIN:
        raise ApiError(403, "forbidden_role", f"role {principal.role} may not resume a rule")
    rule_id = _rule_id(request)
    actor = Actor(platform="rest", user_id=principal.subject, role=principal.role)
    try:
        return _rule(await request.app[RULES].resume(rule_id, actor))
    except RuleNotFound:
        raise _not_found(rule_id) from None


_CREATE = (
    "Created once per Idempotency-Key; a repeat returns the rule first created (as it is now). With "
    "`expected_preview` (the answer of POST /rules/preview), nothing is created if the rule would act on "
    "other positions, on another basis, or at once where it would not have: 409 `preview_changed` with the "
    "fresh `preview`. In read-only mode only an equity guard may be created (422 `risk_read_only`)."
)
ENDPOINTS = (
    Endpoint("GET", "/rules", list_rules, "Trade-management rules", "rules", Rule, True, RulesQuery,
             errors=(400, 503)),
    Endpoint("POST", "/rules/preview", preview_rule, "Preview a rule with today's numbers", "rules",
             RulePreview, body=RuleSpec, errors=(400, 403, 422, 503),
             description="The positions in scope and, per kind, the SL it would set now (or why not yet), a "
             "staged TP's lots per stage after rounding, an equity guard's reference and levels, a profit "
             "lock's arming level; warnings by code. See docs/rules.md."),
    Endpoint("POST", "/rules", create_rule, "Create a rule", "rules", Rule, body=CreateRuleBody,
             errors=(400, 403, 409, 422, 503), description=_CREATE, idempotent=True),
    Endpoint("DELETE", "/rules/{id}", remove_rule, "Remove a rule", "rules", Rule,
             errors=(400, 403, 404, 503),
             description="The rule stops at the runner's next round; it stays listed as `removed`."),
    Endpoint("POST", "/rules/{id}/resume", resume_rule, "Resume a paused rule (admins)", "rules", Rule,
             errors=(400, 403, 404, 409, 503),
             description="Its failures are reset; 409 `rule_not_paused` for a rule in another state."),
)  # fmt: skip
