"""Storage errors; each says how the caller should react."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised by the storage layer."""


class StorageConfigError(StorageError):
    """`database.url` cannot be used (unsupported driver, in-memory SQLite): fix the config, fail at start."""


class RequestStateError(StorageError):
    """An idempotency call out of order, e.g. complete() on an id that is not in progress: a caller bug."""


class RuleNotFoundError(StorageError):
    """No rule with that id in this service's account (it never existed, or is another account's)."""

    def __init__(self, rule_id: int) -> None:
        super().__init__(f"no rule {rule_id} in this account")
        self.rule_id = rule_id


class StaleRuleError(StorageError):
    """`RuleStore.save` with a version another writer has moved past: nothing was written. Read the rule
    again (`get`), apply the change to what it holds now, and save with its version."""

    def __init__(self, rule_id: int, expected: int, current: int | None = None) -> None:
        now = f"is at version {current}" if current is not None else "has moved on"
        super().__init__(f"rule {rule_id} {now}, not at version {expected}: read it again")
        self.rule_id = rule_id
        self.expected = expected
        self.current = current


class RuleStateError(StorageError):
    """A save that storage refuses whatever the version: a caller bug (bringing back a removed rule,
    removing without `remove`, changing a rule's spec, which is fixed at creation)."""
