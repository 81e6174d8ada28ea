"""Typed records that cross the storage boundary: what the trading core writes and reads back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic_core import to_jsonable_python

from mt5bridge.common.roles import Role
from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.common.vocab import RuleKind

JsonObject = dict[str, JsonValue]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _to_utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


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


# --- trade-management rules (issue 19) -----------------------------------------------------------------
# The states of `mt5bridge.trading.rules.models.RuleState` (storage sits below the trading core and cannot
# import it; tests/storage/test_rules_store.py holds the two equal). docs/rules.md says what each means.
RULE_STATES = ("waiting", "active", "done", "paused", "removed")
# The rules the bridge runs (`RuleStore.active`): not done and not removed.
ACTIVE_RULE_STATES = ("waiting", "active", "paused")
RULE_REMOVED = "removed"
RULE_BY_MAX = 128  # created_by / removed_by: platform:user_id, as `Rule.created_by`
# A stored rule's own columns; every other field of a `Rule` is a tracked figure (`RuleRecord.tracked`).
_RULE_COLUMNS = ("id", "spec", "state", "created_at", "created_by", "updated_at")
_NOT_TRACKED = frozenset((*_RULE_COLUMNS, "removed_by", "version", "tracked", "kind", "account"))


class RuleRecord(_Record):
    """A trade-management rule as the `rules` table holds it, for this service's account.

    The spec is the shared `RuleSpec` (validated here, so a stored rule always reads back); the figures the
    bridge tracks while the rule runs (`Rule.base_volume`, `stages_done`, `initial_risk`, `peak`, ...) are
    kept as one JSON object whose meaning belongs to the trading core: storage checks only that it is
    JSON. The trading core converts both ways: `Rule.model_validate(record.rule_fields())` and
    `RuleRecord.from_rule_fields(rule.model_dump(mode="json"), version=record.version)`.

    `version` starts at 1 and grows by one at every `save` and `remove`: a save names the version it read
    and is refused when the row has moved on (`StaleRuleError`), so two writers never lose an update.
    """

    id: int
    spec: RuleSpec
    state: str
    tracked: JsonObject = Field(default_factory=dict)
    created_at: AwareDatetime
    created_by: str = Field(min_length=1, max_length=RULE_BY_MAX)
    updated_at: AwareDatetime | None = None
    removed_by: str | None = Field(default=None, min_length=1, max_length=RULE_BY_MAX)
    version: int = Field(default=1, ge=1)

    _utc = field_validator("created_at", "updated_at")(_to_utc_or_none)

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        if value not in RULE_STATES:
            raise ValueError(f"a rule's state is one of {', '.join(RULE_STATES)}")
        return value

    @field_validator("tracked")
    @classmethod
    def _plain_json(cls, value: JsonObject) -> JsonObject:
        clash = sorted(_NOT_TRACKED.intersection(value))
        if clash:
            raise ValueError(f"tracked figures cannot be named {', '.join(clash)} (the rule's own columns)")
        json.dumps(value, allow_nan=False)  # NaN and infinity are not JSON (PostgreSQL refuses them)
        return value

    @property
    def kind(self) -> RuleKind:
        """The action's kind (the `kind` column)."""
        return self.spec.action.kind

    def rule_fields(self) -> dict[str, Any]:
        """The fields of the trading core's `Rule`: `Rule.model_validate(record.rule_fields())`."""
        return {**{name: getattr(self, name) for name in _RULE_COLUMNS}, **self.tracked}

    @classmethod
    def from_rule_fields(
        cls, fields: Mapping[str, Any], *, version: int, removed_by: str | None = None
    ) -> RuleRecord:
        """The inverse of `rule_fields`, for `RuleStore.save`: a `Rule`'s dump and the version it was read at.

        Every field that is not one of the record's own is a tracked figure, made JSON here (ticket keys
        become strings, dates ISO text) as the column will hold it. `version` is the argument's, whatever
        the dump holds (a `Rule` that carries its version or remover one day stays convertible).
        """
        own = {name: fields[name] for name in _RULE_COLUMNS if name in fields}
        tracked = to_jsonable_python({k: v for k, v in fields.items() if k not in _NOT_TRACKED})
        by = removed_by if removed_by is not None else fields.get("removed_by")
        return cls.model_validate({**own, "tracked": tracked, "version": version, "removed_by": by})
