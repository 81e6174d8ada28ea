"""Rule runner under load: 1,000 active rules on 20 symbols, 100 ticks/s, on the simulator.

Everything real but the market: the simulator quoted by a driver task (a random walk, one symbol every
1/rate s, round robin), the client, the tick poller (10 ms) and the bus, the trading core over SQLite,
the repository, the snapshot source and the runner's own loop. Three positions per symbol (two buys, one
sell) carry break-even, trailing, staged take-profit and profit-lock rules on tickets and symbols, plus
account-wide equity guards that never fire.

Prints, per round: ticks conflated into it, the evaluation of the rules due (the pure part: p50/p99 and
per rule; `--evaluate-all` evaluates every rule every round), the whole round (snapshot, evaluation,
storing, sending); per modify: the delay from the tick in the terminal (`set_price`) to the trading core
being asked (`execute` called) and to its answer.

    .venv/bin/python benchmarks/bench_rules.py          # 1000 rules, 20 symbols, 100 ticks/s, 20 s
    .venv/bin/python benchmarks/bench_rules.py --rules 1000 --symbols 20 --rate 100 --seconds 30
    .venv/bin/python benchmarks/bench_rules.py --evaluate-all   # every rule every round, as after a reload
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from laps import figures, loadavg, table

from mt5bridge.common.roles import Role
from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    ProfitLock,
    RuleAction,
    RuleSpec,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import Reference, Side
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import PositionSide, SymbolSpec
from mt5bridge.trading.events import EventBus, TickPoller
from mt5bridge.trading.models import ActionResult, Actor, ModifyRequest, OpenRequest, TradeRequestModel
from mt5bridge.trading.rules.changes import Changes
from mt5bridge.trading.rules.evaluate import start
from mt5bridge.trading.rules.inputs import FigureKey, Quote, Snapshot
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.runner import RoundStats, RuleRunner
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

START = datetime(2026, 11, 25, 10, 0)
TRADER = Actor(platform="bench", user_id="bench", role=Role.TRADER)


class Clocked:
    """When each quote was set in the terminal: (symbol, bid) -> perf_counter, and per symbol the last."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, float], float] = {}
        self.last: dict[str, float] = {}

    def set(self, symbol: str, bid: float) -> None:
        now = time.perf_counter()
        self.at[(symbol, bid)] = now
        self.last[symbol] = now

    def of(self, symbol: str, quote: Quote | None) -> float:
        if quote is not None and (symbol, quote.bid) in self.at:
            return self.at[(symbol, quote.bid)]
        return self.last.get(symbol, time.perf_counter())


