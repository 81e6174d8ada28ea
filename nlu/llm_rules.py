"""An LLM's rule checked against the message, as its trades are (docs/nlu.md, "Rules" and "LLM parser").

The LLM may read a rule the offline reader could not (slang, a word order it does not know), never add
to it: every figure must be said in the message (a share as a percent or a fraction word), the symbol
must be a known one and the one named, a ticket, EA or side must be said, a rule on positions that names
none must say "all of them", a reference or a pause must be said in words. Defaults of the model (an
activation or a trigger of 0, ATR(14) on H1) need nothing said. Anything else: the offline answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    ProfitLock,
    RuleSpec,
    Scope,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import Reference
from nlu import patterns as P
from nlu import rule_reading as K
from nlu import rule_stops as ST
from nlu import rule_words as W
from nlu.lexicon import Lexicon
from nlu.normalize import normalize

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SHARE = re.compile(W.SHARE, re.ASCII)
_REST = re.compile(r"剩|全部|所有|全平|\brest\b|\beverything\b|\ball\b")


class _Said:
    """What the message says, once: its numbers (numerals before a unit as digits), shares and words."""

    def __init__(self, text: str, words: Lexicon) -> None:
        self.norm = K.with_digits(normalize(text))
        self.numbers = [float(n) for n in _NUMBER.findall(self.norm)]
        self.symbols = {canonical for canonical, _s, _e in words.symbols_in(self.norm)}
        shares = {
            K.share_of(m.group(0), 1.0) for m in _SHARE.finditer(self.norm) if not _REST.search(m.group(0))
        }
        self.shares = {s for s in shares if s is not None} | {n / 100 for n in self.numbers}
        self.rest = bool(_REST.search(self.norm))

    def number(self, value: float | None, default: float | None = None) -> bool:
        """`value` is the model's default, or a number the message says."""
        if value is None or value == default:
            return True
        return any(math.isclose(abs(value), n, rel_tol=1e-9, abs_tol=1e-9) for n in self.numbers)

    def share(self, value: float, rest: float) -> bool:
        if any(math.isclose(value, s, abs_tol=1e-6) for s in self.shares):
            return True
        return self.rest and math.isclose(value, rest, abs_tol=1e-6)


def checked(text: str, rule: RuleSpec, words: Lexicon) -> RuleSpec | None:
    """The LLM's `rule` with its symbol made canonical, or None when it claims anything not said."""
    said = _Said(text, words)
    scope = _scope(
        said, rule.scope, words, on_positions=not isinstance(rule.action, EquityGuard | ProfitLock)
    )
    if scope is None or not _action(said, rule):
        return None
    return rule.model_copy(update={"scope": scope})


def _scope(said: _Said, scope: Scope, words: Lexicon, on_positions: bool) -> Scope | None:
    symbol = scope.symbol
    if symbol is not None:
        symbol = symbol if symbol in words.canonical else words.resolve(symbol)
        if symbol is None or (said.symbols and symbol not in said.symbols):
            return None
    if not all(said.number(v) for v in (scope.ticket, scope.magic)):
        return None
    if scope.side is not None and not P.SIDE_NOUN.any.search(said.norm):
        return None  # a side the message did not name is asked, never picked
    if on_positions and scope.whole_account and not W.WHOLE.search(said.norm):
        return None  # "which positions?" is the chat's question, not the LLM's guess
    return scope.model_copy(update={"symbol": symbol})


def _action(said: _Said, rule: RuleSpec) -> bool:
    match rule.action:
        case BreakEven(trigger=trigger, offset_points=offset):
            return _trigger(said, trigger) and said.number(offset, 0.0)
        case Trailing() as trail:
            figures = (trail.distance_points, trail.atr_k, trail.candles, trail.step_points or None)
            period = said.number(trail.atr_period, 14)
            return (
                _all(said, figures)
                and period
                and _trigger(said, trail.activation)
                and _timeframe(said, trail)
            )
        case StagedTakeProfit(stages=stages):
            done = 0.0
            for stage in stages:
                if not (
                    said.number(stage.price)
                    and said.number(stage.points)
                    and said.share(stage.share, 1 - done)
                ):
                    return False
                done += stage.share
            return True
        case EquityGuard() as guard:
            return _guard(said, guard)
        case ProfitLock(activate_at=start, give_back=give_back):
            return said.number(start) and said.share(give_back, 1.0)
    return False


def _all(said: _Said, values: Iterable[float | None]) -> bool:
    return all(said.number(v) for v in values)


def _trigger(said: _Said, trigger: Trigger) -> bool:
    return said.number(trigger.value, 0.0)


def _timeframe(said: _Said, trail: Trailing) -> bool:
    """A timeframe other than the model's H1 must be said (its code, or 4小时, 日线...)."""
    if trail.timeframe == "H1":
        return True
    return trail.timeframe.lower() in said.norm or any(
        word in said.norm for word, code in ST.TIMEFRAME_WORDS.items() if code == trail.timeframe
    )


def _guard(said: _Said, guard: EquityGuard) -> bool:
    if not (_drawdown(said, guard.limit) and _drawdown(said, guard.warn_at) and said.number(guard.amount)):
        return False
    if guard.pause and not W.PAUSE.search(said.norm):
        return False
    if guard.reference is Reference.DAY_START:
        return W.REFERENCE_DAY.search(said.norm) is not None
    if guard.reference is Reference.PEAK:
        return W.REFERENCE_PEAK.search(said.norm) is not None
    return guard.amount is not None


def _drawdown(said: _Said, drawdown: Drawdown | None) -> bool:
    return drawdown is None or (said.number(drawdown.percent) and said.number(drawdown.money))
