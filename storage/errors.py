"""Storage errors; each says how the caller should react."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised by the storage layer."""


class StorageConfigError(StorageError):
    """`database.url` cannot be used (unsupported driver, in-memory SQLite): fix the config, fail at start."""


class RequestStateError(StorageError):
    """An idempotency call out of order, e.g. complete() on an id that is not in progress: a caller bug."""
