"""Typed records that cross the storage boundary: what the trading core writes and reads back."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, field_validator

from mt5bridge.common.roles import Role

JsonObject = dict[str, JsonValue]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class Outcome(StrEnum):
    """How an audited action ended."""

    OK = "ok"
    REFUSED = "refused"  # our own checks said no (risk, permissions, validation)
    REJECTED = "rejected"  # the broker/terminal said no (retcode)
    FAILED = "failed"  # an error; the action may or may not have happened
    PENDING = "pending"  # waiting for a confirmation
    EXPIRED = "expired"  # a confirmation timed out
    DENIED = "denied"  # the user is not allowed to do this


ACCOUNT_MAX = 32


class AuditEntry(_Record):
    """One line of the append-only audit log. `id` is None until stored.

    `account` names the account the action was for (config `account.name`; a front routing a trade names
    the bridge's account). None here means "the writing database's own account" (`Database.open(account=)`),
    which the store fills in; a row stays None only when the service that wrote it had no name (older rows).
    """

    id: int | None = None
    at: AwareDatetime
    platform: str = Field(min_length=1, max_length=32)
    user_id: str = Field(min_length=1, max_length=128)
    chat_id: str | None = Field(default=None, max_length=128)
    role: str | None = Field(default=None, max_length=32)
    action: str = Field(min_length=1, max_length=64)
    raw_input: str | None = None
    command: JsonObject | None = None
    preview: JsonObject | None = None
    confirmation: str | None = Field(default=None, max_length=128)
    outcome: Outcome
    result: JsonObject | None = None
    retcode: int | None = None
    tickets: list[int] = Field(default_factory=list)
    duration_ms: float | None = Field(default=None, ge=0)
    request_id: str | None = Field(default=None, max_length=128)
    error_code: str | None = Field(default=None, max_length=64)
    account: str | None = Field(default=None, min_length=1, max_length=ACCOUNT_MAX)

    _utc = field_validator("at")(_to_utc)


class ClaimState(StrEnum):
    """What `RequestStore.begin` found for a request id."""

    NEW = "new"  # the caller owns it: execute, then complete() or abandon()
    IN_PROGRESS = "in_progress"  # another caller is executing it right now
    DONE = "done"  # already executed; Claim.result is the stored result
    CONFLICT = "conflict"  # same id, different body or different actor (REST 409)


class Claim(_Record):
    """The answer to `RequestStore.begin` and `RequestStore.lookup`."""

    request_id: str
    state: ClaimState
    result: JsonObject | None = None


class OpenClaim(_Record):
    """A claim still in progress: what a restart must settle from the terminal's records."""

    request_id: str
    actor: str
    plan: JsonObject | None
    created_at: AwareDatetime

    _utc = field_validator("created_at")(_to_utc)


class AccountSnapshot(_Record):
    """Account figures sampled on an interval, for equity curves and drawdown."""

    at: AwareDatetime
    login: int
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    profit: float
    credit: float = 0.0

    _utc = field_validator("at")(_to_utc)


class UserRecord(_Record):
    """A user's runtime state; `allowed_symbols` empty means no per-user restriction."""

    platform: str = Field(min_length=1, max_length=32)
    user_id: str = Field(min_length=1, max_length=128)
    role: Role
    name: str | None = Field(default=None, max_length=128)
    lang: str | None = Field(default=None, max_length=16)
    subscribed: bool = False
    allowed_symbols: list[str] = Field(default_factory=list)
