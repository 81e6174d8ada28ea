"""Break-even and trailing stop: per-position SL targets (docs/rules.md, "Break-even", "Trailing stop").

Both only ever send a tighter SL, so an SL already at or beyond a target (after a restart, or set by hand)
is left alone: what was done is read from the terminal, not remembered.
"""

from __future__ import annotations

from mt5bridge.common.rulespec import BreakEven, Trailing, Trigger
from mt5bridge.common.vocab import ProfitUnit, TrailMode
from mt5bridge.trading.rules.decisions import HoldCode, Notice, NoticeCode, SetStopLoss, SlReason
from mt5bridge.trading.rules.inputs import AtrKey, BarsKey, OpenPosition, Quote, Snapshot, SymbolFacts
from mt5bridge.trading.rules.measure import reached, risk_points, scoped
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.outcome import Draft, Evaluation, kept
from mt5bridge.trading.rules.stops import (
    Rounding,
    closing_price,
    frozen,
    improves,
    stop_limit,
    tightest,
    to_tick,
    within_limit,
)

_Market = tuple[Quote, SymbolFacts]


def _market(draft: Draft, p: OpenPosition, snap: Snapshot) -> _Market | None:
    facts = snap.symbols.get(p.symbol)
    quote = snap.quotes.get(p.symbol)
    if facts is None:
        draft.hold(HoldCode.NO_SYMBOL, p)
    elif quote is None:
        draft.hold(HoldCode.NO_QUOTE, p)
    else:
        return quote, facts
    return None


def _track_risk(
    draft: Draft, trigger: Trigger, positions: list[OpenPosition], snap: Snapshot
) -> dict[int, float]:
    """Initial risk per ticket, measured once at first sight (the SL moves later; the risk unit must not)."""
    tracked = kept(draft.rule.initial_risk, snap)
    if trigger.unit is ProfitUnit.RISK:
        for p in positions:
            facts = snap.symbols.get(p.symbol)
            if p.ticket in tracked or facts is None:
                continue
            tracked[p.ticket] = risk_points(p, facts)
            if tracked[p.ticket] == 0 and trigger.value > 0:
                draft.decide(
                    Notice(rule_id=draft.rule.id, code=NoticeCode.NO_RISK, ticket=p.ticket, symbol=p.symbol)
                )
    draft.set(initial_risk=tracked)
    return tracked


def _propose(
    draft: Draft, p: OpenPosition, market: _Market, target: float, min_move: float, reason: SlReason
) -> None:
    """Send `target` if it is tighter by `min_move` and MT5 would take it now. A trail's target inside the
    stops level is clamped to the nearest allowed price; a break-even level is sent only as it is."""
    quote, facts = market
    if not improves(p.buy, p.sl, target, min_move, facts):
        return
    if target <= 0:  # a buy's distance larger than its price: no SL can be placed there
        draft.hold(HoldCode.NO_PRICE, p)
        return
    if frozen(p, quote, facts):
        draft.hold(HoldCode.FROZEN, p)
        return
    limit = stop_limit(p.buy, quote, facts)
    if not within_limit(p.buy, target, limit, facts):
        if reason is SlReason.BREAK_EVEN or limit <= 0 or not improves(p.buy, p.sl, limit, min_move, facts):
            draft.hold(HoldCode.STOPS_LEVEL, p)
            return
        target = limit
    draft.decide(
        SetStopLoss(
            rule_id=draft.rule.id,
            ticket=p.ticket,
            symbol=p.symbol,
            side=p.side,
            sl=target,
            previous=p.sl,
            reason=reason,
        )
    )


def _settled_state(draft: Draft, snap: Snapshot, acting: bool, finished: bool) -> None:
    """A one-ticket rule is done once its position is gone (or `finished`); a standing one never is."""
    ticket = draft.rule.spec.scope.ticket
    if ticket is not None and (finished or not snap.is_open(ticket)):
        draft.state(RuleState.DONE)
    else:
        draft.state(RuleState.ACTIVE if acting else RuleState.WAITING)


def break_even_level(action: BreakEven, p: OpenPosition, facts: SymbolFacts) -> float:
    """The SL a break-even sets: entry ± offset on the tick grid (the preview shows it too). Rounded
    towards profit, so that a break-even never locks in a loss of a fraction of a tick."""
    offset = action.offset_points * facts.point
    return to_tick(p.price_open + offset if p.buy else p.price_open - offset, facts,
                   Rounding.UP if p.buy else Rounding.DOWN)  # fmt: skip


def break_even(rule: Rule, action: BreakEven, snap: Snapshot) -> Evaluation:
    """Move each position's SL to entry + offset once it is far enough in profit."""
    draft = Draft(rule)
    positions = scoped(rule.spec.scope, snap)
    risk = _track_risk(draft, action.trigger, positions, snap)
    acting = protected = False
    for p in positions:
        market = _market(draft, p, snap)
        if market is None:
            continue
        quote, facts = market
        level = break_even_level(action, p, facts)
        if not improves(p.buy, p.sl, level, facts.tick_size, facts):
            acting = protected = True  # done for this position: its SL is at or beyond the level
            continue
        if reached(action.trigger, p, quote, facts, risk.get(p.ticket)):
            acting = True
            _propose(draft, p, market, level, facts.tick_size, SlReason.BREAK_EVEN)
    _settled_state(draft, snap, acting, finished=protected)
    return draft.done()


def trail_target(
    action: Trailing, p: OpenPosition, market: _Market, best: float, snap: Snapshot
) -> float | None:
    """The trail's SL target behind `best` (the closing price), on the tick grid; None without its ATR or
    bar extremes in the snapshot (the preview shows it too)."""
    quote, facts = market
    if action.mode is TrailMode.CANDLES:
        bars = snap.extremes.get(BarsKey(p.symbol, action.timeframe, action.candles or 0))
        if bars is None:
            return None
        # One tick beyond the range; bars are drawn on bids and a sell's SL is hit by the ask: add the spread.
        spread = quote.ask - quote.bid
        raw = bars.low - facts.tick_size if p.buy else bars.high + spread + facts.tick_size
        return to_tick(raw, facts)
    if action.mode is TrailMode.ATR:
        atr = snap.atr.get(AtrKey(p.symbol, action.timeframe, action.atr_period))
        if atr is None:
            return None
        distance = (action.atr_k or 0.0) * atr
    else:
        distance = (action.distance_points or 0.0) * facts.point
    return to_tick(best - distance if p.buy else best + distance, facts)


def trailing(rule: Rule, action: Trailing, snap: Snapshot) -> Evaluation:
    """Once a position is activated, keep its SL at a distance behind the best price since then."""
    draft = Draft(rule)
    positions = scoped(rule.spec.scope, snap)
    risk = _track_risk(draft, action.activation, positions, snap)
    best = kept(rule.best, snap)
    for p in positions:
        market = _market(draft, p, snap)
        if market is None:
            continue
        quote, facts = market
        price = closing_price(p.buy, quote)
        if p.ticket in best:
            best[p.ticket] = tightest(p.buy, best[p.ticket], price)
        elif reached(action.activation, p, quote, facts, risk.get(p.ticket)):
            best[p.ticket] = price
        else:
            continue
        target = trail_target(action, p, market, best[p.ticket], snap)
        if target is None:
            draft.hold(HoldCode.NO_FIGURE, p)
        else:
            min_move = max(facts.tick_size, action.step_points * facts.point)
            _propose(draft, p, market, target, min_move, SlReason.TRAILING)
    draft.set(best=best)
    _settled_state(draft, snap, acting=bool(best), finished=False)
    return draft.done()
