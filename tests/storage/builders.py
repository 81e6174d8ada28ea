"""Builders for test inputs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage import AccountSnapshot, AuditEntry, Database, Outcome, Role, UserRecord

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


@dataclass
class BridgeCore:
    """One bridge's trading core on a shared database: its simulator, client and database."""

    service: TradingService
    sim: Simulator
    client: MT5Client
    db: Database


@asynccontextmanager
async def two_bridges(url: str, schema: str | None) -> AsyncIterator[dict[str, BridgeCore]]:
    """Bridges `ic-live` and `demo`, a simulator each, both on the database at `url` (and `schema`)."""
    cores: dict[str, BridgeCore] = {}
    try:
        for account in ("ic-live", "demo"):
            sim = Simulator(
                seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7
            )
            client = MT5Client(sim, call_timeout=10)
            assert await client.connect()
            db = await Database.open(url, schema=schema, account=account)
            service = TradingService(client, db, RiskSettings(max_daily_loss=0))
            cores[account] = BridgeCore(service, sim, client, db)
        yield cores
    finally:
        for core in cores.values():
            await core.db.close()
            await core.client.close()
