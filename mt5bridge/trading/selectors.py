"""Which open positions a close (or an SL/TP change) targets, and how a volume splits across them.

Pure functions over the client's `Position` models; no terminal, no I/O. Volumes are checked against the
symbol's grid and refused when off it, never rounded; only a fraction's share is rounded onto the grid.
Semantics are documented in docs/trading-core.md ("Selectors"); netting accounts simply have one position
per symbol and go through the same functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.common.vocab import Selector
from mt5bridge.terminal.models import Position, PositionSide


class SelectionCode(StrEnum):
    NO_MATCH = "no_match"
    AMBIGUOUS = "ambiguous"
    VOLUME_EXCEEDS = "volume_exceeds"
    INVALID_VOLUME = "invalid_volume"
    TICKET_NOT_FOUND = "ticket_not_found"
    INVALID_FILTER = "invalid_filter"


class SelectionError(MT5BotError):
    """The filter cannot be turned into a safe close; `code` is stable, `message` names the numbers."""

    kind = ErrorKind.INVALID

    def __init__(self, code: SelectionCode, message: str) -> None:
        super().__init__(message, code=code)


class AmbiguousSelection(SelectionError):
    """Several positions match and nothing says which: ask the user, offering `candidates`."""

    def __init__(self, candidates: Sequence[Position]) -> None:
        tickets = ", ".join(str(p.ticket) for p in candidates)
        super().__init__(
            SelectionCode.AMBIGUOUS,
            f"{len(candidates)} positions match ({tickets}); name a ticket, a selector or a volume",
        )
        self.candidates: tuple[Position, ...] = tuple(candidates)

    def details(self) -> dict[str, JsonValue]:
        return {"candidates": [p.ticket for p in self.candidates]}


@dataclass(frozen=True, slots=True)
class VolumeRule:
    """A symbol's volume grid, in lots (SymbolSpec.volume_min / volume_step / volume_max)."""

    volume_min: float
    volume_step: float
    volume_max: float


@dataclass(frozen=True, slots=True)
class CloseFilter:
    """What to close. `symbol` is already the broker's name; `volume` and `fraction` None = whole positions.

    `fraction` (0 < f <= 1) is a share of the lots the targets hold; at most one of volume and fraction.
    """

    symbol: str | None = None
    side: PositionSide | None = None
    magic: int | None = None
    selector: Selector | None = None
    ticket: int | None = None
    volume: float | None = None
    fraction: float | None = None


@dataclass(frozen=True, slots=True)
class CloseLeg:
    """One closing order: `volume` lots of position `ticket`; `full` when it closes the whole position."""

    ticket: int
    symbol: str
    side: PositionSide
    volume: float
    full: bool


def net_profit(position: Position) -> float:
    """The position's floating result as the selectors see it: profit + swap."""
    return position.profit + position.swap


def _fifo_key(position: Position) -> tuple[int, int]:
    return (position.time_msc, position.ticket)


def _filtered(positions: Sequence[Position], flt: CloseFilter) -> list[Position]:
    found = [
        p
        for p in positions
        if (flt.symbol is None or p.symbol == flt.symbol)
        and (flt.side is None or p.side == flt.side)
        and (flt.magic is None or p.magic == flt.magic)
        and (flt.ticket is None or p.ticket == flt.ticket)
    ]
    return sorted(found, key=_fifo_key)


def _one(pick: Callable[[list[Position]], Position]) -> Callable[[list[Position]], list[Position]]:
    return lambda found: [pick(found)] if found else []


# max()/min() keep the first of equal keys, and `found` is FIFO-sorted: ties go to the earliest position.
_PICK: dict[Selector, Callable[[list[Position]], list[Position]]] = {
    Selector.ALL: list,
    Selector.TICKET: list,
    Selector.EARLIEST: _one(lambda found: found[0]),
    Selector.LATEST: _one(lambda found: found[-1]),
    Selector.PROFITABLE: lambda found: [p for p in found if net_profit(p) > 0],
    Selector.LOSING: lambda found: [p for p in found if net_profit(p) < 0],
    Selector.MOST_PROFITABLE: _one(lambda found: max(found, key=net_profit)),
    Selector.MOST_LOSING: _one(lambda found: min(found, key=net_profit)),
}


