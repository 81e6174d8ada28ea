"""Reads that hand back the terminal's own structures (named tuples, server-scale times), untyped.

For serialisers that answer many requests from the same values: the API encodes each structure once and
remembers the bytes by the structure's value (api/encoded.py), so a typed model per structure per request
would be the whole cost. Everything else reads typed models through `MT5Client`'s other methods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any


def filters(**given: Any) -> dict[str, Any]:
    """Keyword filters without the unset ones: the package is not documented to accept None for them."""
    return {k: v for k, v in given.items() if v is not None}


class TerminalCalls:
    """What the read mixins use of `MT5Client`: its terminal, server offset and call plumbing."""

    _terminal: Any
    _offset: int
    if TYPE_CHECKING:  # MT5Client's plumbing (calls on its worker, failures as its exceptions)

        async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
        async def _history(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, ...]: ...
        async def _known_symbol(self, fn: Callable[..., Any], name: str, *args: Any) -> Any: ...
        def _epoch(self, value: datetime | int) -> int: ...


class RawReads(TerminalCalls):
    """Mixed into `MT5Client`: the same calls as its typed reads, without the models."""

    async def account_tuple(self) -> Any:
        """The AccountInfo structure."""
        return await self._call(self._terminal.account_info)

    async def position_tuples(self, *, symbol: str | None = None) -> tuple[Any, ...]:
        """Open positions as TradePosition tuples (GET /positions with a thousand open)."""
        if symbol is None:
            return tuple(await self._call(self._terminal.positions_get))
        return tuple(await self._call(self._terminal.positions_get, symbol=symbol))

    async def symbol_tuples(self, group: str | None = None) -> tuple[Any, ...]:
        """Every SymbolInfo, or those of an MT5 group mask."""
        if group is None:
            return tuple(await self._call(self._terminal.symbols_get))
        return tuple(await self._call(self._terminal.symbols_get, group=group))

    async def symbol_and_tick(self, name: str) -> tuple[Any, Any]:
        """SymbolInfo and last Tick of one symbol, read together in one worker call (one thread hop
        instead of two); InvalidRequest `unknown_symbol` if the terminal has no such name."""
        return await self._known_symbol(self._symbol_info_and_tick, name)

    def _symbol_info_and_tick(self, name: str) -> tuple[Any, Any] | None:
        """On the worker: both reads, or None with the terminal's last_error when either fails."""
        info = self._terminal.symbol_info(name)
        if info is None:
            return None
        tick = self._terminal.symbol_info_tick(name)
        return None if tick is None else (info, tick)

    async def deal_tuples(self, date_from: datetime | int, date_to: datetime | int) -> tuple[Any, ...]:
        """TradeDeal tuples between two times (both ends inclusive, as history_deals_get has them)."""
        lo, hi = self._epoch(date_from), self._epoch(date_to)
        return await self._history(self._terminal.history_deals_get, lo, hi)
