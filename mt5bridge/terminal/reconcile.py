"""Settling an `order_send` whose answer was lost: find the request by its tag, never send it again.

The client's worker may have run the call (a timeout, or a link error that may come after sending), so the
request's tag (`mb:<tag>` in the comment, copied to its order, deals and position) is searched for in the
deals, orders and positions of a window around now, once the stuck call has answered or timed out again.
Found: the outcome as a `TradeResult`. Not found: a late answer that is a definite refusal is raised as
such, anything else as `OrderOutcomeUnknown`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from mt5bridge.terminal import constants as C
from mt5bridge.terminal import models as M
from mt5bridge.terminal.errors import MT5Error, OrderOutcomeUnknown, rejected
from mt5bridge.terminal.order_tags import first_tagged, found_result, tag_comment
from mt5bridge.terminal.protocol import Terminal

log = logging.getLogger("mt5bridge.terminal.client")  # the client's log: these lines are its story

SUCCESS_RETCODES = frozenset({C.TRADE_RETCODE_DONE, C.TRADE_RETCODE_PLACED, C.TRADE_RETCODE_DONE_PARTIAL})
DAY = 86400
Answer = tuple[Any, tuple[int, str] | None]
Call = Callable[..., Awaitable[Any]]


class Reconciler:
    """The client's search for lost answers, through the client's own worker calls.

    `call` must succeed or raise, `submit` answers (value, last_error) without raising on a refusal,
    `history` reads "nothing" as an empty tuple; all three run on the client's single worker thread.
    """

    def __init__(
        self,
        terminal: Terminal,
        *,
        call: Call,
        submit: Callable[..., Awaitable[Answer]],
        history: Callable[..., Awaitable[tuple[Any, ...]]],
        timeout: float,
        server_utc_offset: int,
    ) -> None:
        self._terminal = terminal
        self._call = call
        self._submit = submit
        self._history = history
        self._timeout = timeout
        self._offset = server_utc_offset

    async def settle(
        self, req: Mapping[str, Any], tag: str, cause: MT5Error, late: asyncio.Future[Answer] | None
    ) -> M.TradeResult:
        """Settle a send whose answer was lost: search by tag once the worker is free; never resend."""
        log.warning("order_send answer lost (%s); reconciling tag %s", cause, tag)
        answer = await self._late_answer(late)
        try:
            found = await self.find(tag, req)
        except MT5Error as exc:
            raise OrderOutcomeUnknown(tag, f"answer lost ({cause}); reconciliation failed ({exc})") from exc
        if found is not None:
            return found
        raw = answer[0] if answer else None
        if raw is not None and raw.retcode not in SUCCESS_RETCODES:
            raise rejected(raw.retcode, raw.comment)  # the late answer is a definite refusal
        raise OrderOutcomeUnknown(tag, f"answer lost ({cause}); no trace of tag {tag}") from cause

    async def _late_answer(self, late: asyncio.Future[Answer] | None) -> Answer | None:
        """Wait (one more call timeout) for the stuck call, so the searches are not queued behind it."""
        if late is None:
            return None
        try:
            async with asyncio.timeout(self._timeout):
                return await late
        except TimeoutError:
            return None

    async def find(
        self, tag: str, request: Mapping[str, Any], *, since: int | None = None
    ) -> M.TradeResult | None:
        """The outcome of the request tagged `tag` from deals, orders and positions; None if no trace.

        Only market deals and pending placements leave a trace; SL/TP changes, modifications and removals
        cannot be confirmed this way and always give None. History is searched from a day before now, or
        before `since` (server-scale epoch seconds) when the request may be older.
        """
        comment = tag_comment(tag)
        action = request.get("action")
        if action == C.TRADE_ACTION_PENDING:
            orders = await self._call(self._terminal.orders_get)
            order = first_tagged(orders, comment) or first_tagged(
                await self._recent_history_orders(request, since), comment
            )
            if order is not None:
                return found_result(
                    tag, C.TRADE_RETCODE_PLACED, 0, order.ticket, order.volume_initial, order.price_open
                )
        elif action in (C.TRADE_ACTION_DEAL, C.TRADE_ACTION_CLOSE_BY):
            deal = first_tagged(await self._recent_deals(request, since), comment)
            if deal is not None:
                return found_result(
                    tag, C.TRADE_RETCODE_DONE, deal.ticket, deal.order, deal.volume, deal.price
                )
            pos = first_tagged(await self._call(self._terminal.positions_get), comment)
            if pos is not None:
                return found_result(tag, C.TRADE_RETCODE_DONE, 0, pos.ticket, pos.volume, pos.price_open)
        return None

    async def _window(self, request: Mapping[str, Any], since: int | None) -> tuple[int, int]:
        """A server-scale window around now (the symbol's last tick and the wall clock, and `since`), a day
        either side."""
        now = int(time.time()) + self._offset
        stamps = [now] if since is None else [now, since]
        symbol = request.get("symbol")
        if symbol:
            tick, _ = await self._submit(self._terminal.symbol_info_tick, symbol)
            if tick is not None:
                stamps.append(int(tick.time))
        return min(stamps) - DAY, max(stamps) + DAY

    async def _recent_deals(self, request: Mapping[str, Any], since: int | None) -> tuple[Any, ...]:
        lo, hi = await self._window(request, since)
        deals = await self._history(self._terminal.history_deals_get, lo, hi)
        position = request.get("position")
        if position:
            deals += await self._history(self._terminal.history_deals_get, position=position)
        return deals

    async def _recent_history_orders(self, request: Mapping[str, Any], since: int | None) -> tuple[Any, ...]:
        lo, hi = await self._window(request, since)
        return await self._history(self._terminal.history_orders_get, lo, hi)
