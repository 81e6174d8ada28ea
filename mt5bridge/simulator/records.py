"""The simulator's mutable trading records: positions, orders and deals as the trade server keeps them.

These are internal; the public surface converts them to the MetaTrader5 structures in `structs.py`.
They serialise to plain JSON for the demo state file and its journal (see `journal.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Self

_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(slots=True)
class _Record:
    def to_json(self) -> dict[str, Any]:
        # Every field is a plain value, so a shallow dict is enough (and several times faster than asdict,
        # which matters when the journal writes records on every trade).
        return {name: getattr(self, name) for name in _names(type(self))}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Position(_Record):
    ticket: int
    identifier: int
    symbol: str
    type: int  # POSITION_TYPE_BUY / SELL
    volume: float
    price_open: float
    time_msc: int
    time_update_msc: int
    magic: int = 0
    reason: int = 3
    sl: float = 0.0
    tp: float = 0.0
    swap: float = 0.0
    comment: str = ""
    external_id: str = ""

    @property
    def is_buy(self) -> bool:
        return self.type == 0


@dataclass(slots=True)
class Order(_Record):
    ticket: int
    symbol: str
    type: int  # ORDER_TYPE_*
    state: int
    volume_initial: float
    volume_current: float
    price_open: float
    time_setup_msc: int
    time_done_msc: int = 0
    time_expiration: int = 0
    type_time: int = 0
    type_filling: int = 0
    magic: int = 0
    position_id: int = 0
    position_by_id: int = 0
    reason: int = 3
    sl: float = 0.0
    tp: float = 0.0
    price_stoplimit: float = 0.0
    price_current: float = 0.0
    comment: str = ""
    external_id: str = ""


@dataclass(slots=True)
class Deal(_Record):
    ticket: int
    order: int
    time_msc: int
    type: int  # DEAL_TYPE_*
    entry: int  # DEAL_ENTRY_*
    magic: int
    position_id: int
    reason: int
    volume: float
    price: float
    commission: float = 0.0
    swap: float = 0.0
    profit: float = 0.0
    fee: float = 0.0
    symbol: str = ""
    comment: str = ""
    external_id: str = ""

    @property
    def money(self) -> float:
        """What the deal moved on the balance."""
        return self.profit + self.commission + self.swap + self.fee


@dataclass(slots=True)
class Account(_Record):
    login: int
    balance: float
    leverage: int
    currency: str
    margin_mode: int
    name: str = "Demo Trader"
    server: str = "MT5Bot-Simulator"
    company: str = "mt5bot simulator"
    credit: float = 0.0
    trade_mode: int = 0  # ACCOUNT_TRADE_MODE_DEMO
    margin_so_mode: int = 0  # percent
    margin_so_call: float = 100.0
    margin_so_so: float = 50.0
    limit_orders: int = 200
    trade_allowed: bool = True
    trade_expert: bool = True
    fifo_close: bool = False
    currency_digits: int = 2


@dataclass(slots=True)
class Counters(_Record):
    order: int = 1_000_001
    deal: int = 500_001
    request: int = 1

    def next_order(self) -> int:
        self.order += 1
        return self.order - 1

    def next_deal(self) -> int:
        self.deal += 1
        return self.deal - 1

    def next_request(self) -> int:
        self.request += 1
        return self.request - 1


@dataclass(slots=True)
class Book:
    """Everything the trade server holds for one account."""

    account: Account
    counters: Counters = field(default_factory=Counters)
    positions: dict[int, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    history_orders: list[Order] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    closed_positions: set[int] = field(default_factory=set)
    # Open positions and active orders changed since the journal's last entry (see journal.py); only
    # filled while a journal is attached, so a simulator without one does not hold on to them.
    tracking: bool = field(default=False, repr=False, compare=False)
    changed_positions: dict[int, Position] = field(default_factory=dict, repr=False, compare=False)
    changed_orders: dict[int, Order] = field(default_factory=dict, repr=False, compare=False)

    def touched(self, record: Position | Order) -> None:
        """Note that an open position or an active order was added, changed or removed."""
        if not self.tracking:
            return
        if isinstance(record, Position):
            self.changed_positions[record.ticket] = record
        else:
            self.changed_orders[record.ticket] = record

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account.to_json(),
            "counters": self.counters.to_json(),
            "positions": [p.to_json() for p in self.positions.values()],
            "orders": [o.to_json() for o in self.orders.values()],
            "history_orders": [o.to_json() for o in self.history_orders],
            "deals": [d.to_json() for d in self.deals],
            "closed_positions": sorted(self.closed_positions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Book:
        positions = [Position.from_json(p) for p in data["positions"]]
        orders = [Order.from_json(o) for o in data["orders"]]
        return cls(
            account=Account.from_json(data["account"]),
            counters=Counters.from_json(data["counters"]),
            positions={p.ticket: p for p in positions},
            orders={o.ticket: o for o in orders},
            history_orders=[Order.from_json(o) for o in data["history_orders"]],
            deals=[Deal.from_json(d) for d in data["deals"]],
            closed_positions=set(data.get("closed_positions", [])),
        )
