"""Persistence: audit log, idempotency keys, account snapshots, users, settings, trade-management rules;
SQLite or PostgreSQL."""

from mt5bridge.common.roles import Role
from storage.database import Database
from storage.errors import (
    RequestStateError,
    RuleNotFoundError,
    RuleStateError,
    StaleRuleError,
    StorageConfigError,
    StorageError,
)
from storage.models import AccountSnapshot, AuditEntry, Claim, ClaimState, Outcome, RuleRecord, UserRecord

__all__ = [
    "AccountSnapshot",
    "AuditEntry",
    "Claim",
    "ClaimState",
    "Database",
    "Outcome",
    "RequestStateError",
    "Role",
    "RuleNotFoundError",
    "RuleRecord",
    "RuleStateError",
    "StaleRuleError",
    "StorageConfigError",
    "StorageError",
    "UserRecord",
]
