"""Hand-built client models for the trading-logic tests (no terminal needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from mt5bridge.terminal.models import Deal, DealEntry, DealType, Position, PositionSide, Reason

T0 = int(datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp())
_tickets = count(1000)


def position(
    symbol: str = "EURUSD",
    side: PositionSide = PositionSide.BUY,
    volume: float = 0.1,
    profit: float = 0.0,
    swap: float = 0.0,
    *,
    ticket: int | None = None,
    at: int = T0,
    magic: int = 0,
    **extra: Any,
) -> Position:
    """An open position opened `at` (server epoch); FIFO order comes from `at` then the ticket."""
    number = next(_tickets) if ticket is None else ticket
    fields: dict[str, Any] = {
        "ticket": number, "identifier": number, "symbol": symbol, "side": side, "volume": volume,
        "price_open": 1.1, "price_current": 1.1, "sl": None, "tp": None, "swap": swap, "profit": profit,
        "magic": magic, "comment": "", "external_id": "", "reason": Reason.EXPERT,
        "time": datetime.fromtimestamp(at, UTC), "time_server": at, "time_msc": at * 1000,
        "time_update": datetime.fromtimestamp(at, UTC), "time_update_server": at,
    }  # fmt: skip
    fields.update(extra)
    return Position(**fields)


def deal(
    entry: DealEntry = DealEntry.OUT,
    profit: float = 0.0,
    *,
    type: DealType = DealType.SELL,  # the model's field name
    symbol: str = "EURUSD",
    position_id: int = 1,
    magic: int = 0,
    commission: float = 0.0,
    swap: float = 0.0,
    fee: float = 0.0,
    at: int = T0,
    volume: float = 0.1,
) -> Deal:
    """A deal at server epoch `at`."""
    number = next(_tickets)
    return Deal(
        ticket=number, order=number, position_id=position_id, symbol=symbol, type=type, entry=entry,
        reason=Reason.EXPERT, volume=volume, price=1.1, commission=commission, swap=swap, profit=profit,
        fee=fee, magic=magic, comment="", time=datetime.fromtimestamp(at, UTC), time_server=at,
        time_msc=at * 1000,
    )  # fmt: skip
