"""A tiny fake broker and round driver for the rule tests: plain positions, MT5's checks, no terminal.

The broker applies decisions the way the trading core and MT5 would (FIFO volume closes, SL checks
against the stops and freeze levels, request ids answered once), and lets scripted prices hit SLs. The
`Desk` runs rounds as the bridge's runner will: evaluate every rule, store, merge, carry out, settle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from mt5bridge.common.rulespec import RuleAction, RuleSpec, Scope
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.rules.decisions import (
    CloseAll,
    CloseVolume,
    Decision,
    EquityWarning,
    Hold,
    Notice,
    PauseTrading,
    SetStopLoss,
)
from mt5bridge.trading.rules.evaluate import evaluate
from mt5bridge.trading.rules.inputs import (
    AccountFacts,
    AtrKey,
    BarExtremes,
    BarsKey,
    OpenPosition,
    Quote,
    Snapshot,
    SymbolFacts,
)
from mt5bridge.trading.rules.merge import merge
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.settle import fail, settle

BUY, SELL = PositionSide.BUY, PositionSide.SELL
DAY = date(2026, 3, 2)
GOLD = SymbolFacts(point=0.01, tick_size=0.01, digits=2, volume_min=0.01, volume_step=0.01)
EURUSD = SymbolFacts(point=0.00001, tick_size=0.00001, digits=5, volume_min=0.01, volume_step=0.01)
# Account money per point per lot (gold: 100 oz a lot, so $1 a point; EURUSD: $1 a point).
_MONEY_PER_POINT = 1.0
_ids = count(1)


def rule(action: RuleAction, scope: Scope | None = None, *, rid: int | None = None, **tracked: Any) -> Rule:
    """A confirmed rule (with a fresh id unless given)."""
    return Rule(
        id=next(_ids) if rid is None else rid, spec=RuleSpec(scope=scope or Scope(), action=action),
        created_at=datetime(2026, 3, 2, 8, tzinfo=UTC), created_by="test:1", **tracked,
    )  # fmt: skip


class Refused(Exception):
    """What MT5 or the trading core would answer with a retcode or an error code."""


@dataclass
class Broker:
    """Positions, prices and the account; carries out decisions, answering each request id once."""

    symbols: dict[str, SymbolFacts] = field(default_factory=lambda: {"XAUUSD": GOLD, "EURUSD": EURUSD})
    spread: dict[str, float] = field(default_factory=lambda: {"XAUUSD": 0.20, "EURUSD": 0.00010})
    positions: dict[int, OpenPosition] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    balance: float = 10_000.0
    paused: bool = False
    sent: list[Decision] = field(default_factory=list)  # every action carried out, in order
    answered: dict[str, Decision] = field(default_factory=dict)  # request id -> the decision it carried
    _tickets: count[int] = field(default_factory=lambda: count(100))
    _clock: count[int] = field(default_factory=lambda: count(1_000))

    def open(self, symbol: str, side: PositionSide, volume: float, price: float, *, sl: float | None = None,
             tp: float | None = None, magic: int = 0) -> OpenPosition:  # fmt: skip
        p = OpenPosition(ticket=next(self._tickets), symbol=symbol, side=side, volume=volume, price_open=price,
                         sl=sl, tp=tp, magic=magic, time_msc=next(self._clock))  # fmt: skip
        self.positions[p.ticket] = p
        if symbol in self.quotes:
            self._revalue(p.ticket)
        return p

    # --- prices ---------------------------------------------------------------------------------------
    def tick(self, symbol: str, bid: float) -> None:
        """A new quote: positions are revalued and SLs hit as MT5 would (buy: bid <= sl; sell: ask >= sl)."""
        self.quotes[symbol] = Quote(bid=bid, ask=round(bid + self.spread[symbol], 8))
        for ticket in [t for t, p in self.positions.items() if p.symbol == symbol]:
            self._revalue(ticket)
            p, q = self.positions[ticket], self.quotes[symbol]
            if p.sl is not None and (q.bid <= p.sl if p.side is BUY else q.ask >= p.sl):
                self._close(ticket, p.volume)  # at the market price, as MT5 fills a stop (gaps slip)

    def _revalue(self, ticket: int) -> None:
        p = self.positions[ticket]
        q, facts = self.quotes[p.symbol], self.symbols[p.symbol]
        moved = (q.bid - p.price_open if p.side is BUY else p.price_open - q.ask) / facts.point
        profit = round(moved * p.volume * _MONEY_PER_POINT, 2)
        self.positions[ticket] = p.model_copy(update={"profit": profit})

    @property
    def equity(self) -> float:
        return self.balance + sum(p.profit for p in self.positions.values())

    def snapshot(self, day: date = DAY, day_start_equity: float | None = None, *,
                 atr: dict[AtrKey, float] | None = None,
                 extremes: dict[BarsKey, BarExtremes] | None = None) -> Snapshot:  # fmt: skip
        return Snapshot(
            positions=tuple(self.positions.values()), quotes=dict(self.quotes), symbols=self.symbols,
            account=AccountFacts(equity=self.equity, balance=self.balance), day=day,
            day_start_equity=day_start_equity, atr=atr or {}, extremes=extremes or {},
        )  # fmt: skip

    # --- carrying out ---------------------------------------------------------------------------------
    def carry_out(self, d: Decision) -> None:
        key = getattr(d, "key", None)
        if key is not None and key in self.answered:
            assert self.answered[key] == d, "a request id reused for another request (idempotency conflict)"
            return  # answered from the store: nothing sent again
        if isinstance(d, SetStopLoss):
            self._modify(d)
        elif isinstance(d, CloseVolume):
            self._close_fifo(d)
        elif isinstance(d, CloseAll):
            for t in [t for t, p in self.positions.items() if _matches(d, p)]:
                self._close(t, self.positions[t].volume)
        elif isinstance(d, PauseTrading):
            self.paused = True
        if not isinstance(d, EquityWarning | Notice):
            self.sent.append(d)
        if key is not None:
            self.answered[key] = d

    def _modify(self, d: SetStopLoss) -> None:
        p, facts = self.positions.get(d.ticket), self.symbols[d.symbol]
        if p is None:
            raise Refused("POSITION_CLOSED")
        q = self.quotes[p.symbol]
        price = q.bid if p.side is BUY else q.ask
        gap = facts.stops_level * facts.point - facts.point / 10
        if (p.side is BUY and (d.sl >= price or price - d.sl < gap)) or (
            p.side is SELL and (d.sl <= price or d.sl - price < gap)
        ):
            raise Refused("INVALID_STOPS")
        freeze = facts.freeze_level * facts.point
        if facts.freeze_level and any(lv is not None and abs(lv - price) < freeze for lv in (p.sl, p.tp)):
            raise Refused("FROZEN")
        if abs(round(d.sl / facts.tick_size) * facts.tick_size - d.sl) > facts.tick_size * 1e-6:
            raise Refused("INVALID_STOPS (not on the tick grid)")
        self.positions[d.ticket] = p.model_copy(update={"sl": d.sl})

    def _close_fifo(self, d: CloseVolume) -> None:
        targets = sorted(
            (p for p in self.positions.values() if _matches(d, p)), key=lambda p: (p.time_msc, p.ticket)
        )
        step = self.symbols[d.symbol].volume_step
        want = round(d.volume / step)
        if want > sum(round(p.volume / step) for p in targets):
            raise Refused("volume_exceeds")
        for p in targets:
            take = min(want, round(p.volume / step))
            if take:
                self._close(p.ticket, round(take * step, 8))
            want -= take

    def _close(self, ticket: int, volume: float) -> None:
        p = self.positions[ticket]
        share = volume / p.volume
        self.balance = round(self.balance + p.profit * share, 2)
        left = round(p.volume - volume, 8)
        if left <= 0:
            del self.positions[ticket]
        else:
            self.positions[ticket] = p.model_copy(
                update={"volume": left, "profit": round(p.profit * (1 - share), 2)}
            )


def _matches(d: CloseVolume | CloseAll, p: OpenPosition) -> bool:
    return (
        (d.ticket is None or p.ticket == d.ticket)
        and (d.symbol is None or p.symbol == d.symbol)
        and (d.side is None or p.side is d.side)
        and (d.magic is None or p.magic == d.magic)
    )


@dataclass
class Desk:
    """Runs rounds over a broker as the runner will: evaluate, store (write-ahead), merge, carry out, settle."""

    broker: Broker
    rules: dict[int, Rule] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)
    said: list[Decision] = field(default_factory=list)  # warnings and notices that went out
    refusals: list[str] = field(default_factory=list)

    def add(self, *rules: Rule) -> None:
        for r in rules:
            self.rules[r.id] = r

    def round(self, **snapshot: Any) -> list[Decision]:
        """One evaluation round; returns what was carried out (or said)."""
        snap = self.broker.snapshot(**snapshot)
        decided: list[Decision] = []
        self.holds = []
        for rid, r in list(self.rules.items()):
            out = evaluate(r, snap)
            self.rules[rid] = out.rule
            decided.extend(out.decisions)
            self.holds.extend(out.holds)
        done: list[Decision] = []
        failed: set[int] = set()
        for d in merge(decided):
            if d.rule_id in failed:
                continue
            try:
                self.broker.carry_out(d)
            except Refused as refused:
                self.refusals.append(str(refused))
                self.rules[d.rule_id] = fail(self.rules[d.rule_id], str(refused))
                failed.add(d.rule_id)
                continue
            self.rules[d.rule_id] = settle(self.rules[d.rule_id], d)
            done.append(d)
            if isinstance(d, EquityWarning | Notice):
                self.said.append(d)
        return done

    def path(self, symbol: str, bids: list[float], **snapshot: Any) -> list[list[Decision]]:
        """Feed a scripted path, one round per tick; what each round carried out."""
        rounds = []
        for bid in bids:
            self.broker.tick(symbol, bid)
            rounds.append(self.round(**snapshot))
        return rounds
