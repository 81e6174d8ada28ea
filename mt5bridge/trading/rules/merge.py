"""One round's decisions from every rule, combined (docs/rules.md, "Two rules on one position").

Each rule's own closes keep their order (its stages run in order); across rules, warnings and pauses come
first, then closes, then one SL change per position, the tightest. An equity guard's close wins the round:
other closes and SL changes are dropped, to be decided again on the next round from what is left.
"""

from __future__ import annotations

from collections.abc import Iterable

from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseVolume,
    Decision,
    EquityWarning,
    Notice,
    PauseTrading,
    SetStopLoss,
    guard_close,
)


def _is_close(d: Decision) -> bool:
    # A stage that rounds to nothing stays among the closes: it must settle between its neighbours.
    return isinstance(d, CloseVolume | CloseAll) or (isinstance(d, Notice) and d.stage is not None)


def _tighter(new: SetStopLoss, old: SetStopLoss) -> bool:
    return new.sl > old.sl if new.side is PositionSide.BUY else new.sl < old.sl


def _stop_losses(decisions: list[Decision], closed: set[int]) -> list[SetStopLoss]:
    """The tightest SL per ticket (the first of equals), none for a ticket a close takes whole."""
    best: dict[int, SetStopLoss] = {}
    for d in decisions:
        if isinstance(d, SetStopLoss) and d.ticket not in closed:
            held = best.get(d.ticket)
            if held is None or _tighter(d, held):
                best[d.ticket] = d
    return list(best.values())


def merge(decisions: Iterable[Decision]) -> list[Decision]:
    """The order to carry out one round's decisions in, given each rule's decisions in its own order."""
    items = list(decisions)
    warnings = [d for d in items if isinstance(d, EquityWarning)]
    pauses = [d for d in items if isinstance(d, PauseTrading)]
    notices = [d for d in items if isinstance(d, Notice) and d.stage is None]
    if any(guard_close(d) for d in items):
        return [*warnings, *pauses, *(d for d in items if guard_close(d)), *notices]
    closes = [d for d in items if _is_close(d)]
    closed: set[int] = set()
    for d in closes:
        closed.update(d.tickets if isinstance(d, CloseAll) else d.full if isinstance(d, CloseVolume) else ())
    return [*warnings, *pauses, *closes, *_stop_losses(items, closed), *notices]
