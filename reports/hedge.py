"""Hedge analysis: open positions booked per symbol and EA, and what the trader could do about them.

Pure functions over the client's `Position` and `Account` models. Every suggested action is the trading
core's own `CloseRequest`, built from the positions analysed: one ticket, or one broker symbol and one EA
with the selector (all, profitable) whose choice is exactly the suggestion's tickets.
Rules and settings are documented in docs/reports.md ("Hedge analysis").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mt5bridge.terminal.models import Account, Position, PositionSide
from mt5bridge.trading.models import CloseRequest
from mt5bridge.trading.selectors import Selector, net_profit
from reports.models import HedgeAnalysis, HedgeBook, Severity, Suggestion, SuggestionKind
from reports.settings import HedgeRules

_SEVERITY_RANK = {Severity.ALERT: 0, Severity.WARN: 1, Severity.INFO: 2}
_KIND_RANK = {kind: index for index, kind in enumerate(SuggestionKind)}
_SINGLE = frozenset({SuggestionKind.MARGIN, SuggestionKind.CUT_EXPOSURE, SuggestionKind.STALE_LOSS})


def _money(value: float) -> float:
    # round(x, 8) first so that 0.1 + 0.2 is 0.3 before the 2-decimal rounding sees it.
    return round(round(value, 8), 2)


def _total(values: Sequence[float]) -> float:
    return _money(sum(values))


def _book(symbol: str, magic: int | None, group: Sequence[Position]) -> HedgeBook:
    buys = [p for p in group if p.side is PositionSide.BUY]
    sells = [p for p in group if p.side is PositionSide.SELL]
    buy_volume = round(sum(p.volume for p in buys), 8)
    sell_volume = round(sum(p.volume for p in sells), 8)
    buy_floating = round(sum(net_profit(p) for p in buys), 8)
    sell_floating = round(sum(net_profit(p) for p in sells), 8)
    return HedgeBook(
        symbol=symbol,
        magic=magic,
        buy_volume=_money(buy_volume),
        sell_volume=_money(sell_volume),
        buy_count=len(buys),
        sell_count=len(sells),
        net_volume=_money(buy_volume - sell_volume),
        locked_volume=_money(min(buy_volume, sell_volume)),
        buy_floating=_money(buy_floating),
        sell_floating=_money(sell_floating),
        floating=_money(buy_floating + sell_floating),
        swap=_total([p.swap for p in group]),
        oldest=min((p.time for p in group), default=None),
    )


@dataclass(frozen=True, slots=True)
class _Group:
    """The open positions of one symbol and one EA, with their book."""

    symbol: str
    magic: int
    positions: tuple[Position, ...]
    book: HedgeBook


def _groups(positions: Sequence[Position]) -> list[_Group]:
    keyed: dict[tuple[str, int], list[Position]] = {}
    for position in positions:
        keyed.setdefault((position.symbol, position.magic), []).append(position)
    return [
        _Group(symbol, magic, tuple(found), _book(symbol, magic, found))
        for (symbol, magic), found in sorted(keyed.items())
    ]


def _symbol_books(positions: Sequence[Position]) -> list[HedgeBook]:
    keyed: dict[str, list[Position]] = {}
    for position in positions:
        keyed.setdefault(position.symbol, []).append(position)
    return [_book(symbol, None, found) for symbol, found in sorted(keyed.items())]


def _close_ticket(ticket: int) -> CloseRequest:
    """Close exactly this position."""
    return CloseRequest(ticket=ticket, selector=Selector.TICKET)


def _close_group(selector: Selector, symbol: str, magic: int) -> CloseRequest:
    """Close the selected positions of one broker symbol and one EA (the name is the broker's, exact)."""
    return CloseRequest(symbol=symbol, magic=magic, selector=selector)


def _worst(positions: Sequence[Position]) -> Position | None:
    """The most losing position (profit + swap); ties go to the lowest ticket."""
    return min(positions, key=lambda p: (net_profit(p), p.ticket), default=None)


def _close_one(
    kind: SuggestionKind,
    severity: Severity,
    position: Position,
    *,
    days: int | None = None,
    margin_level: float | None = None,
) -> Suggestion:
    return Suggestion(
        kind=kind,
        severity=severity,
        symbol=position.symbol,
        magic=position.magic,
        tickets=[position.ticket],
        volume=position.volume,
        amount=_money(net_profit(position)),
        days=days,
        margin_level=margin_level,
        action=_close_ticket(position.ticket),
    )


def _margin(positions: Sequence[Position], account: Account, level_below: float) -> list[Suggestion]:
    if level_below <= 0 or account.margin <= 0 or account.margin_level >= level_below:
        return []
    level = _money(account.margin_level)
    worst = _worst(positions)
    if worst is None or net_profit(worst) >= 0:
        # Nothing is losing: still raise the alarm, without a position to name.
        return [Suggestion(kind=SuggestionKind.MARGIN, severity=Severity.ALERT, margin_level=level)]
    return [_close_one(SuggestionKind.MARGIN, Severity.ALERT, worst, margin_level=level)]


def _cut_exposure(group: _Group, limit: float) -> list[Suggestion]:
    book = group.book
    if limit <= 0 or book.net_volume == 0:
        return []
    heavy = PositionSide.BUY if book.net_volume > 0 else PositionSide.SELL
    heavy_floating = book.buy_floating if heavy is PositionSide.BUY else book.sell_floating
    if heavy_floating >= -limit:
        return []
    worst = _worst([p for p in group.positions if p.side is heavy])
    if worst is None:
        return []
    return [_close_one(SuggestionKind.CUT_EXPOSURE, Severity.WARN, worst)]


def _group_close(
    kind: SuggestionKind, group: _Group, chosen: Sequence[Position], selector: Selector
) -> Suggestion:
    return Suggestion(
        kind=kind,
        severity=Severity.INFO,
        symbol=group.symbol,
        magic=group.magic,
        tickets=sorted(p.ticket for p in chosen),
        volume=_money(sum(p.volume for p in chosen)),
        amount=_total([net_profit(p) for p in chosen]),
        action=_close_group(selector, group.symbol, group.magic),
    )


def _take_profit(group: _Group, threshold: float) -> list[Suggestion]:
    """UNLOCK when the hedged group as a whole is in profit, else TAKE_PROFIT on its winners."""
    if threshold <= 0:
        return []
    book = group.book
    if book.locked_volume > 0 and book.floating > 0 and book.floating >= threshold:
        return [_group_close(SuggestionKind.UNLOCK, group, group.positions, Selector.ALL)]
    # Same test as the PROFITABLE selector that will execute the action: profit + swap > 0.
    winners = [p for p in group.positions if net_profit(p) > 0]
    if winners and _total([net_profit(p) for p in winners]) >= threshold:
        return [_group_close(SuggestionKind.TAKE_PROFIT, group, winners, Selector.PROFITABLE)]
    return []


def _stale(positions: Sequence[Position], days: int, now: datetime) -> list[Suggestion]:
    if days <= 0:
        return []
    limit = timedelta(days=days)
    return [
        _close_one(SuggestionKind.STALE_LOSS, Severity.WARN, p, days=(now - p.time).days)
        for p in sorted(positions, key=lambda p: p.ticket)
        if net_profit(p) < 0 and now - p.time > limit
    ]


def _rank(suggestion: Suggestion) -> tuple[int, float, int, str, int, list[int]]:
    return (
        _SEVERITY_RANK[suggestion.severity],
        -abs(suggestion.amount or 0.0),
        _KIND_RANK[suggestion.kind],
        suggestion.symbol or "",
        -1 if suggestion.magic is None else suggestion.magic,
        suggestion.tickets,
    )


def _ordered(found: list[Suggestion], limit: int) -> list[Suggestion]:
    """Most severe first; a position already named by a single-position close is not named again."""
    kept: list[Suggestion] = []
    named: set[int] = set()
    for suggestion in sorted(found, key=_rank):
        if suggestion.kind in _SINGLE and suggestion.tickets:
            if suggestion.tickets[0] in named:
                continue
            named.add(suggestion.tickets[0])
        kept.append(suggestion)
    return kept[:limit]


def analyze_hedge(
    positions: Sequence[Position],
    account: Account,
    rules: HedgeRules,
    *,
    now: datetime,
    margin_level_below: float,
) -> HedgeAnalysis:
    """Books per (symbol, EA) and per symbol, and the suggestions the rules make (see docs/reports.md)."""
    groups = _groups(positions)
    found = _margin(positions, account, margin_level_below)
    for group in groups:
        found += _cut_exposure(group, rules.exposure_loss_above)
        found += _take_profit(group, rules.take_profit_above)
    found += _stale(positions, rules.stale_days, now)
    return HedgeAnalysis(
        books=[group.book for group in groups],
        symbols=_symbol_books(positions),
        suggestions=_ordered(found, rules.max_suggestions),
    )
