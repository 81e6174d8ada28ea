"""`RuleRunner`: runs the active trade-management rules on the bridge's tick stream (docs/rules.md, "Runner").

One loop, so rounds never overlap. It wakes on the ticks of the symbols its rules need (conflated per
symbol by the bus: a round sees the latest tick of each), on account updates (equity guards, profit
locks) and on trade events (a new position a standing scope picks up). A round takes one `Snapshot`
with the figures `needs()` names, evaluates every rule that may act and whose inputs changed (changes.py),
stores each rule whose decisions or tracked state changed BEFORE anything is sent (closes are written
ahead), merges, carries the decisions out through the trading core, settles or fails them, and stores
again. A trail's best price and a peak
are stored at most every `flush_sec` when nothing else changed: losing them costs nothing (an SL never
moves back), while a write per rule per tick would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.rulespec import EquityGuard
from mt5bridge.common.tasks import TaskSet
from mt5bridge.trading.events.bus import EventBus, Subscription, SubscriptionClosed
from mt5bridge.trading.events.models import TRADE_KINDS, EventKind
from mt5bridge.trading.rules.backoff import Backoff
from mt5bridge.trading.rules.carrying import Carrier
from mt5bridge.trading.rules.changes import Changes
from mt5bridge.trading.rules.evaluate import evaluate
from mt5bridge.trading.rules.inputs import OpenPosition, Quote
from mt5bridge.trading.rules.merge import merge
from mt5bridge.trading.rules.models import IDLE_STATES, Rule, RuleState
from mt5bridge.trading.rules.outcome import Evaluation
from mt5bridge.trading.rules.pausing import KeptPause
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.rules.storing import Keeper
from mt5bridge.trading.rules.wants import figures, tick_symbols
from mt5bridge.trading.service import TradingService
from storage.users import KeyValueStore

log = logging.getLogger(__name__)

WAKE_KINDS = TRADE_KINDS | {EventKind.TICK, EventKind.ACCOUNT_UPDATE}


@dataclass
class RoundStats:
    """What one round did, for the benchmark and logs."""

    evaluated: int = 0
    decisions: int = 0
    sent: int = 0
    eval_sec: float = 0.0
    took_sec: float = 0.0


class RuleRunner:
    """Runs the account's active rules; `start()` with the service, `stop()` at shutdown.

    `changed()` after a rule was created, removed or resumed elsewhere (the rule service): the next round
    reloads them (they are reloaded every `reload_sec` anyway). `marks` (`Database.settings`) keeps an
    equity guard's pause across a restart. `clock` (monotonic seconds) times the back-off."""

    def __init__(
        self,
        trading: TradingService,
        bus: EventBus,
        rules: RuleRepository,
        snapshots: SnapshotSource,
        *,
        marks: KeyValueStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        reload_sec: float = 5.0,
        flush_sec: float = 2.0,
        idle_sec: float = 5.0,
    ) -> None:
        self.trading = trading
        self.bus = bus
        self.snapshots = snapshots
        self.kept_pause = KeptPause(trading, marks)
        self.clock = clock
        self.reload_sec, self.idle_sec = reload_sec, idle_sec
        self.backoff = Backoff(clock)
        self.keeper = Keeper(rules, clock, flush_sec)
        self.changes = Changes()
        self.carrier = Carrier(trading, bus, self.keeper, self.backoff, self.kept_pause, snapshots)
        self.last = RoundStats()
        self._positions: tuple[OpenPosition, ...] = ()
        self._sub: Subscription | None = None
        self._kick = asyncio.Event()
        self._reload_at: float | None = None  # None: reload at the next round
        self._stopping = False
        self._tasks = TaskSet("rule-runner")

    @property
    def rules(self) -> dict[int, Rule]:
        """The rules it runs (waiting, active, paused), by id, as it holds them now."""
        return self.keeper.rules

    @property
    def following(self) -> frozenset[str]:
        """The symbols whose ticks it receives now."""
        return self._sub.symbols or frozenset() if self._sub is not None else frozenset()

    # --- lifecycle ----------------------------------------------------------------------------------------
    async def start(self, *, loop: bool = True) -> None:
        """Load the rules, restore an equity guard's pause, subscribe; with `loop`, run rounds in a task
        (without: the caller runs `round()` itself, as tests and the benchmark do)."""
        self._stopping = False
        await self.kept_pause.restore()
        await self._reload()
        self._sub = self.bus.subscribe(WAKE_KINDS, symbols=(), name="rule-runner")
        self._kick.set()  # a first round at once: it subscribes to the ticks the rules need
        if loop:
            self._tasks.spawn(self._run(), "rounds")

    async def stop(self, grace: float = 10.0) -> None:
        """Let the round in flight finish (at most `grace` seconds), unsubscribe, store what is left."""
        self._stopping = True
        self._kick.set()
        if self._sub is not None:
            self._sub.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._tasks.join(), grace)
        await self._tasks.close()
        await self.keeper.flush(force=True)

    def changed(self) -> None:
        """Rules were created, removed or resumed: reload them before the next round, and run it now."""
        self._reload_at = None
        self._kick.set()

    async def _run(self) -> None:
        failing = False
        while not self._stopping:
            try:
                await self._next()
            except SubscriptionClosed:
                return
            if self._stopping:
                return
            try:
                await self.round()
            except Exception as exc:  # the terminal or the database is down: the next round tries again
                # Once per outage (the heartbeat reports the terminal's), with a traceback if unexpected.
                level = logging.DEBUG if failing else logging.WARNING
                log.log(level, "rules: rounds skipped until this passes: %s", exc,
                        exc_info=not _expected(exc))  # fmt: skip
                failing = True
                await asyncio.sleep(1.0)
                self._kick.set()  # and try again: until a round passes, no tick may come to wake it
            else:
                if failing:
                    log.warning("rules: rounds run again")
                failing = False

    async def _next(self) -> None:
        """Until a tick, an event, `changed()` or the idle timeout (or a back-off ending)."""
        sub = self._sub
        if sub is None or sub.pending or self._kick.is_set():
            self._kick.clear()
            return
        timeout = self.idle_sec
        due = self.backoff.next_due()
        if due is not None:
            timeout = min(timeout, max(due - self.clock(), 0.01))
        waiters = {asyncio.ensure_future(sub.wait()), asyncio.ensure_future(self._kick.wait())}
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
            results = await asyncio.gather(*waiters, return_exceptions=True)
        self._kick.clear()
        if sub.closed and any(isinstance(r, SubscriptionClosed) for r in results):
            raise SubscriptionClosed(sub.name)

    # --- one round ----------------------------------------------------------------------------------------
    async def round(self) -> RoundStats:
        """Evaluate every rule that may act on the terminal's state now, store, send, settle."""
        started, stats = time.perf_counter(), RoundStats()
        quotes = self._drain()
        await self.kept_pause.sync()
        if self._reload_at is None or self.clock() >= self._reload_at:
            await self._reload()
        runnable = [r for r in self.rules.values() if self._may_run(r)]
        if runnable:
            evaluations = await self._evaluate(runnable, quotes, stats)
            ready = await self.keeper.before_sending(evaluations)
            decisions = merge(d for ev in ready for d in ev.decisions)
            stats.decisions = len(decisions)
            deciding = {ev.rule.id: self.rules.get(ev.rule.id, ev.rule) for ev in ready}  # as stored
            stats.sent = await self.carrier.carry_out(decisions, deciding)
        await self.keeper.flush()
        self._follow(runnable)
        stats.took_sec = time.perf_counter() - started
        self.last = stats
        return stats

    def _drain(self) -> dict[str, Quote]:
        """Take what woke the loop: the latest tick per symbol (the round's quotes) and the events (the
        snapshot reads the positions and the account fresh anyway)."""
        sub = self._sub
        if sub is None:
            return {}
        quotes: dict[str, Quote] = {}
        for tick in sub.take_ticks():
            with contextlib.suppress(ValidationError):  # a tick without a price yet: read from the terminal
                quotes[tick.symbol] = Quote(bid=tick.bid, ask=tick.ask)
        while sub.get_nowait() is not None:  # ticks were all taken: these are the events
            pass
        return quotes

    def _may_run(self, rule: Rule) -> bool:
        """Not idle, not waiting out a back-off; under read-only only an equity guard (it may always
        reduce exposure); a pause stops none (rules never open a position)."""
        if rule.state in IDLE_STATES or self.backoff.waiting(rule.id):
            return False
        return not self.trading.read_only or isinstance(rule.spec.action, EquityGuard)

    async def _evaluate(
        self, runnable: list[Rule], quotes: dict[str, Quote], stats: RoundStats
    ) -> list[tuple[Rule, Evaluation]]:
        wanted = figures(runnable, self._positions)
        snap = await self.snapshots.take(wanted, quotes=quotes)
        more = figures(runnable, snap.positions) - wanted  # a trail's new position: its ATR or bars
        if more:
            snap = await self.snapshots.take(wanted | more, quotes=quotes)
        self._positions = snap.positions
        t0 = time.perf_counter()
        self.changes.observe(snap)
        evaluations = []
        for rule in runnable:
            if self.changes.due(rule):  # else idle last round on the same inputs: idle again
                ev = evaluate(rule, snap)
                self.changes.evaluated(rule, ev)
                evaluations.append((rule, ev))
        stats.eval_sec, stats.evaluated = time.perf_counter() - t0, len(evaluations)
        return evaluations

    async def _reload(self) -> None:
        before = {rule.id: rule.state for rule in self.rules.values()}
        await self.keeper.reload()
        self.changes.keep(set(self.rules))
        self._reload_at = self.clock() + self.reload_sec
        for rule_id, state in before.items():  # resumed or gone: no back-off left over
            now = self.rules.get(rule_id)
            if now is None or (state is RuleState.PAUSED and now.state is not RuleState.PAUSED):
                self.backoff.forget(rule_id)

    # --- ticks wanted ---------------------------------------------------------------------------------
    def _follow(self, runnable: Iterable[Rule]) -> None:
        """Ticks of the symbols of the positions in the scope of a rule that may act (a standing scope
        follows its positions as they come and go)."""
        if self._sub is None or self._sub.closed:
            return
        wanted = tick_symbols(runnable, self._positions)
        have = self._sub.symbols or frozenset()
        if wanted != have:
            self._sub.add_symbols(wanted - have)
            self._sub.remove_symbols(have - wanted)


def _expected(exc: Exception) -> bool:
    """Failures a round meets in normal operation (logged without a traceback)."""
    return isinstance(exc, MT5BotError | OSError)
