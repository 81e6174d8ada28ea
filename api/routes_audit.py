"""GET /api/v1/audit: the audit log for admins, newest first, filtered and paged by id.

Every line the service wrote: who (`platform`, `user_id`, `chat_id`, `role`), what (`action`, `raw_input`,
`command`, `preview`, `confirmation`), for which account, and how it ended (`outcome`, `retcode`,
`error_code`, `result`, `tickets`, `duration_ms`, `request_id`). The log is the service's own database,
reached through the status sources the composition root hands the API (`bot.keys.STATUS`); a service
without them has no audit log to show (503 `audit_unavailable`).

What a line can hold (docs/api.md, "GET /audit"): no token is ever stored (a REST caller is the token's
fingerprint, `tok-...`), but `raw_input` is what a person typed in a chat (the first 500 characters of an
unknown user's message too) and `result` may carry an error's text, so every string of a line is sent with
the service's configured secrets and anything shaped like a JWT masked, should someone have pasted one.

On a front (docs/accounts.md) the route is served by the front itself for every account: `?account=`
keeps the lines the front wrote for that account (api/front.py checks the name), and relays nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator

from api.envelope import ApiError
from api.front import named_account
from api.jsonio import ok
from api.routing import Endpoint, parse_query
from api.security.auth import principal_of
from api.security.refusals import MASK
from bot.keys import STATUS
from mt5bridge.common.roles import Role
from storage.models import AuditEntry, Outcome

MAX_LIMIT = 500
_YEARS = (1971, 2100)
_ID_MAX = 2**63 - 1  # the id column is a BIGINT: a larger `before` would be an error in the database
_TEXT = r"^[^\x00-\x1f\x7f]+$"  # PostgreSQL refuses NUL in text; no name or code has control characters
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.?[\w-]*")
_SHORTEST_SECRET = 8  # shorter configured values would mask ordinary words and numbers


def _instant(value: Any) -> Any:
    """An ISO 8601 date-time with its offset (`Z`, `+08:00`), years 1971-2100; anything else is refused."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time with an offset, e.g. 2026-05-01T08:00:00Z") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("needs an offset (Z or +08:00): the audit log's times are instants")
    if not _YEARS[0] <= parsed.year <= _YEARS[1]:
        raise ValueError(f"the year must be between {_YEARS[0]} and {_YEARS[1]}")
    return parsed


Instant = Annotated[datetime, BeforeValidator(_instant)]


class AuditQuery(BaseModel):
    """The filters; every one given must hold. `account` is the front's parameter (api/front.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"lines per page, 1-{MAX_LIMIT}")
    before: int | None = Field(
        None, ge=1, le=_ID_MAX, description="only lines older than this id: the previous page's `next_before`"
    )
    actor: str | None = Field(None, max_length=128, pattern=_TEXT, description="the `user_id` exactly")
    platform: str | None = Field(
        None, max_length=32, pattern=_TEXT, description="rest, http (chat over HTTP), telegram, qq, ..."
    )
    action: str | None = Field(
        None, max_length=64, pattern=_TEXT, description="open, close, modify, cancel, chat.trade, ..."
    )
    outcome: Outcome | None = None
    since: Instant | None = Field(None, description="from this instant on (included); needs an offset")
    until: Instant | None = Field(None, description="before this instant (excluded); needs an offset")

    @model_validator(mode="after")
    def _window(self) -> AuditQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class AuditLineOut(AuditEntry):
    """One audit line as stored, secrets masked (module docstring); `id` orders the lines."""

    id: int


class AuditPageOut(BaseModel):
    """A page of lines, newest first; `next_before` asks for the next (older) page, null on the last."""

    model_config = ConfigDict(frozen=True)

    entries: list[AuditLineOut]
    next_before: int | None


def _secrets(found: Iterable[object]) -> Iterator[str]:
    """Every SecretStr value in the settings models among `found` (the app's values), at any depth."""
    for value in found:
        if isinstance(value, SecretStr):
            yield value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from _secrets(getattr(value, name) for name in type(value).model_fields)
        elif isinstance(value, list | tuple):
            yield from _secrets(value)
        elif isinstance(value, dict):
            yield from _secrets(value.values())


class _Masker:
    """Masks the configured secrets and JWT-shaped strings in every string of a JSON value."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _JWT.sub(MASK, text)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


async def audit(request: web.Request) -> web.Response:
    """Audit lines, newest first, filtered and paged (admins only)."""
    if principal_of(request).role is not Role.ADMIN:
        # who traded, what they typed and which tokens' fingerprints: admins only, like /status
        raise ApiError(403, "forbidden_role", "the audit log is for admin tokens only")
    q = parse_query(request, AuditQuery)
    sources = request.app.get(STATUS)
    if sources is None:
        raise ApiError(503, "audit_unavailable", "this service runs without its database: no audit log")
    found = await sources.db.audit.recent(
        limit=q.limit + 1, before=q.before, actor=q.actor, platform=q.platform, action=q.action,
        outcome=q.outcome, since=q.since, until=q.until, account=named_account(request),
    )  # fmt: skip
    page, more = found[: q.limit], len(found) > q.limit
    masker = _Masker(_secrets(request.app.values()))
    lines = [AuditLineOut.model_validate(masker.json(e.model_dump(mode="json"))) for e in page]
    out = AuditPageOut(entries=lines, next_before=lines[-1].id if more else None)
    return ok(out.model_dump(mode="json"))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", "/audit", audit, "Audit log (admin)", "service", AuditPageOut, query=AuditQuery,
        errors=(400, 403, 503),
        description="Who did what, from which front-end (`platform`), for which account, and how it ended: "
        "the audit lines newest first, each filter narrowing them; page with `before` = the last page's "
        "`next_before`. `account` keeps one account's lines (on a front: those it wrote for that account; "
        "without it every line). Secrets and JWT-shaped strings are masked. Needs an admin token.",
    ),
)  # fmt: skip
