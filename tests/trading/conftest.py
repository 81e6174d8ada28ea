"""The trading core over a real simulator, the real async client and a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from mt5bridge.common.roles import Role
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.models import Actor
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

WEDNESDAY = datetime(2026, 11, 25, 10, 0)
ACTOR = Actor(platform="test", user_id="alice", role=Role.TRADER, raw_input="test")


@dataclass
class Core:
    service: TradingService
    sim: Simulator
    client: MT5Client
    db: Database


async def make_core(tmp_path: Path, risk: RiskSettings | None = None, **sim_options: object) -> Core:
    options: dict[str, object] = {
        "seed": 1,
        "start": WEDNESDAY,
        "suffix": ".m",
        "market_hours": "always",
        "history_days": 7,
    }
    options.update(sim_options)
    sim = Simulator(**options)  # type: ignore[arg-type]
    client = MT5Client(sim, call_timeout=10)
    assert await client.connect()
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/core.db")
    service = TradingService(client, db, risk or RiskSettings(max_daily_loss=0))
    return Core(service, sim, client, db)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    yield made
    await made.db.close()
    await made.client.close()
