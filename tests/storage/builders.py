"""Builders for test inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage import AccountSnapshot, AuditEntry, Outcome, Role, UserRecord

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def entry(**overrides: Any) -> AuditEntry:
    """An audit entry with plausible defaults."""
    fields: dict[str, Any] = {
        "at": T0,
        "platform": "telegram",
        "user_id": "1001",
        "chat_id": "1001",
        "role": "trader",
        "action": "open_position",
        "raw_input": "买入 0.1 手 XAUUSD",
        "command": {"kind": "open", "symbol": "XAUUSD", "volume": 0.1, "side": "buy"},
        "preview": {"price": 2345.6, "margin": 234.56},
        "confirmation": "c-1",
        "outcome": Outcome.OK,
        "result": {"order": 5001, "deal": 7001},
        "retcode": 10009,
        "tickets": [5001],
        "duration_ms": 12.5,
        "request_id": "req-1",
        "error_code": None,
    }
    fields.update(overrides)
    return AuditEntry(**fields)


def snapshot(minutes: int = 0, **overrides: Any) -> AccountSnapshot:
    """A snapshot `minutes` after T0."""
    fields: dict[str, Any] = {
        "at": T0 + timedelta(minutes=minutes),
        "login": 12345,
        "balance": 10000.0,
        "equity": 10000.0 + minutes,
        "margin": 100.0,
        "margin_free": 9900.0,
        "margin_level": 10000.0,
        "profit": float(minutes),
        "credit": 0.0,
    }
    fields.update(overrides)
    return AccountSnapshot(**fields)


def user(user_id: str = "1001", **overrides: Any) -> UserRecord:
    """A trader on Telegram."""
    fields: dict[str, Any] = {
        "platform": "telegram",
        "user_id": user_id,
        "role": Role.TRADER,
        "name": "Li",
        "lang": "zh",
        "subscribed": True,
        "allowed_symbols": ["XAUUSD", "EURUSD"],
    }
    fields.update(overrides)
    return UserRecord(**fields)
