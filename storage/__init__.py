"""Persistence: audit log, idempotency keys, account snapshots, users, settings; SQLite or PostgreSQL."""

from mt5bridge.common.roles import Role
from storage.database import Database
from storage.errors import RequestStateError, StorageConfigError, StorageError
from storage.models import AccountSnapshot, AuditEntry, Claim, ClaimState, Outcome, UserRecord

__all__ = [
    "AccountSnapshot",
    "AuditEntry",
    "Claim",
    "ClaimState",
    "Database",
    "Outcome",
    "RequestStateError",
    "Role",
    "StorageConfigError",
    "StorageError",
    "UserRecord",
]
