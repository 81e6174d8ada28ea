"""The runner's rules and their storage: stored before anything is sent, after the answers, and lazily.

A rule whose round decided something, or whose state changed in any way but a trail's best price or a
peak, is stored before its decisions are sent (closes are written ahead: docs/rules.md). A best price or
a peak alone is kept for `flush_sec` and then stored with the others: after a crash the rule resumes
from the terminal's SL with an older best, which never loosens anything. A save refused because another
writer moved the rule on (removed, resumed, paused by an admin) reloads that rule and drops what it
decided this round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.outcome import Evaluation
from mt5bridge.trading.rules.repository import RuleRepository
from storage.errors import RuleNotFoundError, RuleStateError, StaleRuleError

log = logging.getLogger(__name__)

# Tracked figures that change on most ticks and are safe to lose (see the module doc).
_VOLATILE = frozenset({"best", "peak"})
_FIELDS = tuple(name for name in Rule.model_fields if name not in _VOLATILE)
_GONE = (RuleState.DONE, RuleState.REMOVED)


def essential(old: Rule, new: Rule) -> bool:
    """Whether `new` differs from `old` in more than the volatile figures."""
    return any(getattr(old, name) != getattr(new, name) for name in _FIELDS)


class Keeper:
    """Holds the rules the runner runs (by id) and writes them through the repository."""

    def __init__(self, repository: RuleRepository, clock: Callable[[], float], flush_sec: float) -> None:
        self.repository = repository
        self.rules: dict[int, Rule] = {}
        self._clock = clock
        self._flush_sec = flush_sec
        self._dirty: dict[int, Rule] = {}
        self._flush_at: float | None = None
        self.saves = 0

    async def reload(self) -> None:
        """Store what waits, then read the active rules again (created, removed, resumed elsewhere)."""
        await self.flush(force=True)
        self.rules = {r.id: r for r in await self.repository.active()}

    async def before_sending(self, evaluations: Iterable[tuple[Rule, Evaluation]]) -> list[Evaluation]:
        """Store every rule that must be stored before its decisions go out; return the evaluations whose
        decisions may be sent (those of a rule that could not be stored are dropped: decided again)."""
        urgent: list[Rule] = []
        deciding: list[Evaluation] = []
        for rule, ev in evaluations:
            if ev.decisions:
                deciding.append(ev)
            if ev.rule is rule:
                continue
            if ev.decisions or essential(rule, ev.rule):
                urgent.append(ev.rule)
            else:
                self._later(ev.rule)
        refused = await self._save(urgent)
        return [ev for ev in deciding if ev.rule.id not in refused]

    async def after_sending(self, rules: Iterable[Rule]) -> None:
        """Store the rules the answers changed (settled, failed, paused)."""
        await self._save([r for r in rules if self.rules.get(r.id) != r], keep=True)

    async def flush(self, *, force: bool = False) -> None:
        """Store the rules kept for later, when `flush_sec` has passed (now with `force`)."""
        if not self._dirty or (not force and self._flush_at is not None and self._clock() < self._flush_at):
            return
        waiting, self._dirty, self._flush_at = list(self._dirty.values()), {}, None
        await self._save(waiting, keep=True)

    def _later(self, rule: Rule) -> None:
        self.rules[rule.id] = rule
        self._dirty[rule.id] = rule
        if self._flush_at is None:
            self._flush_at = self._clock() + self._flush_sec

    async def _save(self, rules: list[Rule], *, keep: bool = False) -> set[int]:
        """Save them together (SQLite's writer commits them as one batch); return the ids not stored.
        With `keep`, a rule that could not be written for another reason than a newer version stays
        as it is in memory and is tried again at the next flush."""
        if not rules:
            return set()
        results = await asyncio.gather(*(self.repository.save(r) for r in rules), return_exceptions=True)
        refused: set[int] = set()
        for rule, result in zip(rules, results, strict=True):
            self._dirty.pop(rule.id, None)
            if isinstance(result, Rule):
                self.saves += 1
                self._hold(result)
                continue
            refused.add(rule.id)
            if isinstance(result, StaleRuleError | RuleStateError | RuleNotFoundError):
                await self._reread(rule.id)
            elif isinstance(result, Exception):
                log.warning("rules: rule %d could not be stored: %s", rule.id, result)
                if keep:
                    self._later(rule)
            else:
                raise result
        return refused

    async def _reread(self, rule_id: int) -> None:
        """Another writer moved the rule on: take it as stored now."""
        fresh = await self.repository.get(rule_id)
        if fresh is None:
            self.rules.pop(rule_id, None)
        else:
            self._hold(fresh)

    def _hold(self, rule: Rule) -> None:
        if rule.state in _GONE:
            self.rules.pop(rule.id, None)
        else:
            self.rules[rule.id] = rule
