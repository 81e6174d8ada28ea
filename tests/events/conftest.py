"""A real MT5Client over an in-process Simulator (trading around the clock), plus a bus and a watcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.events import EventBus, TradeWatcher

WEDNESDAY = datetime(2026, 11, 25, 10, 0)


def market(
    symbol: str = "EURUSD", volume: float = 0.1, side: int = C.ORDER_TYPE_BUY, **extra: Any
) -> dict[str, Any]:
    """A market DEAL request (IOC filling, which the simulator's symbols allow)."""
    return {
        "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume, "type": side,
        "type_filling": C.ORDER_FILLING_IOC, **extra,
    }  # fmt: skip


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=0, start=WEDNESDAY, market_hours="always")


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[MT5Client]:
    mt5 = MT5Client(sim, call_timeout=5.0)
    assert await mt5.connect()
    yield mt5
    await mt5.close()


@pytest.fixture
async def bus() -> AsyncIterator[EventBus]:
    events = EventBus()
    yield events
    await events.close()


@pytest.fixture
async def watcher(client: MT5Client, bus: EventBus) -> TradeWatcher:
    w = TradeWatcher(client, bus, interval=0.01)
    await w.prime()
    return w
