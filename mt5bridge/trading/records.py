"""What the core writes down about an action: its leg tags and its audit line.

Kept apart from the service so that execution and the recovery of claims a crash left open
(`recovery.py`) describe actions the same way.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from pydantic import JsonValue

from mt5bridge.terminal.errors import MT5Error
from mt5bridge.trading.errors import Forbidden
from mt5bridge.trading.models import Action, ActionResult, Actor
from storage.models import AuditEntry, Outcome


def leg_tag(request_id: str, leg: int) -> str:
    """A short, unique, comment-safe tag per leg of a request (the client writes it as mb:<tag>)."""
    return hashlib.sha256(request_id.encode()).hexdigest()[:8] + f"-{leg}"


def audit_entry(
    actor: Actor,
    action: Action,
    command: dict[str, JsonValue] | None,
    request_id: str,
    *,
    result: ActionResult | None = None,
    error: Exception | None = None,
    confirmation: str | None = None,
    started: float | None = None,
    error_code: str | None = None,
) -> AuditEntry:
    """The audit line of one trading action: refused (`error`), or sent with `result`."""
    outcome, retcode, code = Outcome.OK, None, error_code
    if error is not None:
        code = str(getattr(error, "code", type(error).__name__))
        if isinstance(error, Forbidden):
            outcome = Outcome.DENIED
        else:
            outcome = Outcome.REJECTED if isinstance(error, MT5Error) else Outcome.REFUSED
        retcode = getattr(error, "mt5_code", None)
    elif result is not None and not result.ok:
        failed = next((o for o in result.outcomes if not o.ok), None)
        outcome = Outcome.FAILED if failed is None or failed.unknown else Outcome.REJECTED
        retcode = failed.retcode if failed else None
    elif result is not None and result.outcomes:
        retcode = result.outcomes[-1].retcode
    if result is not None:
        stored: dict[str, JsonValue] | None = result.model_dump(mode="json")
    else:
        stored = {"error": str(error)} if error is not None else None
    return AuditEntry(
        at=datetime.now(UTC),
        platform=actor.platform,
        user_id=actor.user_id,
        chat_id=actor.chat_id,
        role=actor.role,
        action=action.value,
        raw_input=actor.raw_input,
        command=command,
        preview=result.preview.model_dump(mode="json") if result else None,
        confirmation=confirmation,
        outcome=outcome,
        result=stored,
        retcode=retcode,
        tickets=result.tickets if result else [],
        duration_ms=round((time.perf_counter() - started) * 1000, 3) if started is not None else None,
        request_id=request_id,
        error_code=code,
    )
