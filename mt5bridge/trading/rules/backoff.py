"""When a rule may act again after a failure: 2, 4, 8 … 60 s, per rule, on an injected clock.

The runner never retries in a tight loop: a rule whose action failed (or whose answer was lost, or whose
terminal was unreachable) is skipped until its delay has passed. Kept in memory: after a restart every
rule may act at once, and the stored `Rule.failures` still pauses it at the limit.
"""

from __future__ import annotations

from collections.abc import Callable

BASE_SEC = 2.0
CAP_SEC = 60.0


def delay(tries: int) -> float:
    """The wait after `tries` failures in a row: 2, 4, 8, … seconds, at most CAP_SEC; 0 without one."""
    if tries <= 0:
        return 0.0
    return min(BASE_SEC * 2 ** min(tries - 1, 16), CAP_SEC)


class Backoff:
    """Per-rule delays after failures, and the unclear outcomes counted apart (they escalate)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._until: dict[int, float] = {}
        self._tries: dict[int, int] = {}
        self._unclear: dict[int, int] = {}

    def waiting(self, rule_id: int) -> bool:
        """Whether the rule's delay is still running."""
        until = self._until.get(rule_id)
        return until is not None and self._clock() < until

    def failed(self, rule_id: int) -> float:
        """One more failure (a refusal, a lost answer, an unreachable terminal); returns the delay."""
        tries = self._tries.get(rule_id, 0) + 1
        self._tries[rule_id] = tries
        wait = delay(tries)
        self._until[rule_id] = self._clock() + wait
        return wait

    def unclear(self, rule_id: int) -> int:
        """One more close whose outcome stays unknown; returns how many in a row (the delay runs too)."""
        self.failed(rule_id)
        self._unclear[rule_id] = self._unclear.get(rule_id, 0) + 1
        return self._unclear[rule_id]

    def succeeded(self, rule_id: int) -> None:
        """The rule's action went through: no delay, counts cleared."""
        self.forget(rule_id)

    def forget(self, rule_id: int) -> None:
        self._until.pop(rule_id, None)
        self._tries.pop(rule_id, None)
        self._unclear.pop(rule_id, None)

    def next_due(self) -> float | None:
        """The clock reading at which the next waiting rule may act again, None if none waits."""
        now = self._clock()
        due = [until for until in self._until.values() if until > now]
        return min(due) if due else None
