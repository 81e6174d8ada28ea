"""`TerminalWatchdog`: the background task that looks at the heartbeat and the process, and restarts.

Every `check_interval_sec` it looks (link state from the `Heartbeat`, the process through psutil), asks
the policy (policy.py) and acts: stop what is left of the terminal, start it again, then initialise the
client's link to the new process (the heartbeat's own reconnection only calls `connect()` when the client
already knows it is disconnected, which a hung terminal's time-outs do not tell it). A `WatchdogListener`
hears when it gives up and when the terminal is back after its restarts (the trading core's listener
publishes both as events; the terminal layer knows no bus). `restart()` is the manual restart
(`/restart_terminal`): the same steps, under its own hourly cap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import psutil

from mt5bridge.common.tasks import TaskSet
from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
from mt5bridge.terminal.settings import MT5Settings
from mt5bridge.terminal.watchdog.policy import (
    WAIT,
    Action,
    Cause,
    Decision,
    History,
    Look,
    decide,
    in_last_hour,
    manual_allowed,
)
from mt5bridge.terminal.watchdog.process import TerminalProcess

log = logging.getLogger(__name__)


class WatchdogListener(Protocol):
    """Who hears what the admins must know: the watchdog gave up, the terminal is back."""

    def gave_up(self, at: datetime, cause: Cause, restarts: int) -> None: ...

    def terminal_back(self, at: datetime, restarts: int, downtime_sec: float, manual: bool) -> None: ...


class RestartOutcome(StrEnum):
    RESTARTED = "restarted"
    CAPPED = "capped"  # the hour's manual restarts are used up
    BUSY = "busy"  # a restart is under way
    FAILED = "failed"  # the terminal could not be started


@dataclass(frozen=True, slots=True)
class RestartResult:
    outcome: RestartOutcome
    pid: int | None = None
    stopped: int = 0  # processes of the old terminal that were stopped
    error: str | None = None


class TerminalWatchdog:
    """Restarts the terminal when it is gone or its heartbeat has failed too long; `start()`/`stop()`."""

    def __init__(
        self,
        settings: MT5Settings,
        heartbeat: Heartbeat,
        listener: WatchdogListener,
        *,
        process: TerminalProcess | None = None,
    ) -> None:
        self.rules = settings.watchdog
        self.heartbeat = heartbeat
        self.listener = listener
        self.process = process or TerminalProcess.from_settings(settings)
        self.history = History()
        self._last_up = time.monotonic()  # a fresh start gets the full heartbeat_failed_min
        self._restarted_at: datetime | None = None  # wall clock, to compare with heartbeat.last_ok
        self._first_restart = 0.0  # monotonic, of the current streak (the downtime told to admins)
        self._lock = asyncio.Lock()
        self._tasks = TaskSet("watchdog")

    def _link_up(self) -> bool:
        """Connected, by a check that passed after our last restart (before it, the old process's)."""
        last_ok = self.heartbeat.last_ok
        if self.heartbeat.state is not LinkState.CONNECTED or last_ok is None:
            return False
        return self._restarted_at is None or last_ok > self._restarted_at

    async def look(self) -> Look:
        now = time.monotonic()
        link_up = self._link_up()
        if link_up:
            self._last_up = now
        alive = await asyncio.to_thread(self.process.alive)
        return Look(now, link_up, alive, self._last_up)

    async def check(self) -> Decision:
        """One round: look, decide, act; what it decided."""
        if self._lock.locked():
            return WAIT  # a (manual) restart is under way
        async with self._lock:
            look = await self.look()
            if look.link_up:
                self._recovered(look.now)
                return WAIT
            decision = decide(self.rules, look, self.history)
            if decision.action is Action.RESTART and decision.cause is not None:
                await self._restart(decision.cause)
            elif decision.action is Action.GIVE_UP and decision.cause and not self.history.gave_up:
                self.history = self.history.giving_up()
                count = in_last_hour(self.history, look.now, manual=False)
                log.error(
                    "terminal watchdog gives up: %d restarts in the last hour (%s)", count, decision.cause
                )
                self.listener.gave_up(datetime.now(UTC), decision.cause, count)
            return decision

    def _recovered(self, now: float) -> None:
        if self.history.streak:
            last = self.history.last()
            manual = last is not None and last.cause is Cause.MANUAL
            downtime = now - self._first_restart
            log.warning("terminal is back after %d restart(s), %.0f s", self.history.streak, downtime)
            self.listener.terminal_back(datetime.now(UTC), self.history.streak, downtime, manual)
        self.history = self.history.recovered()

    async def restart(self) -> RestartResult:
        """A manual restart (an admin's confirmed `/restart_terminal`): no backoff, its own hourly cap."""
        if self._lock.locked():
            return RestartResult(RestartOutcome.BUSY)
        async with self._lock:
            if not manual_allowed(self.rules, self.history, time.monotonic()):
                return RestartResult(RestartOutcome.CAPPED)
            return await self._restart(Cause.MANUAL)

    async def _restart(self, cause: Cause) -> RestartResult:
        now = time.monotonic()
        if self.history.streak == 0:
            self._first_restart = now
        # counted even when the start fails: a terminal that cannot start must hit the cap, not loop
        self.history = self.history.restarted(now, cause)
        log.warning("restarting the terminal (%s)", cause)
        try:
            stopped = await asyncio.to_thread(self.process.stop, self.rules.stop_timeout_sec)
            pid = await asyncio.to_thread(self.process.start)
        except (OSError, psutil.Error) as exc:
            log.error("terminal restart failed: %s", exc)
            return RestartResult(RestartOutcome.FAILED, error=str(exc))
        finally:
            # only a check that passes from now on is the new process's (one that passed while the old
            # was being stopped must not count as "back")
            self._restarted_at = datetime.now(UTC)
        self._tasks.spawn(self._reconnect(), "reconnect")
        return RestartResult(RestartOutcome.RESTARTED, pid=pid, stopped=stopped)

    async def _reconnect(self) -> None:
        """Initialise the client's link to the new process (the heartbeat then finds it up)."""
        if not await self.heartbeat.client.connect():
            log.info("terminal not answering yet after the restart; the heartbeat keeps trying")

    async def run(self) -> None:
        """Check every `check_interval_sec` until cancelled; a failed round is logged, not fatal."""
        while True:
            try:
                await self.check()
            except (OSError, psutil.Error):
                log.exception("terminal watchdog round failed")
            await asyncio.sleep(self.rules.check_interval_sec)

    def start(self) -> None:
        if self.rules.enabled:
            self._tasks.spawn(self.run(), "run")

    async def stop(self) -> None:
        await self._tasks.close()