class TimedSource(SnapshotSource):
    """The real snapshot source, noting when the quotes of the round were set in the terminal."""

    def __init__(self, clocked: Clocked, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clocked = clocked
        self.tick_at: dict[str, float] = {}
        self.taken_at = 0.0

    async def take(
        self, figures: Iterable[FigureKey] = (), *, quotes: Mapping[str, Quote] | None = None
    ) -> Snapshot:
        snap = await super().take(figures, quotes=quotes)
        # The quotes it holds (from the bus, or read from the terminal meanwhile): when each was set.
        self.taken_at = time.perf_counter()
        self.tick_at = {s: self.clocked.of(s, q) for s, q in snap.quotes.items()}
        return snap


class TimedCore(TradingService):
    """The real trading core, timing each modify from its round's tick."""

    def __init__(self, source: TimedSource, symbols: dict[int, str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.symbol_of = symbols
        self.asked: list[float] = []
        self.waited: list[float] = []  # tick -> its round's snapshot
        self.answered: list[float] = []
        self.failed = 0

    async def execute(self, req: TradeRequestModel, actor: Actor, **kwargs: Any) -> ActionResult:
        tick = self.source.tick_at.get(self.symbol_of.get(getattr(req, "ticket", 0) or 0, ""))
        if isinstance(req, ModifyRequest) and tick is not None:
            self.asked.append(time.perf_counter() - tick)
            self.waited.append(self.source.taken_at - tick)
        result = await super().execute(req, actor, **kwargs)
        if isinstance(req, ModifyRequest) and tick is not None:
            self.answered.append(time.perf_counter() - tick)
        self.failed += not result.ok
        return result


class EveryRule(Changes):
    """`--evaluate-all`: every rule that may act is evaluated every round (no skipping of idle ones)."""

    def due(self, rule: Rule) -> bool:
        return True


class TimedRunner(RuleRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rounds: list[tuple[RoundStats, int]] = []
        self.ticks = 0

    async def round(self) -> RoundStats:
        pending = self._sub.pending if self._sub is not None else 0
        stats = await super().round()
        if stats.evaluated:
            self.rounds.append((stats, pending))
        return stats


def unit_of(spec: SymbolSpec) -> float:
    """The driver's price step on a symbol: 5 points, or one tick where a tick is larger."""
    return max(spec.tick_size, spec.point * 5)


def _rules_for(spec: SymbolSpec, tickets: list[int], per_symbol: int, rng: random.Random) -> list[RuleSpec]:
    """A mix on one symbol, sized in the driver's steps (`unit_of`) so that the path (drifting up, ~57
    steps in 20 s, noise ~25) rarely hits a stop and every rule stays active: break-even on the symbol
    and its buys (standing: they act on the buys early, and are never done), trails on tickets and on the
    symbol (a buy's follows the drift; a sell's stays far above), staged TPs on tickets (the buys' first
    stages are reached within the run), profit locks that never arm."""
    points = unit_of(spec) / spec.point
    buys, sell = tickets[:2], tickets[2]
    made: list[RuleSpec] = []
    for i in range(per_symbol):
        ticket = [*buys, sell][i % 3]
        kind = i % 10
        action: RuleAction
        scope = Scope(ticket=ticket)
        if kind < 3:
            action = BreakEven(
                trigger=Trigger(value=rng.choice([5, 10, 20, 40]) * points), offset_points=i % 5
            )
            scope = Scope(symbol=spec.name, side=Side.BUY) if kind == 0 else Scope(symbol=spec.name)
        elif kind < 7:
            distance, step = rng.choice([120, 160, 200, 300]) * points, rng.choice([0, 1, 2]) * points
            activation = Trigger(value=rng.choice([0, 5, 10]) * points)
            action = Trailing(distance_points=distance, step_points=step, activation=activation)
            if kind == 6:
                scope = Scope(symbol=spec.name)
        elif kind < 9:
            first = rng.choice([20, 40, 60]) * points
            action = StagedTakeProfit(
                stages=[Stage(points=first, share=0.1), Stage(points=first * 2, share=0.1)]
            )
        else:
            action = ProfitLock(activate_at=1e9, give_back=0.5)
        made.append(RuleSpec(scope=scope, action=action))
    return made


async def _setup(sim: Simulator, db: Database, symbols: int, rules: int, seed: int) -> tuple[Any, ...]:
    client = MT5Client(sim, call_timeout=30)
    assert await client.connect()
    clocked = Clocked()
    source = TimedSource(clocked, client)
    specs = (await client.symbols())[:symbols]
    owner: dict[int, str] = {}
    trading = TimedCore(
        source, owner, client, db, RiskSettings(max_total_positions=10_000, max_order_volume=1e6)
    )
    rng = random.Random(seed)
    positions: dict[str, list[int]] = {}
    for spec in specs:
        volume = round(spec.volume_min * 20, 8)
        tickets = []
        for side in (PositionSide.BUY, PositionSide.BUY, PositionSide.SELL):
            result = await trading.execute(OpenRequest(symbol=spec.name, side=side, volume=volume), TRADER)
            assert result.ok, result
            tickets.append(result.outcomes[0].order)
            owner[tickets[-1]] = spec.name
        positions[spec.name] = tickets
    repository = RuleRepository(db.rules)
    snap = await source.take()
    guards = max(rules // 100, 1)
    per_symbol = (rules - guards) // len(specs)
    specs_made = [s for spec in specs for s in _rules_for(spec, positions[spec.name], per_symbol, rng)]
    equity = snap.account.equity
    guard = EquityGuard(reference=Reference.FIXED, amount=equity, limit=Drawdown(percent=50),
                        warn_at=Drawdown(percent=40))  # fmt: skip
    specs_made += [RuleSpec(action=guard)] * (rules - len(specs_made))
    for spec in specs_made:
        draft = Rule(id=0, spec=spec, created_at=datetime.now(UTC), created_by="bench:bench")
        await repository.create(spec, "bench:bench", start(draft, snap))
    return client, clocked, source, trading, repository, specs


async def _drive(
    sim: Simulator, specs: list[SymbolSpec], clocked: Clocked, rate: float, seconds: float
) -> int:
    """Quote one symbol every 1/rate s, round robin, a random walk of a few points; returns ticks sent."""
    rng = random.Random(7)
    bids = {s.name: sim.symbol_info_tick(s.name).bid for s in specs}
    sent, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        spec = specs[sent % len(specs)]
        step = unit_of(spec)
        moved = bids[spec.name] + rng.choice([-3, -2, -1, 1, 2, 3, 4]) * step
        bid = round(round(moved / spec.tick_size) * spec.tick_size, spec.digits)
        bids[spec.name] = bid
        sim.set_price(spec.name, bid)
        clocked.set(spec.name, bid)
        sent += 1
        await asyncio.sleep(max(0.0, began + sent / rate - time.perf_counter()))
    return sent


async def bench(rules: int, symbols: int, rate: float, seconds: float, every: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim = Simulator(seed=1, start=START, market_hours="always", balance=1e9, leverage=500, history_days=7)
        db = await Database.open(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        client, clocked, source, trading, repository, specs = await _setup(sim, db, symbols, rules, seed=3)
        active = len(await repository.active())
        print(f"setup: {len(specs)} symbols, {active} rules in {time.perf_counter() - t0:.1f} s")
        bus = EventBus()
        poller = TickPoller(client, bus, interval=0.01)
        runner = TimedRunner(trading, bus, repository, source, marks=db.settings)
        if every:
            runner.changes = EveryRule()
        await runner.start()
        poller.start()
        await asyncio.sleep(0.5)  # the first rounds: subscriptions follow the positions
        runner.rounds.clear()
        trading.asked.clear()
        trading.waited.clear()
        trading.answered.clear()
        ticks = await _drive(sim, specs, clocked, rate, seconds)
        await poller.stop()
        await runner.stop()
        await bus.close()
        await db.close()
        await client.close()
    _report(runner, trading, ticks, rules, symbols, rate, seconds)
    skipping = "rules whose inputs did not change are not evaluated again; --evaluate-all evaluates all"
    print(f"({'every rule evaluated every round (--evaluate-all)' if every else skipping})")


def _report(runner: TimedRunner, trading: TimedCore, ticks: int, rules: int, symbols: int, rate: float,
            seconds: float) -> None:  # fmt: skip
    rounds = runner.rounds
    evals = [s.eval_sec for s, _ in rounds]
    whole = [s.took_sec for s, _ in rounds]
    quiet = [s.took_sec for s, _ in rounds if not s.sent]
    per_rule = [s.eval_sec / s.evaluated for s, _ in rounds if s.evaluated]
    sent = sum(s.sent for s, _ in rounds)
    print(f"\nrules={rules} symbols={symbols} rate={rate:g} ticks/s for {seconds:g} s: {ticks} ticks, "
          f"{len(rounds)} rounds ({ticks / max(len(rounds), 1):.1f} ticks per round), {sent} orders sent "
          f"({len(trading.asked)} modifies, {trading.failed} not ok)")  # fmt: skip
    print(loadavg())
    table(
        "rounds and modifies",
        [
            ("evaluation of the rules due, per round", len(evals), evals),
            ("whole round (snapshot..stored again)", len(whole), whole),
            ("whole round, nothing sent", len(quiet), quiet),
            ("tick -> its round's snapshot", len(trading.waited), trading.waited),
            ("tick -> modify asked (execute)", len(trading.asked), trading.asked),
            ("tick -> modify answered", len(trading.answered), trading.answered),
        ],
    )
    fig = figures(per_rule) if per_rule else {"p50": 0.0, "p99": 0.0}
    print(f"\nevaluation per rule: p50 {fig['p50'] * 1000:.1f} us, p99 {fig['p99'] * 1000:.1f} us")
    counts = sorted(s.evaluated for s, _ in rounds)
    median = counts[len(counts) // 2] if counts else 0
    print(f"rules evaluated per round: median {median} (the others: inputs unchanged, done, backing off)")
    per_tick = sum(evals) / max(ticks, 1)
    print(f"evaluation cost per tick (all rules' evaluation time / ticks): {per_tick * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="ticks per second, over all symbols")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--evaluate-all", action="store_true", help="evaluate every rule every round")
    args = parser.parse_args()
    asyncio.run(bench(args.rules, args.symbols, args.rate, args.seconds, args.evaluate_all))


if __name__ == "__main__":
    main()
