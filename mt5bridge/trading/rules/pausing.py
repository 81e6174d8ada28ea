"""An equity guard's pause, kept across restarts in the runtime settings (`Database.settings`).

`TradingService.pause()` lives in memory: a restart would quietly resume trading that a guard stopped
"until an admin resumes it". The runner writes a mark when a guard pauses, puts the pause back at start
while the mark is there, and removes the mark once it sees trading resumed (an admin's /pause off, from
any front-end). A pause an admin set by hand is not kept (docs/rules.md, "Runner").
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from mt5bridge.trading.service import TradingService
from storage.users import KeyValueStore

log = logging.getLogger(__name__)

PAUSE_MARK = "rules.trading_paused"


class KeptPause:
    """The trading core's pause as set by an equity guard, and its mark in storage."""

    def __init__(self, trading: TradingService, marks: KeyValueStore | None) -> None:
        self.trading = trading
        self.marks = marks
        self._marked = False

    async def restore(self) -> None:
        """At start: pause again if a guard's pause was in force when the service stopped."""
        if self.marks is None or await self.marks.get(PAUSE_MARK) is None:
            return
        self.trading.pause(True)
        self._marked = True
        log.warning("rules: trading stays paused (an equity guard paused it before the restart)")

    async def pause(self, rule_id: int) -> None:
        """Pause trading for a guard, and keep the pause."""
        self.trading.pause(True)
        if self.marks is not None:
            await self.marks.set(PAUSE_MARK, {"rule_id": rule_id, "at": datetime.now(UTC).isoformat()})
            self._marked = True

    async def sync(self) -> None:
        """Trading was resumed meanwhile: forget the kept pause."""
        if self._marked and self.marks is not None and not self.trading.paused:
            await self.marks.delete(PAUSE_MARK)
            self._marked = False
