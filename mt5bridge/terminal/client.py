"""`MT5Client`: the blocking, process-global terminal API behind an asyncio interface.

Every terminal call runs on one dedicated worker thread (the real package is not thread-safe), bounded by
`call_timeout`; answers come back as the typed models of `mt5bridge.terminal.models` and failures as the
exceptions of `mt5bridge.terminal.errors`. `order_send` never resends: when the answer is lost it looks for
the request's tag (written into the comment as `mb:<tag>`) and returns what it finds, or raises
`OrderOutcomeUnknown` (the search is `reconcile.Reconciler`, run through this client's worker calls).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from mt5bridge.terminal import constants as C
from mt5bridge.terminal import models as M
from mt5bridge.terminal.errors import (
    MAYBE_SENT_CODES,
    RETCODE_NAMES,
    CallTimeout,
    ClientCode,
    InvalidRequest,
    MT5Error,
    TerminalFailure,
    TerminalUnavailable,
    from_last_error,
    rejected,
    typed,
)
from mt5bridge.terminal.history_reads import HistoryReads
from mt5bridge.terminal.order_tags import tag_comment
from mt5bridge.terminal.protocol import Terminal
from mt5bridge.terminal.raw_reads import RawReads, filters
from mt5bridge.terminal.reconcile import SUCCESS_RETCODES, Answer, Reconciler
from mt5bridge.terminal.worker import Worker

log = logging.getLogger(__name__)
T = TypeVar("T")

CHECK_OK_RETCODES = frozenset({0, C.TRADE_RETCODE_DONE})
# Reads whose answers are immutable tuples, so callers may share one (not the numpy arrays of rates).
SHARED_READS = frozenset({
    "account_info", "terminal_info", "positions_get", "positions_total", "orders_get", "orders_total",
    "symbols_get", "symbol_info", "symbol_info_tick", "history_deals_get", "history_orders_get",
    "_symbol_info_and_tick",
})  # fmt: skip
TYPED_ON_LOOP = 100
"""Up to this many structures are typed on the event loop (~1.5 ms of models); more go to a worker thread."""


class MT5Client(RawReads, HistoryReads):
    """Async access to one terminal: typed reads (history and market data in `HistoryReads`, untyped
    ones in `RawReads`), safe order_send, connect/close, `connected` state."""

    def __init__(self, terminal: Terminal, *, call_timeout: float = 30.0, server_utc_offset: int = 0) -> None:
        self._terminal = terminal
        self._timeout = call_timeout
        self._offset = server_utc_offset
        self._worker = Worker("mt5-terminal")
        self._connected = False
        self.last_failure: MT5Error | None = None
        self._reconciler = Reconciler(
            terminal, call=self._call, submit=self._submit, history=self._history,
            timeout=call_timeout, server_utc_offset=server_utc_offset,
        )  # fmt: skip

    @property
    def server_utc_offset(self) -> int:
        """The trade server's clock minus UTC, in seconds."""
        return self._offset

    @property
    def connected(self) -> bool:
        """True after a successful connect() until a link failure or close()."""
        return self._connected

    # --- plumbing ---------------------------------------------------------------------------------
    def _start(
        self, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> tuple[asyncio.Future[Answer], Hashable | None, bool]:
        """Queue `fn` on the worker; its answer comes with last_error() if it failed (None/False).
        A read of `SHARED_READS` joins an identical one still waiting in the worker's queue. Returns the
        future, the sharing key (None: not shareable) and whether it is a new call."""

        def invoke() -> Answer:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # a backend bug or broken link: the call may have run
                log.exception("terminal call %s raised", getattr(fn, "__name__", fn))
                return None, (C.RES_E_INTERNAL_FAIL, f"IPC call failed: {type(exc).__name__}: {exc}")
            failed = result is None or result is False
            return result, self._terminal.last_error() if failed else None

        key = _share_key(fn, args, kwargs)
        future, new = self._worker.submit(invoke, key)
        return future, key, new

    async def _submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Answer:
        """Run `fn` on the worker within the call timeout; CallTimeout if it does not answer.

        One timer per call, not per caller: when it fires first, the call's future answers `_TIMED_OUT`
        to everyone waiting on it (the worker's late answer is then dropped). A timeout context and a
        shield per caller cost ~6 us a request; a shareable call is still shielded, as joiners wait on it."""
        future, key, new = self._start(fn, *args, **kwargs)
        if new:
            timer = asyncio.get_running_loop().call_later(self._timeout, _expire, future)
            future.add_done_callback(lambda _: timer.cancel())
        answer = await (asyncio.shield(future) if key is not None else future)
        if answer is _TIMED_OUT:
            raise self._timed_out(fn)
        return answer

    def _timed_out(self, fn: Callable[..., Any]) -> CallTimeout:
        name = getattr(fn, "__name__", "call")
        return CallTimeout(ClientCode.CALL_TIMEOUT, f"{name}: no answer within {self._timeout:g} s")

    def _failure(self, error: tuple[int, str], what: str) -> MT5Error:
        exc = from_last_error(error, what)
        if isinstance(exc, TerminalUnavailable):
            self._connected = False
        self.last_failure = exc
        return exc

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A terminal call that must succeed: its value, or the matching exception."""
        if not self._connected:
            raise TerminalUnavailable(ClientCode.TERMINAL_DISCONNECTED, "terminal not connected")
        result, error = await self._submit(fn, *args, **kwargs)
        if error is not None:
            raise self._failure(error, getattr(fn, "__name__", "call"))
        return result

    async def _history(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """A history call: None with last_error (1, 'Success') means "nothing", not failure."""
        try:
            return tuple(await self._call(fn, *args, **kwargs))
        except TerminalFailure as exc:
            if exc.mt5_code == C.RES_S_OK:
                return ()
            raise

    def _epoch(self, value: datetime | int) -> int:
        """A server-scale epoch: ints are taken as they are, aware datetimes shifted by the server offset."""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise InvalidRequest(
                    ClientCode.INVALID_ARGUMENT, "naive datetime: pass an aware one or an epoch"
                )
            return int(value.timestamp()) + self._offset
        return int(value)

    # --- lifecycle --------------------------------------------------------------------------------
    async def connect(self) -> bool:
        """initialize() the terminal; on failure the client stays usable with `connected == False`."""
        try:
            ok, error = await self._submit(self._terminal.initialize)
        except MT5Error as exc:
            ok, error = False, None
            self.last_failure = exc
        self._connected = bool(ok)
        if error is not None:
            self.last_failure = from_last_error(error, "initialize")
        if not self._connected:
            log.warning("MT5 terminal not connected: %s", self.last_failure)
        return self._connected

    async def close(self) -> None:
        """shutdown() the terminal link and stop the worker thread; the client cannot be used after."""
        if self._connected:
            self._connected = False
            try:
                await self._submit(self._terminal.shutdown)
            except MT5Error as exc:
                log.warning("MT5 shutdown failed: %s", exc)
        self._worker.stop()

    # --- reads ------------------------------------------------------------------------------------
    async def terminal_state(self) -> M.TerminalState:
        raw = await self._call(self._terminal.terminal_info)
        return typed(lambda: M.TerminalState.from_mt5(raw))

    async def server_time(self) -> datetime | None:
        """The trade server's clock as of the newest quote among Market Watch symbols (None if no quote)."""
        symbols = await self._call(self._terminal.symbols_get)
        newest = max((s.time for s in symbols if s.select), default=0)
        return M.utc(newest, self._offset) if newest else None

    async def account(self) -> M.Account:
        raw = await self._call(self._terminal.account_info)
        return typed(lambda: M.Account.from_mt5(raw))

    async def positions(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> list[M.Position]:
        """Open positions, optionally of one symbol, a group mask or one ticket.

        Many positions are typed in a worker thread: a model takes ~15 us, so 500 would hold up the
        event loop for ~10 ms (a hedging grid account can hold thousands)."""
        raw = await self._call(
            self._terminal.positions_get, **filters(symbol=symbol, group=group, ticket=ticket)
        )

        def build() -> list[M.Position]:
            return [M.Position.from_mt5(p, self._offset) for p in raw]

        if len(raw) > TYPED_ON_LOOP:
            return await asyncio.to_thread(typed, build)
        return typed(build)

    async def positions_reusing(self, previous: Mapping[int, M.Position]) -> list[M.Position]:
        """Open positions, reusing `previous` models for positions no trade has touched since.

        A trade changes a position's volume, SL/TP, update time or open price; its profit and current
        price move on every tick and are NOT refreshed for reused models. For watchers that diff what
        trades change: with a thousand positions it saves ~10 ms of model building per round.
        """
        raw = await self._call(self._terminal.positions_get)

        def build() -> list[M.Position]:
            return [_reused(previous.get(p.ticket), p) or M.Position.from_mt5(p, self._offset) for p in raw]

        return typed(build)

    async def positions_total(self) -> int:
        """How many positions are open (cheap: no structures built)."""
        return int(await self._call(self._terminal.positions_total))

    async def orders_total(self) -> int:
        """How many pending orders are active."""
        return int(await self._call(self._terminal.orders_total))

    async def orders(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> list[M.Order]:
        """Active pending orders."""
        raw = await self._call(
            self._terminal.orders_get, **filters(symbol=symbol, group=group, ticket=ticket)
        )
        return typed(lambda: [M.Order.from_mt5(o, self._offset) for o in raw])

    async def symbols(self, group: str | None = None) -> list[M.SymbolSpec]:
        raw = await self._call(self._terminal.symbols_get, **filters(group=group))
        return typed(lambda: [M.SymbolSpec.from_mt5(s) for s in raw])

    async def symbol(self, name: str) -> M.SymbolSpec:
        """One symbol's specification; InvalidRequest `unknown_symbol` if the terminal has no such name."""
        raw = await self._known_symbol(self._terminal.symbol_info, name)
        return typed(lambda: M.SymbolSpec.from_mt5(raw))

    async def select_symbol(self, name: str) -> None:
        """Put a symbol in Market Watch, as reading its ticks and rates requires."""
        await self._known_symbol(self._terminal.symbol_select, name, True)

    async def tick(self, symbol: str) -> M.Tick:
        raw = await self._known_symbol(self._terminal.symbol_info_tick, symbol)
        return typed(lambda: M.Tick.from_mt5(symbol, raw, self._offset))

    async def _known_symbol(self, fn: Callable[..., Any], name: str, *args: Any) -> Any:
        try:
            return await self._call(fn, name, *args)
        except TerminalFailure as exc:
            if exc.mt5_code == C.RES_E_NOT_FOUND:
                message = f"unknown symbol {name!r}"
                raise InvalidRequest(
                    ClientCode.UNKNOWN_SYMBOL, message, mt5_code=exc.mt5_code, mt5_name=exc.mt5_name
                ) from exc
            raise

    async def calc_margin(self, side: M.PositionSide, symbol: str, volume: float, price: float) -> float:
        """Margin in account currency for a new position (ignores existing ones)."""
        action = C.ORDER_TYPE_BUY if side is M.PositionSide.BUY else C.ORDER_TYPE_SELL
        return float(await self._call(self._terminal.order_calc_margin, action, symbol, volume, price))

    async def calc_profit(
        self, side: M.PositionSide, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float:
        """Profit in account currency between two prices, without commission or swap."""
        action = C.ORDER_TYPE_BUY if side is M.PositionSide.BUY else C.ORDER_TYPE_SELL
        fn = self._terminal.order_calc_profit
        return float(await self._call(fn, action, symbol, volume, price_open, price_close))

    # --- trading ----------------------------------------------------------------------------------
    async def order_check(self, request: Mapping[str, Any]) -> M.CheckResult:
        """The account after `request` would execute; TradeRejected if the terminal says it would fail."""
        raw = await self._call(self._terminal.order_check, dict(request))
        if raw.retcode not in CHECK_OK_RETCODES:
            raise rejected(raw.retcode, raw.comment)
        fields = {k: getattr(raw, k) for k in M.CheckResult.model_fields if k != "retcode_name"}
        return M.CheckResult(**fields, retcode_name=RETCODE_NAMES.get(raw.retcode, "OK"))

    async def order_send(self, request: Mapping[str, Any], *, tag: str) -> M.TradeResult:
        """Send a request once, tagged `mb:<tag>` in its comment; see the module doc for lost answers."""
        req = {**request, "comment": tag_comment(tag, str(request.get("comment", "")))}
        if not self._connected:
            raise TerminalUnavailable(
                ClientCode.TERMINAL_DISCONNECTED, "terminal not connected; nothing sent"
            )
        future, _, _ = self._start(self._terminal.order_send, req)
        try:
            async with asyncio.timeout(self._timeout):
                # shielded: the late answer is still wanted by the reconciler
                raw, error = await asyncio.shield(future)
        except TimeoutError:
            return await self._reconciler.settle(req, tag, self._timed_out(self._terminal.order_send), future)
        if error is not None:
            failure = self._failure(error, "order_send")
            if error[0] in MAYBE_SENT_CODES:
                return await self._reconciler.settle(req, tag, failure, None)
            raise failure
        if raw.retcode not in SUCCESS_RETCODES:
            raise await self._rejection(raw, req)
        return _trade_result(raw, tag)

    async def _rejection(self, raw: Any, req: Mapping[str, Any]) -> MT5Error:
        code = None
        if raw.retcode == C.TRADE_RETCODE_INVALID and req.get("symbol"):
            answer, _ = await self._submit(self._terminal.symbol_info, req["symbol"])
            code = ClientCode.UNKNOWN_SYMBOL if answer is None else None
        return rejected(raw.retcode, raw.comment, code)

    async def find_by_tag(
        self, tag: str, request: Mapping[str, Any], *, since: int | None = None
    ) -> M.TradeResult | None:
        """The outcome of the request tagged `tag` from deals, orders and positions; None if no trace.

        Only market deals and pending placements leave a trace; SL/TP changes, modifications and removals
        cannot be confirmed this way and always give None. History is searched from a day before now, or
        before `since` (server-scale epoch seconds) when the request may be older.
        """
        return await self._reconciler.find(tag, request, since=since)


def _trade_result(raw: Any, tag: str) -> M.TradeResult:
    return M.TradeResult(
        retcode=raw.retcode, retcode_name=RETCODE_NAMES.get(raw.retcode, str(raw.retcode)), tag=tag,
        deal=raw.deal, order=raw.order, volume=raw.volume, price=raw.price, bid=raw.bid, ask=raw.ask,
        comment=raw.comment, request_id=raw.request_id,
    )  # fmt: skip


def _reused(old: M.Position | None, raw: Any) -> M.Position | None:
    """`old` if no trade touched the position since (same volume, SL/TP, update time, open price)."""
    if old is None:
        return None
    before = (old.volume, old.sl or 0.0, old.tp or 0.0, old.time_update_server, old.price_open)
    after = (raw.volume, raw.sl, raw.tp, raw.time_update, raw.price_open)
    return old if before == after else None


_TIMED_OUT: Any = object()  # what `_expire` answers in place of a late call


def _expire(future: asyncio.Future[Answer]) -> None:
    if not future.done():
        future.set_result(_TIMED_OUT)


def _share_key(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The worker's sharing key for a read of `SHARED_READS` with hashable arguments, else None."""
    name = getattr(fn, "__name__", None)
    if name not in SHARED_READS:
        return None
    key = (name, args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key
