"""The chat benchmarks' stand: the real chat core and TradingService over the simulator and a SQLite file."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.core import ChatCore
from bot.messages import Incoming
from mt5bot.config import Settings
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

USER = {"platform": "bench", "id": "1", "role": "trader"}


@dataclass
class Stand:
    sim: Simulator
    client: MT5Client
    db: Database
    service: TradingService
    chat: ChatCore


def message(text: str | None = None, action: str | None = None) -> Incoming:
    """A text (or a button press) from the one benchmark trader."""
    return Incoming(platform="bench", user_id="1", chat_id="1", text=text, action=action)


@asynccontextmanager
async def chat_stand(
    client_type: type[MT5Client] = MT5Client,
    service_type: type[TradingService] = TradingService,
    risk: RiskSettings | None = None,
) -> AsyncIterator[Stand]:
    """A fresh simulator (seed 1, Wednesday 2026-11-25 10:00, markets always open), its client, a SQLite
    database in a temporary folder, the trading core and the chat core with one trader."""
    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7)
    client = client_type(sim)
    await client.connect()
    risk = risk or RiskSettings(max_total_positions=10_000, max_daily_loss=0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = await Database.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
            try:
                service = service_type(client, db, risk)
                yield Stand(sim, client, db, service, ChatCore(service, db, Settings(users=[USER])))
            finally:
                await db.close()
    finally:
        await client.close()
