"""Carrying out one rule decision through the trading core, and what its answer means for the rule.

Every SL change and close goes through `TradingService.execute` (risk guard, idempotency, audit) under a
request id naming the rule: a close under its written-ahead key `rule-<id>-<what>-<attempts>` (a resend
after a lost answer is answered from the core's records, never executed twice), an SL change under
`rule-<id>-sl-<ticket>-<sl>-<nonce>` (not written ahead: a lost one is decided again from the terminal's
SL). The actor is platform `rules`, user the rule's creator, and `raw_input` names the rule, so the audit
line carries the rule id twice (docs/rules.md, "Runner").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.roles import Role
from mt5bridge.terminal.errors import TerminalFailure, TerminalUnavailable
from mt5bridge.trading.errors import RequestInProgress
from mt5bridge.trading.models import ActionResult, Actor
from mt5bridge.trading.rules.decisions import CloseAll, CloseVolume, SetStopLoss, guard_close
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.selectors import SelectionCode
from mt5bridge.trading.service import TradingService

RULES_PLATFORM = "rules"
# A close of a scope that holds nothing any more: nothing to do, which is no failure (docs/rules.md).
_NOTHING_TO_CLOSE = frozenset({SelectionCode.NO_MATCH.value, SelectionCode.TICKET_NOT_FOUND.value})
UNKNOWN = "outcome_unknown"

Sent = SetStopLoss | CloseVolume | CloseAll


class Verdict(StrEnum):
    DONE = "done"  # carried out (or nothing left to close): settle
    FAILED = "failed"  # a definite refusal or rejection: fail
    UNCLEAR = "unclear"  # the terminal's answer was lost and the core could not find it: neither
    NOT_SENT = "not_sent"  # nothing was decided (terminal unreachable, the id busy): neither, retry later


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    request_id: str
    error: str | None = None  # the retcode name or error code
    result: ActionResult | None = None

    @property
    def closed(self) -> float:
        """Lots the answer says were closed."""
        if self.result is None:
            return 0.0
        return round(sum(o.volume for o in self.result.outcomes if o.ok), 8)

    @property
    def tickets(self) -> tuple[int, ...]:
        if self.result is None:
            return ()
        return tuple(o.ticket for o in self.result.outcomes if o.ok and o.ticket)


def actor_of(rule: Rule) -> Actor:
    """Who the trading core audits a rule's action under: the rules, for the rule's creator."""
    return Actor(
        platform=RULES_PLATFORM,
        user_id=rule.created_by,
        role=Role.TRADER,
        raw_input=f"rule {rule.id} ({rule.spec.action.kind})",
    )


def request_id_of(decision: Sent) -> str:
    """The request id a decision is sent under (a close's written-ahead key; a fresh one per SL change)."""
    if isinstance(decision, SetStopLoss):
        return f"rule-{decision.rule_id}-sl-{decision.ticket}-{decision.sl!r}-{uuid.uuid4().hex[:10]}"
    return decision.key


async def carry(trading: TradingService, rule: Rule, decision: Sent) -> Answer:
    """Send `decision` through the trading core and judge its answer (never raises an MT5BotError)."""
    rid = request_id_of(decision)
    try:
        result = await trading.execute(
            decision.request(), actor_of(rule), request_id=rid, protective=guard_close(decision)
        )
    except (TerminalUnavailable, TerminalFailure, RequestInProgress) as exc:
        return Answer(Verdict.NOT_SENT, rid, str(exc.code))
    except MT5BotError as exc:
        code = str(exc.code)
        if isinstance(decision, CloseAll) and code in _NOTHING_TO_CLOSE:
            return Answer(Verdict.DONE, rid)
        return Answer(Verdict.FAILED, rid, code)
    return judge(decision, rid, result)


def judge(decision: Sent, rid: str, result: ActionResult) -> Answer:
    """What an answer means: done, a definite failure, or an outcome nobody knows."""
    if result.ok:
        return Answer(Verdict.DONE, rid, result=result)
    if any(o.unknown for o in result.outcomes):
        return Answer(Verdict.UNCLEAR, rid, UNKNOWN, result)
    failed = next((o for o in result.outcomes if not o.ok), None)
    error = (failed.retcode_name or str(failed.retcode or "") or failed.message) if failed else "not_sent"
    if isinstance(decision, CloseVolume) and any(o.ok for o in result.outcomes):
        # Part of a stage closed: counted as done, so that it is never closed a second time (a stage
        # closing a little less than its share is the safe side); the error is reported.
        return Answer(Verdict.DONE, rid, error, result)
    return Answer(Verdict.FAILED, rid, error, result)
