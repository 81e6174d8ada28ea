"""`BridgeFeed`: one bridge's WebSocket events as the trading core's `Event` models, tagged with the account.

One connection to `/api/v1/ws`, subscribed to `trades`, `account` and `rules` (and `ticks` of given
symbols). Each event arrives as its model's JSON (api/ws_protocol.py) and is parsed back with
`TypeAdapter(Event)`; ticks are rebuilt as `TickEvent`. Every event goes to `on_event` as
`AccountEvent(account, event)` and, when the front gives one, bare onto that account's own `EventBus` (the
bus says whose it is).

When the connection fails or closes, the feed reconnects after `backoff_delay` (exponential from
`reconnect_initial`, capped at `reconnect_max`, with jitter), forever, and subscribes again. Events the
bridge published meanwhile are not replayed: its WebSocket has no history; after a reconnect the
`account` channel's snapshot arrives again and the front can read positions over REST.
Liveness: aiohttp answers the bridge's protocol PINGs, the feed answers its `{"channel": "ping"}`
messages with `{"action": "pong"}`, and pings the bridge itself (`heartbeat`) to notice a dead link.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from mt5bridge.common.tasks import TaskSet
from mt5bridge.remote.settings import BridgeSettings
from mt5bridge.trading.events.bus import EventBus
from mt5bridge.trading.events.models import Event, TickEvent

log = logging.getLogger(__name__)
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


class AccountEvent(BaseModel):
    """An event of one account's bridge: `account` is the bridge's configured name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    event: Event


class FeedState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"  # the first attempt
    CONNECTED = "connected"  # subscribed; events flow
    RECONNECTING = "reconnecting"  # lost or never reached; waiting for the next attempt
    UNAUTHORIZED = "unauthorized"  # the bridge refused the token (401); still retried, at the cap