def select_positions(positions: Sequence[Position], flt: CloseFilter) -> list[Position]:
    """The positions matching the filter and its selector, in FIFO order (time_msc, then ticket).

    Never raises: an empty list means nothing matched. Selector None returns every match (see
    `target_positions` for the ambiguity check).
    """
    found = _filtered(positions, flt)
    return found if flt.selector is None else _PICK[flt.selector](found)


def _check_filter(positions: Sequence[Position], flt: CloseFilter) -> None:
    if flt.selector is Selector.TICKET and flt.ticket is None:
        raise SelectionError(SelectionCode.INVALID_FILTER, "selector 'ticket' needs a ticket number")
    if flt.ticket is not None and flt.selector not in (None, Selector.TICKET):
        raise SelectionError(
            SelectionCode.INVALID_FILTER, f"ticket {flt.ticket} cannot be combined with '{flt.selector}'"
        )
    if flt.ticket is not None and all(p.ticket != flt.ticket for p in positions):
        raise SelectionError(SelectionCode.TICKET_NOT_FOUND, f"no open position with ticket {flt.ticket}")


def _describe(flt: CloseFilter) -> str:
    parts = [
        f"ticket {flt.ticket}" if flt.ticket is not None else "",
        f"symbol {flt.symbol}" if flt.symbol else "",
        f"side {flt.side}" if flt.side else "",
        f"magic {flt.magic}" if flt.magic is not None else "",
        f"selector {flt.selector}" if flt.selector and flt.selector is not Selector.TICKET else "",
    ]
    return ", ".join(p for p in parts if p) or "no filter"


def target_positions(positions: Sequence[Position], flt: CloseFilter) -> list[Position]:
    """The positions an action targets, FIFO-ordered; raises SelectionError when that is not clear.

    Use it for SL/TP changes too (with `volume` None): several matches and no selector or ticket is
    `AmbiguousSelection`.
    """
    _check_filter(positions, flt)
    chosen = select_positions(positions, flt)
    if not chosen:
        raise SelectionError(SelectionCode.NO_MATCH, f"no open position matches ({_describe(flt)})")
    partial = flt.volume is not None or flt.fraction is not None
    if flt.selector is None and flt.ticket is None and not partial and len(chosen) > 1:
        raise AmbiguousSelection(chosen)
    return chosen


def plan_close(
    positions: Sequence[Position], flt: CloseFilter, rules: Mapping[str, VolumeRule]
) -> list[CloseLeg]:
    """The closing orders for `flt`: whole positions, or `flt.volume` lots (or `flt.fraction` of what the
    targets hold) taken FIFO across the targets.

    `rules` maps each broker symbol to its volume grid; a symbol without one is refused.
    """
    chosen = target_positions(positions, flt)
    grids = {p.symbol: _Grid.of(p.symbol, rules) for p in chosen}
    if flt.volume is not None:
        grid = _one_grid(grids, f"a volume of {flt.volume:g} lots")
        return _split_fifo(chosen, flt.volume, grid)
    if flt.fraction is not None:
        # A share is taken on one instrument's step grid: lots of different symbols do not add up.
        grid = _one_grid(grids, f"a fraction of {flt.fraction:g}")
        return _take_fifo(chosen, _fraction_steps(chosen, flt.fraction, grid), grid)
    for position in chosen:
        grids[position.symbol].check_leg(position.volume, position.ticket, full=True)
    return [CloseLeg(p.ticket, p.symbol, p.side, p.volume, full=True) for p in chosen]


def _one_grid(grids: Mapping[str, _Grid], what: str) -> _Grid:
    if len(grids) > 1:
        names = ", ".join(sorted(grids))
        raise SelectionError(
            SelectionCode.INVALID_VOLUME, f"{what} spans several symbols ({names}); name one symbol"
        )
    return next(iter(grids.values()))


def _held_steps(chosen: Sequence[Position], grid: _Grid) -> int:
    return sum(grid.steps_of(p.volume, f"position {p.ticket}'s volume") for p in chosen)


