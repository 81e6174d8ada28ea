"""Pure diffing of two terminal snapshots (positions, pending orders by ticket) and new deals into events.

No I/O here: `TradeWatcher` fetches, these functions decide. Positions and orders are keyed by ticket, so a
diff of thousands is a few dict look-ups each. Closing details come from exit deals (entry out, out_by,
inout) grouped by position id; a pending order's fate from the deals it made or its history record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from mt5bridge.terminal import models as M
from mt5bridge.trading.events.models import (
    CancelState,
    CloseReason,
    Event,
    PendingCancelled,
    PendingFilled,
    PendingPlaced,
    PositionModified,
    PositionOpened,
    PositionReduced,
    close_reason,
    closure_type,
)

EXIT_ENTRIES = frozenset({M.DealEntry.OUT, M.DealEntry.OUT_BY, M.DealEntry.INOUT})
TRADE_DEALS = frozenset({M.DealType.BUY, M.DealType.SELL})
_CANCEL_STATES = {
    M.OrderState.CANCELED: CancelState.CANCELLED, M.OrderState.REQUEST_CANCEL: CancelState.CANCELLED,
    M.OrderState.EXPIRED: CancelState.EXPIRED, M.OrderState.REJECTED: CancelState.REJECTED,
}  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """Open positions and active pending orders, by ticket."""

    positions: dict[int, M.Position] = field(default_factory=dict)
    orders: dict[int, M.Order] = field(default_factory=dict)

    @classmethod
    def of(cls, positions: Iterable[M.Position], orders: Iterable[M.Order]) -> Snapshot:
        return cls({p.ticket: p for p in positions}, {o.ticket: o for o in orders})


@dataclass(frozen=True)
class DealIndex:
    """New trade deals grouped for look-up: exits and entries by position id, all by order ticket."""

    exits: dict[int, list[M.Deal]]
    by_order: dict[int, list[M.Deal]]
    entries: dict[int, list[M.Deal]] = field(default_factory=dict)

    @classmethod
    def of(cls, deals: Iterable[M.Deal]) -> DealIndex:
        exits: dict[int, list[M.Deal]] = defaultdict(list)
        entries: dict[int, list[M.Deal]] = defaultdict(list)
        by_order: dict[int, list[M.Deal]] = defaultdict(list)
        for deal in sorted(deals, key=lambda d: (d.time_msc, d.ticket)):
            if deal.type not in TRADE_DEALS:
                continue
            by_order[deal.order].append(deal)
            if deal.entry in EXIT_ENTRIES:
                exits[deal.position_id].append(deal)
            elif deal.entry is M.DealEntry.IN:
                entries[deal.position_id].append(deal)
        return cls(dict(exits), dict(by_order), dict(entries))


def changed_positions(old: Snapshot, new: Snapshot) -> list[M.Position]:
    """Old positions that are gone or have less volume: those whose closing deals are needed."""
    out = []
    for ticket, before in old.positions.items():
        after = new.positions.get(ticket)
        if after is None or after.volume < before.volume:
            out.append(before)
    return out


def gone_orders(old: Snapshot, new: Snapshot) -> list[M.Order]:
    return [order for ticket, order in old.orders.items() if ticket not in new.orders]


def _vwap(deals: list[M.Deal]) -> float | None:
    volume = sum(d.volume for d in deals)
    return round(sum(d.price * d.volume for d in deals) / volume, 10) if volume else None


def _money(deals: list[M.Deal]) -> float:
    return round(sum(d.profit + d.commission + d.swap + d.fee for d in deals), 2)


def _closing(deals: list[M.Deal], now: datetime) -> tuple[float | None, float | None, CloseReason, datetime]:
    """(price, realized money, reason, time) of a close from its exit deals; unknown if there are none."""
    if not deals:
        return None, None, CloseReason.UNKNOWN, now
    last = deals[-1]
    return _vwap(deals), _money(deals), close_reason(last.reason), last.time


def position_events(old: Snapshot, new: Snapshot, deals: DealIndex, now: datetime) -> list[Event]:
    """Opened, closed (by reason), reduced and modified positions between two snapshots."""
    events: list[Event] = []
    for ticket, before in old.positions.items():
        after = new.positions.get(ticket)
        exits = deals.exits.get(before.identifier, [])
        if after is None:
            price, money, reason, when = _closing(exits, now)
            kind = closure_type(reason)
            events.append(kind(
                time=when, ticket=ticket, symbol=before.symbol, side=before.side, volume=before.volume,
                price=price, profit=money, reason=reason, magic=before.magic,
            ))  # fmt: skip
            continue
        if after.volume < before.volume:
            price, money, reason, when = _closing(exits, now)
            events.append(PositionReduced(
                time=when, ticket=ticket, symbol=after.symbol, side=after.side,
                volume_closed=round(before.volume - after.volume, 8), volume_left=after.volume,
                price=price, profit=money, reason=reason, magic=before.magic,
            ))  # fmt: skip
        if (before.sl, before.tp) != (after.sl, after.tp) or after.volume > before.volume:
            events.append(PositionModified(
                time=after.time_update if after.time_update > before.time_update else now,
                ticket=ticket, symbol=after.symbol, old_sl=before.sl, new_sl=after.sl, old_tp=before.tp,
                new_tp=after.tp, old_volume=before.volume, new_volume=after.volume,
            ))  # fmt: skip
    events.extend(
        PositionOpened(time=p.time, position=p) for t, p in new.positions.items() if t not in old.positions
    )
    return events


def round_trips(old: Snapshot, new: Snapshot, deals: DealIndex, now: datetime) -> list[Event]:
    """Positions opened and closed between two snapshots (a scalp inside one round): in neither snapshot,
    known only by their new entry and exit deals. Each is reported as closed, with its price, profit and
    reason, so a quick round trip is never silent."""
    known = {p.identifier for p in old.positions.values()} | {p.identifier for p in new.positions.values()}
    events: list[Event] = []
    for identifier, exits in deals.exits.items():
        entries = deals.entries.get(identifier)
        if identifier in known or not entries:
            continue  # still open (reduced), or opened before these deals: the snapshots tell it
        first = entries[0]
        price, money, reason, when = _closing(exits, now)
        side = M.PositionSide.BUY if first.type is M.DealType.BUY else M.PositionSide.SELL
        events.append(closure_type(reason)(
            time=when, ticket=identifier, symbol=first.symbol, side=side,
            volume=round(sum(d.volume for d in entries), 8), price=price, profit=money, reason=reason,
            magic=first.magic,
        ))  # fmt: skip
    return events


def order_events(
    old: Snapshot, new: Snapshot, deals: DealIndex, history: dict[int, M.Order], now: datetime
) -> list[Event]:
    """Placed, filled and cancelled pending orders; `history` holds finished orders by ticket."""
    events: list[Event] = []
    for order in gone_orders(old, new):
        events.append(
            _order_end(order, new, deals.by_order.get(order.ticket, []), history.get(order.ticket), now)
        )
    events.extend(
        PendingPlaced(time=o.time_setup, order=o) for t, o in new.orders.items() if t not in old.orders
    )
    return events


def _order_end(
    order: M.Order, new: Snapshot, fills: list[M.Deal], record: M.Order | None, now: datetime
) -> Event:
    """What became of a pending order that left the active list."""
    if fills:
        position_id = fills[0].position_id
        ticket = next((p.ticket for p in new.positions.values() if p.identifier == position_id), position_id)
        return _filled(order, ticket, sum(d.volume for d in fills), _vwap(fills), fills[-1].time)
    if order.ticket in new.positions:  # hedging: the position takes the order's ticket
        position = new.positions[order.ticket]
        return _filled(order, position.ticket, position.volume, position.price_open, position.time)
    if record is not None and record.state is M.OrderState.FILLED:
        return _filled(order, record.position_id, record.volume_initial, None, now)
    state = CancelState.UNKNOWN if record is None else _CANCEL_STATES.get(record.state, CancelState.UNKNOWN)
    return PendingCancelled(
        time=now, order_ticket=order.ticket, symbol=order.symbol, type=order.type,
        volume=order.volume_current, state=state, magic=order.magic,
    )  # fmt: skip


def _filled(order: M.Order, position: int, volume: float, price: float | None, when: datetime) -> Event:
    return PendingFilled(
        time=when, order_ticket=order.ticket, position_ticket=position, symbol=order.symbol,
        type=order.type, volume=volume, price=price, magic=order.magic,
    )  # fmt: skip