class FeedStatus(BaseModel):
    """What `GET /api/v1/accounts` will show of the feed; `since` is when `state` last changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    state: FeedState
    since: datetime
    last_error: str | None = None
    attempts: int = 0  # failed attempts since the last connection
    connected_since: datetime | None = None
    events: int = 0  # events received over the feed's life


def backoff_delay(
    attempt: int, initial: float, cap: float, jitter: float, rand: Callable[[], float] = random.random
) -> float:
    """The wait before reconnect attempt `attempt` (1 = the first after a loss): `initial * 2**(n-1)`,
    capped, minus up to `jitter` of it at random so that many fronts do not reconnect in step."""
    base = min(cap, initial * 2.0 ** min(max(0, attempt - 1), 60))
    return base * (1 - jitter * rand())


class _Unauthorized(Exception):
    """The handshake was refused with 401."""


class BridgeFeed:
    """One bridge's event stream. `start()` runs it in the background; `stop()` ends it."""

    def __init__(
        self, settings: BridgeSettings, *, session: aiohttp.ClientSession | None = None,
        on_event: Callable[[AccountEvent], None] | None = None, bus: EventBus | None = None,
        channels: Sequence[str] = ("trades", "account", "rules"), tick_symbols: Sequence[str] = (),
        on_status: Callable[[FeedStatus], None] | None = None, heartbeat: float = 15.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, rand: Callable[[], float] = random.random,
    ) -> None:  # fmt: skip
        self.settings = settings
        self._session = session
        self._own_session = session is None
        self._on_event = on_event
        self._bus = bus
        self._channels = tuple(channels)
        self._ticks = tuple(tick_symbols)
        self._on_status = on_status
        self._heartbeat = heartbeat
        self._sleep = sleep
        self._rand = rand
        self._tasks = TaskSet(f"feed:{settings.name}")
        self._task: asyncio.Task[Any] | None = None
        self._status = FeedStatus(account=settings.name, state=FeedState.STOPPED, since=_now())
        self._events = 0
        self.delays: list[float] = []  # the waits taken so far (most recent last; kept short)

    @property
    def status(self) -> FeedStatus:
        return self._status.model_copy(update={"events": self._events})

    def start(self) -> None:
        """Connect and keep connected in the background (named task, failure logged)."""
        if self._task is None or self._task.done():
            self._set(FeedState.CONNECTING)
            self._task = self._tasks.spawn(self._run(), "ws")

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        await self._tasks.close()
        self._task = None
        if self._own_session and self._session is not None:
            await self._session.close()
        self._set(FeedState.STOPPED, connected_since=None)

    # --- the loop --------------------------------------------------------------------------------
    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect_and_read()
                error = "the bridge closed the connection"
            except _Unauthorized:
                error = "the bridge refused the token (401)"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            except Exception as exc:  # a bug must not end the account's feed for good: log, reconnect
                log.exception("bridge %s: the feed failed", self.settings.name)
                error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            attempt = 1 if self._status.state is FeedState.CONNECTED else attempt + 1
            unauthorized = error.endswith("(401)")
            state = FeedState.UNAUTHORIZED if unauthorized else FeedState.RECONNECTING
            s = self.settings
            delay = backoff_delay(
                60 if unauthorized else attempt, s.reconnect_initial, s.reconnect_max, s.reconnect_jitter,
                self._rand,
            )  # fmt: skip
            self._set(state, last_error=error, attempts=attempt, connected_since=None)
            log.warning("bridge %s: feed lost (%s); next attempt in %.1f s", s.name, error, delay)
            self.delays = [*self.delays[-19:], delay]
            await self._sleep(delay)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def _connect_and_read(self) -> None:
        s = self.settings
        headers = {"Authorization": f"Bearer {s.token.get_secret_value()}"}
        timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0)
        try:
            ws = await self._http().ws_connect(
                s.base + "/api/v1/ws", headers=headers, heartbeat=self._heartbeat, timeout=timeout,
                max_msg_size=4 * 1024 * 1024,
            )  # fmt: skip
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                raise _Unauthorized from exc
            raise
        async with ws:
            for channel in self._channels:
                await ws.send_json({"action": "subscribe", "channel": channel})
            if self._ticks:
                await ws.send_json({"action": "subscribe", "channel": "ticks", "symbols": list(self._ticks)})
            self._set(FeedState.CONNECTED, last_error=None, attempts=0, connected_since=_now())
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_text(ws, msg.data)
                elif msg.type is aiohttp.WSMsgType.ERROR:
                    raise ws.exception() or aiohttp.ClientError("websocket error")

    async def _on_text(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        try:
            message = _MESSAGE.validate_json(text)
        except ValidationError:
            log.warning("bridge %s: a message that is not the protocol's: %.200s", self.settings.name, text)
            return
        channel, data = message.get("channel"), message.get("data")
        if channel == "ping":
            await ws.send_json({"action": "pong"})
        elif channel == "error":
            log.warning("bridge %s: the feed refused a message: %s", self.settings.name, data)
        elif channel in ("trades", "account", "rules", "ticks") and isinstance(data, dict):
            self._deliver(channel, data)

    def _deliver(self, channel: str, data: dict[str, Any]) -> None:
        try:
            event = _tick(data) if channel == "ticks" else _EVENT.validate_python(data)
        except ValidationError as exc:  # a newer bridge's event this one does not know: skip it
            log.warning("bridge %s: cannot read a %s event: %s", self.settings.name, channel, exc)
            return
        self._events += 1
        if self._bus is not None:
            self._bus.publish(event)
        if self._on_event is not None:
            try:
                self._on_event(AccountEvent(account=self.settings.name, event=event))
            except Exception:  # one failing consumer must not end the feed
                log.exception("bridge %s: the event handler failed", self.settings.name)

    def _set(self, state: FeedState, **changes: Any) -> None:
        since = self._status.since if state is self._status.state else _now()
        self._status = self._status.model_copy(update={"state": state, "since": since, **changes})
        if self._on_status is not None:
            self._on_status(self.status)


_MESSAGE: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


def _tick(data: dict[str, Any]) -> TickEvent:
    """A `ticks` message as the bus's `TickEvent` (`time` is UTC, `time_msc` MT5's server-scale ms)."""
    return TickEvent(time=data["time"], symbol=data["symbol"], bid=data["bid"], ask=data["ask"],
                     time_msc=data["time_msc"])  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)
