"""JSON bytes of the terminal's structures, remembered by value, for the busiest read routes.

A request for the account, the symbols, a symbol, the positions or a month of deals mostly asks for the
same structures as the one before: deals never change, and the rest only on a tick or a trade. Each
structure's encoded JSON is remembered by the structure's value (any terminal's named tuples are
hashable), so a repeat costs a hash and a lookup instead of two models and an encoding. A miss takes
the typed path (terminal model, then the documented `*Out` schema), so both give the same bytes (tests
hold them equal); positions, the largest lists, build their JSON straight from the tuple instead.
An unexpected value from the terminal is a TerminalFailure, as on the typed path (`errors.typed`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from api.jsonio import dumps
from api.schemas_out import AccountOut, DealOut, SymbolDetailOut, SymbolOut, TickOut
from mt5bridge.terminal.enums import mt5_value
from mt5bridge.terminal.errors import typed
from mt5bridge.terminal.models import Account, Deal, PositionSide, Reason, SymbolSpec, Tick

T = TypeVar("T")


@lru_cache(maxsize=64)
def account_bytes(raw: Any, now: datetime | None, offset: int, connected_since: datetime | None) -> bytes:
    """GET /account's `data` (the server clock moves once a second, so a few entries are enough)."""
    out = AccountOut.build(Account.from_mt5(raw), now, offset, connected_since)
    return dumps(out.model_dump(mode="json"))


@lru_cache(maxsize=4096)
def symbol_bytes(raw: Any, offset: int) -> bytes:
    """One item of GET /symbols: a SymbolInfo as `SymbolOut`."""
    return dumps(SymbolOut.build(SymbolSpec.from_mt5(raw), offset).model_dump(mode="json"))


@lru_cache(maxsize=1024)
def symbol_detail_bytes(info: Any, tick: Any, offset: int) -> bytes:
    """GET /symbol/{name}'s `data`: the specification and its tick (null before the first quote)."""
    quote = Tick.from_mt5(info.name, tick, offset) if tick.time_msc else None
    out = SymbolDetailOut(
        symbol=SymbolOut.build(SymbolSpec.from_mt5(info), offset),
        tick=TickOut.build(quote) if quote is not None else None,
    )
    return dumps(out.model_dump(mode="json"))


class _Deals:
    """Deals' JSON by ticket, each entry checked against the deal's value (a month holds thousands of
    deals; comparing one with the tuple it came from costs less than hashing it)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: dict[int, tuple[Any, int, bytes]] = {}

    def encoded(self, raw: Any, offset: int) -> bytes:
        hit = self._items.get(raw.ticket)
        if hit is not None and hit[1] == offset and hit[0] == raw:
            return hit[2]
        data = dumps(DealOut.build(Deal.from_mt5(raw, offset)).model_dump(mode="json"))
        if len(self._items) >= self._size:
            del self._items[next(iter(self._items))]  # the oldest entry
        self._items[raw.ticket] = (raw, offset, data)
        return data


deal_bytes = _Deals(1 << 16).encoded
"""One deal of GET /history/deals: a TradeDeal as `DealOut` (a deal never changes once made)."""


_SIDES = {mt5_value(side): side.value for side in PositionSide}
_REASONS = {mt5_value(reason): reason.value for reason in Reason}


# Formatting a time costs ~3 us, four per position; the same positions are asked for again and again,
# so their times repeat: remembered, a thousand positions serialise in ~3 ms instead of ~18.
@lru_cache(maxsize=1 << 16)
def _iso_utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=1 << 16)
def _iso_wall(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None).isoformat()


@lru_cache(maxsize=1 << 13)
def position_bytes(p: Any, offset: int) -> bytes:
    """`position_json` encoded, remembered by the position's value: between two ticks a thousand
    positions are the same tuples as at the previous request (any terminal's tuples are hashable)."""
    return dumps(position_json(p, offset))


def position_json(p: Any, offset: int) -> dict[str, Any]:
    """`PositionOut.build(Position.from_mt5(p, offset)).model_dump(mode="json")` straight from the
    terminal's tuple: the same keys, order and values (a test holds them equal), without two models per
    position. ValueError for a side or reason MT5 never sends, as the typed path."""
    try:
        side, reason = _SIDES[p.type], _REASONS[p.reason]
    except KeyError as exc:
        raise ValueError(f"unknown position type/reason {exc}") from None
    return {
        "ticket": p.ticket, "identifier": p.identifier, "symbol": p.symbol, "type": side,
        "volume": float(p.volume), "price_open": float(p.price_open), "current_price": float(p.price_current),
        "sl": float(p.sl) or None, "tp": float(p.tp) or None, "profit": float(p.profit),
        "swap": float(p.swap), "magic": p.magic, "comment": p.comment, "reason": reason,
        "open_time": _iso_utc(p.time - offset), "open_time_server": _iso_wall(p.time),
        "update_time": _iso_utc(p.time_update - offset), "update_time_server": _iso_wall(p.time_update),
    }  # fmt: skip


class LastAnswers:
    """The last encoded list per query, given again while the terminal's structures are equal to the
    ones it was built from: with a thousand positions, comparing two lists of the same tuples is one
    pointer check each, where looking each one up costs a hash of every field."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._items: dict[Hashable, tuple[Sequence[Any], bytes]] = {}

    def joined(self, query: Hashable, rows: Sequence[Any], item: Callable[[Any], bytes]) -> bytes:
        """`item(row)` for every row, comma-joined; built again only when `rows` differ from last time."""
        hit = self._items.get(query)
        if hit is not None and hit[0] == rows:
            return hit[1]
        data = typed(lambda: b",".join([item(row) for row in rows]))
        if query not in self._items and len(self._items) >= self._size:
            del self._items[next(iter(self._items))]
        self._items[query] = (rows, data)
        return data
