"""The rule runner over the real simulator, the real client, trading core and SQLite database.

`Desk` holds one "process": its trading core, bus, repository, snapshot source and runner over a shared
simulator and database file; `restart()` builds a new one over the same terminal and database, as a
service restart does. Prices are scripted with `sim.set_price`; rounds are run by hand (`tick`), and the
back-off's clock is a fake one the test moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mt5bridge.common.roles import Role
from mt5bridge.common.rulespec import RuleAction, RuleSpec, Scope
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.events import EventBus, Subscription
from mt5bridge.trading.events import RuleAction as RuleActionEvent
from mt5bridge.trading.events.models import EventKind
from mt5bridge.trading.models import ActionResult, Actor, OpenRequest, Preview, TradeRequestModel
from mt5bridge.trading.rules.evaluate import start
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.runner import RoundStats, RuleRunner
from mt5bridge.trading.rules.snapshot import SnapshotSource
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

WEDNESDAY = datetime(2026, 11, 25, 10, 0)
TRADER = Actor(platform="test", user_id="alice", role=Role.TRADER, raw_input="test")
GOLD = "XAUUSD"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recording(TradingService):
    """The real trading core, counting what the runner asks of it; `crash_after`/`crash_before` make the
    next execute "lose" its answer (the process dies after / before the core ran it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, TradeRequestModel]] = []
        self.crash_after = False
        self.crash_before = False

    async def execute(
        self, req: TradeRequestModel, actor: Actor, *, request_id: str | None = None,
        confirmation: str | None = None, expected: Preview | None = None, protective: bool = False,
    ) -> ActionResult:  # fmt: skip
        if self.crash_before:
            self.crash_before = False
            raise Crash("before")
        self.calls.append((request_id or "", req))
        result = await super().execute(
            req,
            actor,
            request_id=request_id,
            confirmation=confirmation,
            expected=expected,
            protective=protective,
        )
        if self.crash_after:
            self.crash_after = False
            raise Crash("after")
        return result


class Crash(BaseException):
    """The process died here (not an Exception: nothing in the runner catches it)."""


@dataclass
class Desk:
    sim: Simulator
    client: MT5Client
    db: Database
    trading: Recording
    bus: EventBus
    repository: RuleRepository
    runner: RuleRunner
    clock: FakeClock
    watch: Subscription
    actions: list[RuleActionEvent] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        path: Path,
        sim: Simulator | None = None,
        clock: FakeClock | None = None,
        risk: RiskSettings | None = None,
    ) -> Desk:
        sim = sim or Simulator(seed=1, start=WEDNESDAY, market_hours="always", history_days=7)
        client = MT5Client(sim, call_timeout=10)
        assert await client.connect()
        db = await Database.open(f"sqlite+aiosqlite:///{path}/rules.db")
        trading = Recording(client, db, risk or RiskSettings(max_daily_loss=0))
        bus = EventBus()
        repository = RuleRepository(db.rules)
        clock = clock or FakeClock()
        runner = RuleRunner(trading, bus, repository, SnapshotSource(client), marks=db.settings, clock=clock)
        watch = bus.subscribe([EventKind.RULE_ACTION], name="test-actions")
        desk = cls(sim, client, db, trading, bus, repository, runner, clock, watch)
        await runner.start(loop=False)
        return desk

    async def close(self) -> None:
        await self.runner.stop()
        await self.bus.close()
        await self.db.close()
        await self.client.close()

    async def restart(self, path: Path) -> Desk:
        """A new process over the same simulator and database (the runner stopped first)."""
        await self.close()
        return await Desk.open(path, self.sim, self.clock)

    # --- scripting -----------------------------------------------------------------------------------
    async def buy(self, volume: float, symbol: str = GOLD, sl: float | None = None, **extra: Any) -> int:
        return await self._open(symbol, PositionSide.BUY, volume, sl, **extra)

    async def sell(self, volume: float, symbol: str = GOLD, sl: float | None = None, **extra: Any) -> int:
        return await self._open(symbol, PositionSide.SELL, volume, sl, **extra)

    async def _open(
        self, symbol: str, side: PositionSide, volume: float, sl: float | None, **extra: Any
    ) -> int:
        req = OpenRequest(symbol=symbol, side=side, volume=volume, sl=sl, **extra)
        result = await self.trading.execute(req, TRADER)
        assert result.ok, result
        return result.outcomes[0].order

    async def add(self, action: RuleAction, scope: Scope | None = None) -> Rule:
        """Confirm a rule as the rule service would: started on the account now, stored, runner told."""
        spec = RuleSpec(scope=scope or Scope(), action=action)
        draft = Rule(id=0, spec=spec, created_at=datetime.now().astimezone(), created_by="test:alice")
        snap = await SnapshotSource(self.client).take()
        stored = await self.repository.create(spec, "test:alice", start(draft, snap))
        self.runner.changed()
        return stored

    async def tick(self, bid: float, ask: float | None = None, symbol: str = GOLD) -> RoundStats:
        """Quote `symbol` and run one round."""
        self.sim.set_price(symbol, bid, ask)
        return await self.round()

    async def round(self) -> RoundStats:
        stats = await self.runner.round()
        while (event := self.watch.get_nowait()) is not None:
            assert isinstance(event, RuleActionEvent)
            self.actions.append(event)
        return stats

    async def path(self, bids: Iterable[float], symbol: str = GOLD, spread: float | None = None) -> None:
        for bid in bids:
            await self.tick(bid, None if spread is None else round(bid + spread, 8), symbol)

    async def position(self, ticket: int) -> Any:
        found = [p for p in await self.client.positions() if p.ticket == ticket]
        return found[0] if found else None

    async def rule(self, rule_id: int) -> Rule:
        got = await self.repository.get(rule_id)
        assert got is not None
        return got

    def sent(self, prefix: str = "rule-") -> list[str]:
        """Request ids the runner sent (each execute call, replays included)."""
        return [rid for rid, _ in self.trading.calls if rid.startswith(prefix)]

    async def audited(self) -> list[Any]:
        return [e for e in await self.db.audit.recent(limit=500) if e.platform == "rules"]
