"""Which rules a round must evaluate: those whose inputs changed since they were last found idle.

`evaluate()` is a pure function of the rule and the snapshot, so a rule that decided nothing and changed
nothing last round, on inputs that are the same this round, would decide nothing again. A tick on one
symbol then costs the evaluation of that symbol's rules, not of a thousand. A rule on a ticket or a symbol
reads only that symbol's quote, facts, positions (with their profit and swap, the terminal's figures in
account currency: a profit lock's money) and trail figures. An equity guard reads the account's equity:
it is evaluated every round, as is a rule whose scope names no symbol nor ticket when anything changed.
A rule is skipped only if it was evaluated (or skipped) in the round just before: one that sat out a
back-off or read-only is evaluated.
"""

from __future__ import annotations

from mt5bridge.common.rulespec import EquityGuard
from mt5bridge.trading.rules.inputs import OpenPosition, Snapshot
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.outcome import Evaluation

_MAX_TICKETS = 100_000  # tickets remembered with their symbol (a closed one's rule needs its symbol once)


class Changes:
    """Per-symbol fingerprints of what positional rules read, and the rules found idle on them."""

    def __init__(self) -> None:
        self._prints: dict[str, object] = {}
        self._tickets: dict[int, str] = {}
        self._idle: dict[int, tuple[Rule, int]] = {}  # rule id -> (the rule as found idle, in which round)
        self._round = 0
        self.changed: set[str] = set()

    def observe(self, snap: Snapshot) -> None:
        """Start a round on `snap`: which symbols' inputs differ from the previous round's."""
        self._round += 1
        held: dict[str, list[OpenPosition]] = {}
        for p in snap.positions:
            held.setdefault(p.symbol, []).append(p)
        figures: dict[str, list[object]] = {}
        for atr, value in snap.atr.items():
            figures.setdefault(atr.symbol, []).append((atr, value))
        for bars, extremes in snap.extremes.items():
            figures.setdefault(bars.symbol, []).append((bars, extremes))
        prints: dict[str, object] = {
            s: (snap.quotes.get(s), snap.symbols.get(s), tuple(held.get(s, ())), tuple(figures.get(s, ())))
            for s in held.keys() | figures.keys() | self._prints.keys()
        }
        self.changed = {s for s, fp in prints.items() if self._prints.get(s) != fp}
        self._prints = {s: fp for s, fp in prints.items() if s in held or s in figures}
        if len(self._tickets) > _MAX_TICKETS:
            self._tickets = {}
        self._tickets.update((p.ticket, p.symbol) for p in snap.positions)

    def due(self, rule: Rule) -> bool:
        """Whether `rule` must be evaluated this round (else it is carried over as idle)."""
        idle = self._idle.get(rule.id)
        if idle is None or idle[0] is not rule or idle[1] != self._round - 1 or self._reads_equity(rule):
            return True
        scope = rule.spec.scope
        if scope.ticket is not None:
            symbol = self._tickets.get(scope.ticket)
            due = symbol is None or symbol in self.changed
        elif scope.symbol is not None:
            due = scope.symbol in self.changed or (rule.staged_symbol or scope.symbol) in self.changed
        else:
            due = bool(self.changed)
        if not due:
            self._idle[rule.id] = (rule, self._round)
        return due

    def evaluated(self, rule: Rule, ev: Evaluation) -> None:
        """Note an evaluation: idle (nothing decided, nothing changed) or not."""
        if ev.rule is rule and not ev.decisions:
            self._idle[rule.id] = (rule, self._round)
        else:
            self._idle.pop(rule.id, None)

    def keep(self, rule_ids: set[int]) -> None:
        """Forget the rules no longer run (removed, done)."""
        self._idle = {i: idle for i, idle in self._idle.items() if i in rule_ids}

    @staticmethod
    def _reads_equity(rule: Rule) -> bool:
        return isinstance(rule.spec.action, EquityGuard)
