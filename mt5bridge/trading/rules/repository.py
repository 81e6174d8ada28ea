"""The rules in storage as the trading core uses them: `Rule`s in, `Rule`s out, each saved under the
version it was read at.

Storage (`storage.rules.RuleStore`, `Database.rules`) sits below the trading core and keeps `RuleRecord`s:
the spec, the state, the tracked figures as JSON and a version. This converts both ways and remembers the
version of every rule it read or wrote, so `save` is refused with `StaleRuleError` (nothing written) when
another writer (a removal, a resume) moved the rule on since: the caller reads it again and decides again.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from mt5bridge.common.rulespec import RuleSpec
from mt5bridge.trading.rules.models import Rule, RuleState
from storage.models import JsonObject, RuleRecord
from storage.rules import RuleStore


class UnreadRuleError(LookupError):
    """`save` of a rule this repository never read or wrote: it has no version to save it under."""

    def __init__(self, rule_id: int) -> None:
        super().__init__(f"rule {rule_id} was not read through this repository; get() it first")
        self.rule_id = rule_id


class RuleRepository:
    """This account's rules as `Rule`s over `RuleStore`, each remembered with the version it was read at."""

    def __init__(self, store: RuleStore) -> None:
        self._store = store
        self._versions: dict[int, int] = {}

    def version(self, rule_id: int) -> int | None:
        """The version the rule was last read or written at through this repository, if it was."""
        return self._versions.get(rule_id)

    def _rule(self, record: RuleRecord) -> Rule:
        self._versions[record.id] = record.version
        return Rule.model_validate(record.rule_fields())

    async def active(self) -> builtins.list[Rule]:
        """The rules the bridge runs (waiting, active, paused), oldest first."""
        return [self._rule(r) for r in await self._store.active()]

    async def get(self, rule_id: int) -> Rule | None:
        """The rule in any state (removed too), or None when this account has no such rule."""
        record = await self._store.get(rule_id)
        return None if record is None else self._rule(record)

    async def list(self, states: Iterable[RuleState | str] | None = None) -> builtins.list[Rule]:
        """Every rule in one of `states` (all when None), oldest first; an unknown state is a ValueError."""
        wanted = None if states is None else [RuleState(s).value for s in states]
        return [self._rule(r) for r in await self._store.list(wanted)]

    async def create(self, spec: RuleSpec, created_by: str, rule: Rule | None = None) -> Rule:
        """Store a confirmed rule and return it with its id.

        `rule` is the rule as started (`evaluate.start`: a staged TP's symbol, side, base volume and entry,
        a guard's peak or day), built with any id: its state and tracked figures are stored with the spec.
        Without it the rule starts `waiting` with nothing tracked (its first evaluation takes them)."""
        if rule is not None and rule.spec != spec:
            raise ValueError("the started rule is of another spec than the one to store")
        tracked = {} if rule is None else _tracked(rule)
        state = RuleState.WAITING if rule is None else rule.state
        if state is RuleState.REMOVED:
            raise ValueError("a new rule cannot be removed already")
        record = await self._store.create(spec, created_by, tracked=tracked, state=state.value)
        return self._rule(record)

    async def save(self, rule: Rule) -> Rule:
        """Write the rule's state and tracked figures under the version it was read at; return it as stored.

        `StaleRuleError` (from storage) when the rule moved on since: nothing was written; `get` it again.
        `UnreadRuleError` for a rule this repository never read. `RuleStateError` for a removed rule, the
        state `removed` (use `remove`) or a changed spec."""
        version = self._versions.get(rule.id)
        if version is None:
            raise UnreadRuleError(rule.id)
        record = RuleRecord.from_rule_fields(rule.model_dump(mode="json"), version=version)
        return self._rule(await self._store.save(record))

    async def remove(self, rule_id: int, by: str) -> Rule:
        """Mark the rule removed by `by` (platform:user_id) and return it; it stays stored for the audit.
        Removing a removed rule returns it unchanged. `RuleNotFoundError` when there is no such rule."""
        return self._rule(await self._store.remove(rule_id, by))


def _tracked(rule: Rule) -> JsonObject:
    """The rule's tracked figures as the store keeps them (JSON: ticket keys as text, dates ISO)."""
    return RuleRecord.from_rule_fields(rule.model_dump(mode="json"), version=1).tracked
