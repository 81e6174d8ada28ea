"""`BusWatchdogListener`: the terminal watchdog's news as events on the bus (the notifier tells admins)."""

from __future__ import annotations

from datetime import datetime

from mt5bridge.terminal.watchdog import Cause
from mt5bridge.trading.events.bus import EventBus
from mt5bridge.trading.events.models import TerminalRestarted, WatchdogGaveUp


class BusWatchdogListener:
    """Publishes `WatchdogGaveUp` and `TerminalRestarted` (the terminal layer knows no bus)."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def gave_up(self, at: datetime, cause: Cause, restarts: int) -> None:
        self.bus.publish(WatchdogGaveUp(time=at, cause=cause.value, restarts=restarts))

    def terminal_back(self, at: datetime, restarts: int, downtime_sec: float, manual: bool) -> None:
        self.bus.publish(
            TerminalRestarted(time=at, restarts=restarts, downtime_sec=downtime_sec, manual=manual)
        )
