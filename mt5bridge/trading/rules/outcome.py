"""What one rule's evaluation returns, and the draft each kind fills while it evaluates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mt5bridge.trading.rules.decisions import Decision, Hold, HoldCode
from mt5bridge.trading.rules.inputs import OpenPosition, Snapshot
from mt5bridge.trading.rules.models import Rule, RuleState


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The rule's new tracked state, what it decided (in order) and why it held back where it did.

    `rule` is the input rule itself when nothing changed, so a runner can skip the write. Closes it decided
    are already in `rule.pending`: store `rule` before sending them (docs/rules.md, "Running safely")."""

    rule: Rule
    decisions: tuple[Decision, ...] = ()
    holds: tuple[Hold, ...] = ()


def request_key(rule: Rule, what: str) -> str:
    """The trading core's request id for one of the rule's closes: the same until a definite failure
    (`attempts` counts those), so a resend after a lost answer is answered from the core's store."""
    return f"rule-{rule.id}-{what}-{rule.attempts}"


class Draft:
    """Collects one evaluation: field updates, decisions and holds."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.updates: dict[str, Any] = {}
        self.decisions: list[Decision] = []
        self.holds: list[Hold] = []

    def get(self, name: str) -> Any:
        return self.updates.get(name, getattr(self.rule, name))

    def set(self, **fields: Any) -> None:
        for name, value in fields.items():
            if value != self.get(name):
                self.updates[name] = value

    def state(self, state: RuleState) -> None:
        self.set(state=state)

    def hold(self, code: HoldCode, p: OpenPosition | None = None) -> None:
        self.holds.append(
            Hold(
                rule_id=self.rule.id,
                code=code,
                ticket=p.ticket if p else None,
                symbol=p.symbol if p else None,
            )
        )

    def decide(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def done(self) -> Evaluation:
        rule = self.rule.model_copy(update=self.updates) if self.updates else self.rule
        return Evaluation(rule, tuple(self.decisions), tuple(self.holds))


def kept(tracked: dict[int, float], snap: Snapshot) -> dict[int, float]:
    """Per-ticket figures of positions still open; a closed ticket never comes back in MT5."""
    return {t: v for t, v in tracked.items() if snap.is_open(t)}