def _fraction_steps(chosen: Sequence[Position], fraction: float, grid: _Grid) -> int:
    """`fraction` of the steps `chosen` hold, rounded half up to a whole step, at least the symbol's
    minimum and at most everything: 0.5 of 0.03 lots on a 0.01 step is 0.02 (1.5 steps up to 2)."""
    held = _held_steps(chosen, grid)
    # A hair over half a step, so that 0.35 * 30 (10.499999999999998 in floats) still rounds up to 11.
    share = math.floor(held * fraction + 0.5 + 1e-6)
    return min(held, max(grid.min_steps, share))


def _split_fifo(chosen: list[Position], volume: float, grid: _Grid) -> list[CloseLeg]:
    wanted = grid.steps_of(volume, "the requested volume")
    if wanted < grid.min_steps:
        raise SelectionError(
            SelectionCode.INVALID_VOLUME,
            f"{volume:g} lots is below {grid.symbol}'s minimum volume of {grid.rule.volume_min:g}",
        )
    return _take_fifo(chosen, wanted, grid)


def _take_fifo(chosen: list[Position], wanted: int, grid: _Grid) -> list[CloseLeg]:
    """`wanted` steps from the earliest targets on: whole positions, the last one partly."""
    available = _held_steps(chosen, grid)
    if wanted > available:
        raise SelectionError(
            SelectionCode.VOLUME_EXCEEDS,
            f"{grid.lots(wanted):g} lots requested, "
            f"the matching positions hold {grid.lots(available):g} lots",
        )
    legs: list[CloseLeg] = []
    for position in chosen:
        if wanted == 0:
            break
        held = grid.steps_of(position.volume, f"position {position.ticket}'s volume")
        take = min(wanted, held)
        grid.check_partial(take, held, position.ticket)
        full = take == held
        lots = position.volume if full else grid.lots(take)
        grid.check_leg(lots, position.ticket, full=full)
        legs.append(CloseLeg(position.ticket, position.symbol, position.side, lots, full))
        wanted -= take
    return legs


@dataclass(frozen=True, slots=True)
class _Grid:
    """A symbol's volume grid in whole steps, so that 0.1 + 0.2 never matters."""

    symbol: str
    rule: VolumeRule

    @classmethod
    def of(cls, symbol: str, rules: Mapping[str, VolumeRule]) -> _Grid:
        rule = rules.get(symbol)
        if rule is None or rule.volume_step <= 0:
            raise SelectionError(SelectionCode.INVALID_VOLUME, f"no volume rules known for {symbol}")
        return cls(symbol, rule)

    @property
    def min_steps(self) -> int:
        # A minimum off the step grid (rare) is honoured by rounding it up, never down.
        return max(1, math.ceil(self.rule.volume_min / self.rule.volume_step - 1e-9))

    def steps_of(self, volume: float, what: str) -> int:
        ratio = volume / self.rule.volume_step
        # NaN, infinity or 1e308 lots: refused before round() could raise (an OverflowError is a 500).
        steps = round(ratio) if math.isfinite(ratio) else 0
        if volume <= 0 or steps == 0 or abs(ratio - steps) > 1e-6:
            raise SelectionError(
                SelectionCode.INVALID_VOLUME,
                f"{what} {volume:g} lots is not a positive multiple of {self.symbol}'s volume step "
                f"{self.rule.volume_step:g}",
            )
        return steps

    def lots(self, steps: int) -> float:
        digits = max(0, -math.floor(math.log10(self.rule.volume_step)) + 2)
        return round(steps * self.rule.volume_step, digits)

    def check_partial(self, take: int, held: int, ticket: int) -> None:
        if take == held:
            return
        if take < self.min_steps or held - take < self.min_steps:
            raise SelectionError(
                SelectionCode.INVALID_VOLUME,
                f"closing {self.lots(take):g} of position {ticket}'s {self.lots(held):g} lots would "
                f"leave {self.lots(held - take):g}; both parts must be at least {self.rule.volume_min:g}",
            )

    def check_leg(self, lots: float, ticket: int, *, full: bool) -> None:
        if lots > self.rule.volume_max + 1e-9:
            kind = "closing position" if full else "a partial close of position"
            raise SelectionError(
                SelectionCode.INVALID_VOLUME,
                f"{kind} {ticket} needs {lots:g} lots in one order, above {self.symbol}'s maximum of "
                f"{self.rule.volume_max:g}; close it in parts",
            )
