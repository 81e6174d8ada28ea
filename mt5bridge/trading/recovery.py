"""Settle the claims a crash left open: find each leg in the terminal's records by its tag, never resend.

A request id is claimed (with its plan, the preview) before anything is sent, and settled with its result
and audit line in one transaction after. A crash in between leaves the claim `in_progress`; at the next
start every such claim is settled from the terminal's history:
- every leg found by its tag: the result is stored as if answered, marked `recovered`, and audited;
- nothing found and nothing that could have gone out unseen: the claim is abandoned (audited), so a
  retry with the same id runs;
- anything else (a later leg missing, a modification that leaves no tagged record): the legs found are
  stored, the rest is reported as not sent or unknown; nothing is ever sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from mt5bridge.common.roles import Role
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.models import ActionResult, Actor, LegOutcome, Preview
from mt5bridge.trading.records import audit_entry, leg_tag
from mt5bridge.trading.sending import done_outcome
from storage.database import Database
from storage.models import OpenClaim, Outcome

log = logging.getLogger(__name__)

# Actions whose outcome leaves a tagged deal or order behind; the others cannot be confirmed by tag.
_TRACEABLE = frozenset({C.TRADE_ACTION_DEAL, C.TRADE_ACTION_PENDING, C.TRADE_ACTION_CLOSE_BY})
RECOVERED = "recovered_after_restart"
ABANDONED = "abandoned_after_restart"


async def settle_open_claims(client: MT5Client, db: Database, *, created_before: datetime) -> int:
    """Settle every claim taken before `created_before` that is still in progress; return how many."""
    settled = 0
    for claim in await db.requests.open_claims(created_before=created_before):
        if claim.plan is None:
            log.warning("request %s is still in progress but has no plan; left for a human", claim.request_id)
            continue
        await _settle(client, db, claim, Preview.model_validate(claim.plan))
        settled += 1
    return settled


async def _settle(client: MT5Client, db: Database, claim: OpenClaim, preview: Preview) -> None:
    since = int(claim.created_at.timestamp()) + client.server_utc_offset
    outcomes: list[LegOutcome] = []
    for index, leg in enumerate(preview.legs):
        tag = leg_tag(claim.request_id, index)
        found = await client.find_by_tag(tag, leg.request, since=since)
        if found is not None:
            outcomes.append(done_outcome(leg, found))
            continue
        traceable = leg.request.get("action") in _TRACEABLE
        message = (
            "not sent: the service stopped before this leg"
            if traceable
            else "the service stopped before the answer and this change leaves no record; check the terminal"
        )
        outcomes.append(
            LegOutcome(ticket=leg.ticket, symbol=leg.symbol, ok=False, unknown=not traceable, message=message)
        )
        break  # legs go out in order: nothing after a missing one was sent
    actor = _actor(claim.actor)
    if not any(o.ok for o in outcomes) and not any(o.unknown for o in outcomes):
        entry = audit_entry(actor, preview.action, None, claim.request_id, error_code=ABANDONED)
        update = {"outcome": Outcome.FAILED, "preview": preview.model_dump(mode="json"), "role": None}
        await db.requests.abandon(claim.request_id, audit=entry.model_copy(update=update))
        log.warning("request %s was never executed; its claim is released", claim.request_id)
        return
    ok = len(outcomes) == len(preview.legs) and all(o.ok for o in outcomes)
    result = ActionResult(
        request_id=claim.request_id, action=preview.action, ok=ok, preview=preview, outcomes=outcomes,
        recovered=True,
    )  # fmt: skip
    entry = audit_entry(actor, preview.action, None, claim.request_id, result=result, error_code=RECOVERED)
    entry = entry.model_copy(update={"role": None})
    await db.requests.complete(claim.request_id, result.model_dump(mode="json"), audit=entry)
    log.warning(
        "request %s settled from the terminal's records after a restart (ok=%s)", claim.request_id, ok
    )


def _actor(key: str) -> Actor:
    """Who made the claim (`platform:user_id`). The claim does not keep the role, so the audit line
    written from it carries none (the role checked at the time is on the claim's refusals and results)."""
    platform, _, user_id = key.partition(":")
    return Actor(platform=platform or "unknown", user_id=user_id or "unknown", role=Role.TRADER)
