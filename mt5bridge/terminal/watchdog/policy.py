"""The watchdog's decisions, as plain functions over plain data (no clock, no processes, no I/O).

Each round the runner looks (is the link up, is the process there, when was the link last up) and asks
`decide` what to do with the `History` of its restarts. The rules:
- the link is up: nothing to do, whatever the process list says (a path that matches no process must
  never start a second terminal beside a working one);
- the process is gone: restart at once; the link has been down `heartbeat_failed_min` (counted from
  the later of the last good heartbeat and the last restart, so a terminal that is starting gets the
  same time again): restart;
- never sooner than the backoff after the previous restart (doubling from `backoff_start_sec` up to
  `backoff_max_sec` while restarts do not bring the link back), and at most `max_restarts_per_hour`
  automatic restarts in any hour: beyond that it gives up until the hour has room again.
Manual restarts (`/restart_terminal`) skip the trouble test and the backoff but have a cap of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from mt5bridge.terminal.settings import WatchdogSettings

HOUR = 3600.0


class Cause(StrEnum):
    """Why the terminal was (or would have been) restarted."""

    PROCESS_GONE = "process_gone"
    HEARTBEAT_FAILED = "heartbeat_failed"
    MANUAL = "manual"


class Action(StrEnum):
    WAIT = "wait"
    RESTART = "restart"
    GIVE_UP = "give_up"


@dataclass(frozen=True, slots=True)
class Look:
    """One observation, on the monotonic clock: `last_up` is when the link was last seen up."""

    now: float
    link_up: bool
    process_alive: bool
    last_up: float


@dataclass(frozen=True, slots=True)
class Restart:
    at: float
    cause: Cause


@dataclass(frozen=True, slots=True)
class History:
    """What the watchdog did: its restarts (oldest first), how many since the link was last up, and
    whether it has given up (so the admins hear it once per episode)."""

    restarts: tuple[Restart, ...] = ()
    streak: int = 0
    gave_up: bool = False

    def restarted(self, at: float, cause: Cause) -> History:
        """After a restart (the last hour's are kept; older ones no longer count)."""
        kept = tuple(r for r in self.restarts if at - r.at < HOUR)
        return History((*kept, Restart(at, cause)), self.streak + 1, gave_up=False)

    def recovered(self) -> History:
        """The link is up again: the backoff starts over and a later give-up is news again."""
        return replace(self, streak=0, gave_up=False)

    def giving_up(self) -> History:
        return replace(self, gave_up=True)

    def last(self) -> Restart | None:
        return self.restarts[-1] if self.restarts else None


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    cause: Cause | None = None


WAIT = Decision(Action.WAIT)


def backoff(streak: int, start: float, cap: float) -> float:
    """Least seconds after a restart before the next one: 0 for the first, then start, 2x start... cap."""
    if streak <= 0:
        return 0.0
    return float(min(start * 2 ** (streak - 1), cap))


def in_last_hour(history: History, now: float, *, manual: bool) -> int:
    """Restarts of one kind (automatic or manual) in the hour up to `now`."""
    return sum(1 for r in history.restarts if now - r.at < HOUR and (r.cause is Cause.MANUAL) == manual)


def trouble(rules: WatchdogSettings, look: Look, history: History) -> Cause | None:
    """Why the terminal needs a restart now, or None."""
    if look.link_up:
        return None
    if not look.process_alive:
        return Cause.PROCESS_GONE
    last = history.last()
    since = max(look.last_up, last.at) if last is not None else look.last_up
    if look.now - since >= rules.heartbeat_failed_min * 60:
        return Cause.HEARTBEAT_FAILED
    return None


def decide(rules: WatchdogSettings, look: Look, history: History) -> Decision:
    """Wait, restart, or give up (the caller tells the admins only when `history.gave_up` is new)."""
    if not rules.enabled:
        return WAIT
    cause = trouble(rules, look, history)
    if cause is None:
        return WAIT
    if in_last_hour(history, look.now, manual=False) >= rules.max_restarts_per_hour:
        return Decision(Action.GIVE_UP, cause)
    last = history.last()
    gap = backoff(history.streak, rules.backoff_start_sec, rules.backoff_max_sec)
    if last is not None and look.now - last.at < gap:
        return Decision(Action.WAIT, cause)
    return Decision(Action.RESTART, cause)


def manual_allowed(rules: WatchdogSettings, history: History, now: float) -> bool:
    """A manual restart is allowed while the hour holds fewer than `max_restarts_per_hour` of them."""
    return in_last_hour(history, now, manual=True) < rules.max_restarts_per_hour
