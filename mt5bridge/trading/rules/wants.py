"""What a round needs from the terminal beyond positions and the account: tick symbols and trail figures."""

from __future__ import annotations

from collections.abc import Iterable

from mt5bridge.trading.rules.evaluate import needs
from mt5bridge.trading.rules.inputs import FigureKey, OpenPosition
from mt5bridge.trading.rules.models import Rule


def figures(rules: Iterable[Rule], positions: tuple[OpenPosition, ...]) -> set[FigureKey]:
    """The ATR and bar extremes the rules' trails will read (`evaluate.needs`)."""
    found: set[FigureKey] = set()
    for rule in rules:
        found |= needs(rule, positions)
    return found


def tick_symbols(rules: Iterable[Rule], positions: tuple[OpenPosition, ...]) -> frozenset[str]:
    """Symbols of the positions in some rule's scope (a standing scope follows its positions as they come
    and go). Positions are grouped by (symbol, magic, side) first: a thousand rules stay cheap."""
    groups = {(p.symbol, p.magic, p.side.value) for p in positions}
    by_ticket = {p.ticket: p.symbol for p in positions}
    held = {g[0] for g in groups}
    wanted: set[str] = set()
    for rule in rules:
        scope = rule.spec.scope
        if scope.ticket is not None:
            if scope.ticket in by_ticket:
                wanted.add(by_ticket[scope.ticket])
        elif scope.symbol is not None and scope.magic is None and scope.side is None:
            if scope.symbol in held:
                wanted.add(scope.symbol)
        elif not held <= wanted:
            wanted |= {
                s
                for s, magic, side in groups
                if (scope.symbol is None or s == scope.symbol)
                and (scope.magic is None or magic == scope.magic)
                and (scope.side is None or side == scope.side.value)
            }
    return frozenset(wanted)
