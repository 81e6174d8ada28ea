"""Staged take-profit: close a share of the base volume at each level (docs/rules.md, "Staged take-profit").

Volumes are counted in whole volume steps, as the trading core counts them, so 0.1 + 0.2 is exactly 0.3.
"""

from __future__ import annotations

import math
from typing import Any

from mt5bridge.common.rulespec import Stage, StagedTakeProfit
from mt5bridge.common.vocab import Side
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.decisions import CloseVolume, HoldCode, Notice, NoticeCode, Pending
from mt5bridge.trading.rules.errors import RuleStartError, StartCode
from mt5bridge.trading.rules.inputs import OpenPosition, Quote, Snapshot, SymbolFacts
from mt5bridge.trading.rules.measure import scoped
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.outcome import Draft, Evaluation, request_key
from mt5bridge.trading.rules.stops import EPS, decimals, frozen

_START_HOLDS = {StartCode.EMPTY_SCOPE: HoldCode.EMPTY_SCOPE, StartCode.MIXED_SCOPE: HoldCode.MIXED_SCOPE}


def basis(rule: Rule, snap: Snapshot) -> dict[str, Any]:
    """The figures a staged TP fixes when confirmed: its symbol and side, the lots held and their
    volume-weighted entry. Raises RuleStartError when the scope holds nothing or mixes symbols or sides."""
    scope = rule.spec.scope
    positions = scoped(scope, snap)
    if not positions:
        raise RuleStartError(StartCode.EMPTY_SCOPE, "a staged take-profit needs positions in its scope")
    symbols = {p.symbol for p in positions}
    sides = {p.side.value for p in positions}
    if len(symbols) > 1 or len(sides) > 1:
        raise RuleStartError(
            StartCode.MIXED_SCOPE,
            f"a staged take-profit closes one symbol on one side; its scope holds {sorted(symbols)} "
            f"on {sorted(sides)}",
        )
    lots = sum(p.volume for p in positions)
    entry = sum(p.volume * p.price_open for p in positions) / lots
    return {
        "staged_symbol": positions[0].symbol,
        "staged_side": Side(positions[0].side.value),
        "base_volume": rule.base_volume if rule.base_volume is not None else round(lots, 8),
        "entry": rule.entry if rule.entry is not None else round(entry, 8),
    }


def _level(stage: Stage, entry: float, buy: bool, facts: SymbolFacts) -> float:
    if stage.price is not None:
        return stage.price
    distance = (stage.points or 0.0) * facts.point
    return entry + distance if buy else entry - distance


def _reached(level: float, buy: bool, quote: Quote, facts: SymbolFacts) -> bool:
    slack = facts.tick_size * EPS
    return quote.bid >= level - slack if buy else quote.ask <= level + slack


class _Book:
    """What the scope holds, FIFO, in whole volume steps; taken from as stages are decided."""

    def __init__(self, positions: list[OpenPosition], facts: SymbolFacts) -> None:
        self.facts = facts
        self.held = [(p, round(p.volume / facts.volume_step)) for p in positions]

    @property
    def steps(self) -> int:
        return sum(n for _, n in self.held)

    def take(self, steps: int) -> tuple[list[OpenPosition], tuple[int, ...]]:
        """Take `steps` FIFO: the positions touched, and the tickets closed whole."""
        touched, full, rest = [], [], []
        for p, n in self.held:
            used = min(n, steps)
            steps -= used
            if used:
                touched.append(p)
            if used == n:
                full.append(p.ticket)
            else:
                rest.append((p, n - used))
        self.held = rest
        return touched, tuple(full)

    def lots(self, steps: int) -> float:
        step = self.facts.volume_step
        return round(steps * step, decimals(step) + 2)


def _decide_stages(draft: Draft, action: StagedTakeProfit, book: _Book, quote: Quote) -> list[Pending]:
    """Every stage the price has reached, in order, as closes or rounds-to-nothing notices."""
    rule, facts = draft.rule, book.facts
    symbol, buy = draft.get("staged_symbol"), draft.get("staged_side") is Side.BUY
    base, entry = draft.get("base_volume") or 0.0, draft.get("entry") or 0.0
    min_steps = max(1, math.ceil(facts.volume_min / facts.volume_step - EPS))
    decided: list[Pending] = []
    for k in range(rule.stages_done, len(action.stages)):
        stage = action.stages[k]
        if not _reached(_level(stage, entry, buy, facts), buy, quote, facts):
            break
        share = stage.share * base
        steps = min(math.floor(share / facts.volume_step + EPS), book.steps)  # rounded down, capped
        if steps < min_steps:
            decided.append(Notice(rule_id=rule.id, code=NoticeCode.SHARE_ROUNDS_TO_NOTHING, symbol=symbol,
                                  stage=k, volume=round(share, 8)))  # fmt: skip
            continue
        saved = list(book.held)
        touched, full = book.take(steps)
        if any(frozen(p, quote, facts) for p in touched):
            book.held = saved
            draft.hold(HoldCode.FROZEN, touched[0])
            break
        scope = rule.spec.scope
        decided.append(CloseVolume(
            rule_id=rule.id, key=request_key(rule, f"stage-{k}"), stage=k, symbol=symbol,
            side=PositionSide.BUY if buy else PositionSide.SELL, magic=scope.magic, ticket=scope.ticket,
            volume=book.lots(steps), full=full,
        ))  # fmt: skip
    return decided


def staged_tp(rule: Rule, action: StagedTakeProfit, snap: Snapshot) -> Evaluation:
    """Close the share of every stage whose level the price has reached since the last round."""
    draft = Draft(rule)
    if (
        rule.staged_symbol is None
        or rule.staged_side is None
        or rule.base_volume is None
        or rule.entry is None
    ):
        try:
            draft.set(**basis(rule, snap))
        except RuleStartError as refused:
            draft.hold(_START_HOLDS[refused.start_code])
            return draft.done()
    if rule.stages_done >= len(action.stages):
        draft.state(RuleState.DONE)
        return draft.done()
    symbol, side = draft.get("staged_symbol"), draft.get("staged_side")
    positions = [
        p for p in scoped(rule.spec.scope, snap) if p.symbol == symbol and p.side.value == side.value
    ]
    if not positions:
        draft.state(RuleState.DONE)  # its positions are gone: nothing left to take profit on
        return draft.done()
    facts, quote = snap.symbols.get(symbol), snap.quotes.get(symbol)
    if facts is None or quote is None:
        draft.hold(HoldCode.NO_SYMBOL if facts is None else HoldCode.NO_QUOTE, positions[0])
        return draft.done()
    decided = _decide_stages(draft, action, _Book(positions, facts), quote)
    if decided:
        draft.set(pending=tuple(decided))
        for d in decided:
            draft.decide(d)
    return draft.done()
