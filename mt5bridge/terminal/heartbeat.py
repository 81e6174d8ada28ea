"""`Heartbeat`: watches the terminal link, reconnects with backoff, and tells a `LinkListener`.

Every `heartbeat_interval_sec` it reads `terminal_info` (connected to the trade server, Algo Trading
allowed). A failed read or `connected == False` is a loss: the listener hears `link_lost` and
reconnection starts, waiting `reconnect_delay(n)` before attempt n: 5, 10, 20, 30 s, then 60 s (with the
default `reconnect_interval_sec` = 5; the schedule scales with it). After `max_reconnect_attempts` it keeps
trying at the cap, state `disconnected` instead of `reconnecting`. A success calls `link_restored` and
resets `connected_since`. (The trading core's `BusLinkListener` turns both into `TerminalDisconnected` /
`TerminalReconnected` events on the bus; the terminal layer knows no bus.) While the link is down the
client itself refuses every call with `TerminalUnavailable`, so nothing stale is read and no order is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from mt5bridge.common.tasks import TaskSet
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.settings import MT5Settings

log = logging.getLogger(__name__)

BACKOFF_FACTORS = (1, 2, 4, 6, 12)
"""Multiples of the first delay: 5 s -> 5, 10, 20, 30, 60 (the cap)."""


def reconnect_delay(attempt: int, first: float) -> float:
    """Seconds to wait before reconnect attempt `attempt` (0-based); 12x `first` is the cap."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    return first * BACKOFF_FACTORS[min(attempt, len(BACKOFF_FACTORS) - 1)]


class LinkState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"


class _Loss(Exception):
    """A failed check: why, and the error's codes when there was one."""

    def __init__(self, reason: str, code: str | None = None, mt5_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.code, self.mt5_code = reason, code, mt5_code


class LinkListener(Protocol):
    """Who hears about the link: the first loss after a connection, and each restoration."""

    def link_lost(self, at: datetime, reason: str, code: str | None, mt5_code: int | None) -> None: ...

    def link_restored(self, at: datetime, downtime_sec: float, attempts: int) -> None: ...


class Heartbeat:
    """Terminal watchdog: `state`, `connected_since`, `trade_allowed`; `start()`/`stop()` or `run()`."""

    def __init__(
        self, client: MT5Client, listener: LinkListener, settings: MT5Settings, *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:  # fmt: skip
        self.client = client
        self.listener = listener
        self.interval = settings.heartbeat_interval_sec
        self.first_delay = settings.reconnect_interval_sec
        self.max_attempts = settings.max_reconnect_attempts
        self._sleep = sleep
        self.state = LinkState.DISCONNECTED
        self.connected_since: datetime | None = None
        self.trade_allowed = False
        self.last_ok: datetime | None = None  # the last check the terminal passed (shown by /status)
        self.attempts = 0
        self._tasks = TaskSet("heartbeat")
        self._changed = asyncio.Event()

    async def _check(self) -> None:
        """Raise _Loss unless the terminal answers and is connected to its trade server."""
        if not self.client.connected:
            failure = self.client.last_failure
            raise _Loss("terminal not connected", failure.code if failure else None)
        try:
            info = await self.client.terminal_state()
        except MT5Error as exc:
            raise _Loss(exc.message, exc.code, exc.mt5_code) from exc
        if info.trade_allowed != self.trade_allowed:
            log.info("terminal Algo Trading %s", "allowed" if info.trade_allowed else "NOT allowed")
            self.trade_allowed = info.trade_allowed
        if not info.connected:
            raise _Loss("terminal has no connection to the trade server", "trade_server_disconnected")
        self.last_ok = datetime.now(UTC)

    async def check_once(self) -> bool:
        """One check; on a loss, publish TerminalDisconnected. True if connected."""
        try:
            await self._check()
        except _Loss as loss:
            self._lost(loss)
            return False
        if self.state is not LinkState.CONNECTED:
            self._up(attempts=0, down_since=None)
        return True

    def _lost(self, loss: _Loss) -> None:
        if self.state is LinkState.CONNECTED or (self.connected_since is None and self.attempts == 0):
            log.warning("terminal link lost: %s", loss.reason)
            self.listener.link_lost(datetime.now(UTC), loss.reason, loss.code, loss.mt5_code)
        self.state = LinkState.DISCONNECTED
        self.connected_since = None
        self.trade_allowed = False
        self._signal()

    def _up(self, attempts: int, down_since: float | None) -> None:
        now = datetime.now(UTC)
        first = self.connected_since is None and down_since is None
        self.state = LinkState.CONNECTED
        self.connected_since = now
        self.attempts = 0
        if down_since is not None:
            downtime = time.monotonic() - down_since
            log.info("terminal reconnected after %.1f s (%d attempts)", downtime, attempts)
            self.listener.link_restored(now, downtime, attempts)
        elif first:
            log.info("terminal connected")
        self._signal()

    async def reconnect(self) -> None:
        """Try to reconnect with backoff until it works (faster schedule first, then at the cap)."""
        down_since = time.monotonic()
        attempt = 0
        while True:
            fast = attempt < self.max_attempts
            self.state = LinkState.RECONNECTING if fast else LinkState.DISCONNECTED
            self.attempts = attempt
            self._signal()
            await self._sleep(reconnect_delay(attempt if fast else len(BACKOFF_FACTORS), self.first_delay))
            attempt += 1
            if await self._attempt():
                self._up(attempts=attempt, down_since=down_since)
                return
            if attempt == self.max_attempts:
                log.error("terminal: %d reconnect attempts failed; retrying every %.0f s", attempt,
                          reconnect_delay(len(BACKOFF_FACTORS), self.first_delay))  # fmt: skip

    async def _attempt(self) -> bool:
        if not self.client.connected and not await self.client.connect():
            return False
        try:
            await self._check()
        except _Loss as loss:
            log.info("terminal reconnect attempt failed: %s", loss.reason)
            return False
        return True

    async def run(self) -> None:
        """Check forever; reconnect whenever a check fails."""
        while True:
            if not await self.check_once():
                await self.reconnect()
            await self._sleep(self.interval)

    def _signal(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_state(self, state: LinkState) -> None:
        """Wait until `state` is reached (wrap in `asyncio.timeout`)."""
        while self.state is not state:
            await self._changed.wait()

    def start(self) -> None:
        self._tasks.spawn(self.run(), "run")

    async def stop(self) -> None:
        await self._tasks.close()
