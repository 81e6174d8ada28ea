"""One WebSocket client: its subscriptions, the tasks that forward events, and its liveness watchdog.

Each channel is one `EventBus` subscription read by one pump task, so a client that does not read only
stalls its own pumps (blocked in the socket's drain) while the bus conflates its ticks to the newest per
symbol and bounds its other events. Every send takes the connection's lock and re-checks the
subscription inside it, so nothing of a channel or symbol is sent after its unsubscribe ack.

Messages go out as whole text frames built once per event (`WsHub.tick_frame`) and shared by every
connection. The tick pump takes every tick waiting in its subscription at once and writes them in one
`transport.write`: one wakeup and one system call per burst instead of one per tick. When the socket's
buffer passes the transport's high-water mark the pump waits for it to drain, and meanwhile the bus keeps
only the newest tick per symbol, so what the server holds for a client is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractStreamWriter

from api.security.auth import Principal
from api.ws_protocol import (
    CHANNEL_KINDS,
    Action,
    Channel,
    ClientMessage,
    ErrorCode,
    ProtocolError,
    ServerChannel,
    account_data,
    encode,
    error_message,
    now_utc,
    parse_message,
    position_data,
    text_frame,
)
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.trading.errors import TradingError
from mt5bridge.trading.events import Subscription, SubscriptionClosed, TickEvent

if TYPE_CHECKING:
    from api.ws_hub import WsHub

log = logging.getLogger(__name__)

CLOSE_POLICY = 1008  # too many bad messages, no pong
CLOSE_GOING_AWAY = 1001  # server shutdown


class Connection:
    """A connected, authenticated client; `serve()` runs until it goes away or is dropped."""

    def __init__(self, hub: WsHub, ws: web.WebSocketResponse, principal: Principal, name: str,
                 transport: asyncio.Transport | None, stream: AbstractStreamWriter) -> None:  # fmt: skip
        self.hub = hub
        self.ws = ws
        self.principal = principal
        self.name = name
        self.options = hub.options
        self.tick_symbols: set[str] = set()
        self._transport = transport
        self._stream = stream  # the response's writer: its drain() waits while the transport is paused
        self._lock = asyncio.Lock()
        self._subs: dict[Channel, Subscription] = {}
        self._pumps: dict[Channel, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticked: set[str] = set()  # symbols with a tick sent since their subscribe
        self._bad: deque[float] = deque()
        self._unanswered_since: float | None = None
        self._ping_seq = 0
        self._ping_task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[Any] | None = None
        self.closing = False

    # --- lifecycle -------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Read client frames until the socket closes; then release every subscription."""
        self._spawn(self._watchdog(), "watchdog")
        try:
            async for frame in self.ws:
                if frame.type is WSMsgType.ERROR or self.closing:
                    break
                await self._on_frame(frame)
        except ConnectionError:
            pass  # the peer went away while we answered it
        finally:
            await self._release()

    async def close(self, code: int, reason: str) -> None:
        """Close with `code`; a peer that does not take the close frame in time is cut off."""
        if self.closing:
            return
        self.closing = True
        self._closer = asyncio.current_task()
        log.info("websocket %s: closing (%d %s)", self.name, code, reason)
        try:
            async with asyncio.timeout(self.options.close_timeout):
                await self.ws.close(code=code, message=reason.encode())
        except (TimeoutError, ConnectionError, RuntimeError):
            if self._transport is not None:
                self._transport.abort()

    async def _release(self) -> None:
        self.closing = True
        for sub in self._subs.values():
            sub.close()
        self._subs.clear()
        closer = self._closer
        pending = [t for t in self._tasks if t is not closer]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if closer is not None and closer in self._tasks:
            await asyncio.gather(closer, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=f"{self.name}:{what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- client frames ---------------------------------------------------------------------------
    async def _on_frame(self, frame: Any) -> None:
        if frame.type is WSMsgType.TEXT:
            await self._on_text(frame.data)
        elif frame.type is WSMsgType.BINARY:
            await self._refuse(ProtocolError(ErrorCode.BINARY_NOT_SUPPORTED, "send JSON text frames"))
        elif frame.type is WSMsgType.PING:
            await self.ws.pong(frame.data)
        elif frame.type is WSMsgType.PONG:
            self._unanswered_since = None

    async def _on_text(self, text: str) -> None:
        msg: ClientMessage | None = None
        try:
            msg = parse_message(text)
            if msg.action is Action.PONG:
                self._unanswered_since = None
            elif msg.action is Action.SUBSCRIBE:
                await self._subscribe(msg)
            else:
                await self._unsubscribe(msg)
        except ProtocolError as exc:
            await self._refuse(exc, msg.id if msg else None)

    async def _refuse(self, error: ProtocolError, msg_id: str | int | None = None) -> None:
        """Answer with an error; past the bad-message limit in the window, close with 1008."""
        counted = error.code is not ErrorCode.TERMINAL_UNAVAILABLE
        if counted:
            now = time.monotonic()
            self._bad.append(now)
            while self._bad and self._bad[0] < now - self.options.bad_window:
                self._bad.popleft()
        await self._send(error_message(error, msg_id))
        if counted and len(self._bad) > self.options.bad_limit:
            await self.close(CLOSE_POLICY, "too many bad messages")

    async def _send(self, data: bytes) -> None:
        async with self._lock:
            await self._write(data)

    async def _write(self, data: bytes) -> None:
        """One message as a text frame; callers hold the lock."""
        await self._write_frames(text_frame(data))

    async def _write_frames(self, frames: bytes) -> None:
        """Whole text frames (shared bytes) in one write; callers hold the lock. Waits while the socket's
        buffer is over the transport's high-water mark, so a client that does not read holds the pump.

        aiohttp writes its own frames (ping, pong, close) whole and synchronously too, so they never
        interleave with these; nothing is written once the close has begun.
        """
        transport = self._transport
        if transport is None or transport.is_closing() or self.ws.closed:
            raise ConnectionResetError("websocket closing")
        transport.write(frames)
        if transport.get_write_buffer_size():
            await self._stream.drain()

    def _ack(self, msg: ClientMessage, **extra: Any) -> bytes:
        data: dict[str, Any] = {"action": str(msg.action), "channel": str(msg.channel), **extra}
        if msg.id is not None:
            data["id"] = msg.id
        return encode(ServerChannel.ACK, data)

    # --- subscriptions ---------------------------------------------------------------------------
    async def _resolve(self, wanted: list[str]) -> list[str]:
        """Canonical broker names for names and aliases; all known or ProtocolError naming the rest."""
        names: list[str] = []
        unknown: list[str] = []
        for name in wanted:
            try:
                spec = await self.hub.trading.symbol(name)
            except TradingError:
                unknown.append(name)
                continue
            except MT5Error as exc:
                raise ProtocolError(ErrorCode.TERMINAL_UNAVAILABLE, exc.message) from None
            if spec.name not in names:
                names.append(spec.name)
        if unknown:
            raise ProtocolError(
                ErrorCode.UNKNOWN_SYMBOL, f"unknown symbol(s): {', '.join(unknown)}", symbols=unknown
            )
        return names

    async def _subscribe(self, msg: ClientMessage) -> None:
        assert msg.channel is not None  # noqa: S101 - parse_message guarantees it
        if msg.channel is Channel.TICKS:
            await self._subscribe_ticks(msg)
            return
        async with self._lock:
            if msg.channel not in self._subs:
                self._open(msg.channel)
            await self._write(self._ack(msg))
        await self._snapshot(msg.channel)

    def _open(self, channel: Channel) -> Subscription:
        sub = self.hub.bus.subscribe(
            CHANNEL_KINDS[channel], set() if channel is Channel.TICKS else None,
            name=f"{self.name}:{channel}", queue_size=self.options.event_queue,
        )  # fmt: skip
        self._subs[channel] = sub
        pump = self._pump_ticks(sub) if channel is Channel.TICKS else self._pump_events(channel, sub)
        self._pumps[channel] = self._spawn(pump, f"pump-{channel}")
        return sub

    async def _subscribe_ticks(self, msg: ClientMessage) -> None:
        names = await self._resolve(msg.symbols or [])
        added = [n for n in names if n not in self.tick_symbols]
        if len(self.tick_symbols) + len(added) > self.options.max_symbols:
            raise ProtocolError(
                ErrorCode.TOO_MANY_SYMBOLS, f"at most {self.options.max_symbols} tick symbols per connection"
            )
        async with self._lock:
            sub = self._subs.get(Channel.TICKS) or self._open(Channel.TICKS)
            self.tick_symbols.update(added)
            sub.add_symbols(added)
            await self._write(self._ack(msg, symbols=names, subscribed=sorted(self.tick_symbols)))
        await self._tick_snapshot(added)

    async def _unsubscribe(self, msg: ClientMessage) -> None:
        assert msg.channel is not None  # noqa: S101 - parse_message guarantees it
        if msg.channel is Channel.TICKS:
            names = await self._held_names(msg.symbols or [])
            async with self._lock:
                sub = self._subs.get(Channel.TICKS)
                self.tick_symbols.difference_update(names)
                self._ticked.difference_update(names)
                if sub is not None:
                    sub.remove_symbols(names)
                await self._write(self._ack(msg, symbols=names, subscribed=sorted(self.tick_symbols)))
            return
        async with self._lock:
            sub = self._subs.pop(msg.channel, None)
            if sub is not None:
                sub.close()
                self._pumps.pop(msg.channel).cancel()
            await self._write(self._ack(msg))

    async def _held_names(self, wanted: list[str]) -> list[str]:
        """Names to unsubscribe: subscribed ones match as typed (no terminal call), others resolve."""
        held = {s.upper(): s for s in self.tick_symbols}
        known = [held[w.upper()] for w in wanted if w.upper() in held]
        rest = [w for w in wanted if w.upper() not in held]
        return known + [n for n in await self._resolve(rest) if n not in known]

    # --- snapshots on subscribe --------------------------------------------------------------------
    async def _tick_snapshot(self, names: list[str]) -> None:
        """The current quote of newly subscribed symbols, unless a fresher tick already went out."""
        for name in names:
            try:
                tick = await self.hub.client.tick(name)
            except MT5Error:
                continue  # best effort: the poller sends the next change anyway
            event = TickEvent(symbol=name, bid=tick.bid, ask=tick.ask, time=tick.time, time_msc=tick.time_msc)
            async with self._lock:
                if name in self.tick_symbols and name not in self._ticked:
                    self._ticked.add(name)
                    await self._write_frames(self.hub.tick_frame(event))

    async def _snapshot(self, channel: Channel) -> None:
        try:
            if channel is Channel.ACCOUNT:
                text = encode(channel, account_data(await self.hub.trading.account(), now_utc()))
            elif channel is Channel.POSITIONS:
                text = await self._positions_message()
            else:
                return
        except MT5Error as exc:
            await self._send(error_message(ProtocolError(ErrorCode.TERMINAL_UNAVAILABLE, exc.message)))
            return
        async with self._lock:
            if channel in self._subs:
                await self._write(text)

    async def _positions_message(self) -> bytes:
        positions = await self.hub.trading.positions()
        return encode(Channel.POSITIONS, [position_data(p) for p in positions])

    # --- pumps -----------------------------------------------------------------------------------
    async def _pump_ticks(self, sub: Subscription) -> None:
        """Every tick waiting (at most one per symbol) in one write; taken under the lock, so none of a
        symbol whose unsubscribe was acked."""
        with contextlib.suppress(ConnectionError, RuntimeError, SubscriptionClosed):
            while True:
                await sub.wait()
                async with self._lock:
                    ticks = sub.take_ticks()
                    if not ticks:
                        sub.get_nowait()  # not a tick (a ticks-only subscription gets none): drop it
                        continue
                    symbols, frame = self.tick_symbols, self.hub.tick_frame
                    sent = [t for t in ticks if t.symbol in symbols]
                    if sent:
                        self._ticked.update(t.symbol for t in sent)
                        await self._write_frames(b"".join([frame(t) for t in sent]))

    async def _pump_events(self, channel: Channel, sub: Subscription) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            async for event in sub:
                if channel is Channel.POSITIONS:
                    while sub.get_nowait() is not None:
                        pass  # one list answers every change queued meanwhile
                    try:
                        text = await self._positions_message()
                    except MT5Error as exc:
                        log.warning("websocket %s: positions not sent: %s", self.name, exc.message)
                        continue
                    text = text_frame(text)
                else:
                    text = self.hub.event_frame(channel, event)
                async with self._lock:
                    if self._subs.get(channel) is sub:
                        await self._write_frames(text)

    # --- liveness --------------------------------------------------------------------------------
    async def _watchdog(self) -> None:
        """Ping every `ping_interval`; drop the client when a ping stays unanswered `pong_timeout`."""
        opts = self.options
        next_ping = time.monotonic() + opts.ping_interval
        while not self.closing:
            deadline = None if self._unanswered_since is None else self._unanswered_since + opts.pong_timeout
            wake = next_ping if deadline is None else min(next_ping, deadline)
            await asyncio.sleep(max(0.0, wake - time.monotonic()))
            now = time.monotonic()
            if self._unanswered_since is not None and now >= self._unanswered_since + opts.pong_timeout:
                await self.close(CLOSE_POLICY, "no pong")
                return
            if now >= next_ping:
                next_ping = now + opts.ping_interval
                if self._unanswered_since is None:
                    self._unanswered_since = now
                if self._ping_task is None or self._ping_task.done():
                    # its own task: a peer that does not read must not stall the deadline check
                    self._ping_task = self._spawn(self._ping(), "ping")

    async def _ping(self) -> None:
        self._ping_seq += 1
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.ping()
            await self._send(encode(ServerChannel.PING, {"id": self._ping_seq}))
