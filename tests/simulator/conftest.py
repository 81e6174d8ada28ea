"""Fixtures: a simulator on a Wednesday morning (markets open) and helpers to send requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from mt5bridge.simulator import Simulator

WEDNESDAY = datetime(2026, 11, 25, 10, 0)  # server time, every session open
SATURDAY = datetime(2026, 11, 28, 12, 0)


@pytest.fixture
def mt5() -> Simulator:
    sim = Simulator(seed=1, start=WEDNESDAY)
    assert sim.initialize()
    return sim


@pytest.fixture
def netting() -> Simulator:
    sim = Simulator(seed=1, start=WEDNESDAY, margin_mode="netting")
    assert sim.initialize()
    return sim


Send = Callable[..., Any]


def deal(mt5: Simulator, symbol: str, side: str, volume: float, **extra: Any) -> Any:
    """A market order as the bridge sends it (IOC, which every simulated symbol but one allows)."""
    request = {
        "action": mt5.TRADE_ACTION_DEAL,
        "symbol": symbol,
        "volume": volume,
        "type": mt5.ORDER_TYPE_BUY if side == "buy" else mt5.ORDER_TYPE_SELL,
        "type_filling": mt5.ORDER_FILLING_RETURN,
    }
    request.update(extra)
    return mt5.order_send(request)


def close(mt5: Simulator, ticket: int, volume: float | None = None, **extra: Any) -> Any:
    pos = mt5.positions_get(ticket=ticket)[0]
    side = "sell" if pos.type == mt5.POSITION_TYPE_BUY else "buy"
    return deal(mt5, pos.symbol, side, volume or pos.volume, position=ticket, **extra)


def snapshot(mt5: Simulator) -> tuple[Any, ...]:
    """Everything a refused request must leave untouched."""
    acc = mt5.account_info()
    return (
        acc.balance,
        mt5.positions_get(),
        mt5.orders_get(),
        len(mt5.history_deals_get(0, 2**40)),
        len(mt5.history_orders_get(0, 2**40)),
    )
