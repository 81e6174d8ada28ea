"""A trade request as the server reads it, and the outcome it sends back."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from mt5bridge.terminal.structs import TradeRequest


@dataclass(frozen=True, slots=True)
class Request:
    """`order_send`'s dict with MT5's defaults filled in (missing keys are 0, 0.0 or "")."""

    action: int = 0
    magic: int = 0
    order: int = 0
    symbol: str = ""
    volume: float = 0.0
    price: float = 0.0
    stoplimit: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    deviation: int = 0
    type: int = 0
    type_filling: int = 0
    type_time: int = 0
    expiration: int = 0
    comment: str = ""
    position: int = 0
    position_by: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Request:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for name in ("volume", "price", "stoplimit", "sl", "tp"):
            if name in values:
                values[name] = float(values[name])
        return cls(**values)

    def echo(self) -> TradeRequest:
        """The request as MT5 echoes it inside results."""
        return TradeRequest(*(getattr(self, name) for name in TradeRequest._fields))


@dataclass(slots=True)
class Outcome:
    """What the trade server answers; `comment` defaults to the retcode's text."""

    retcode: int
    deal: int = 0
    order: int = 0
    volume: float = 0.0
    price: float = 0.0
    comment: str = ""

    @property
    def ok(self) -> bool:
        return self.retcode in (10008, 10009, 10010, 10025)
