"""A busy account for benchmarks and tests: tens of thousands of deals in a month, hundreds of open positions.

Everything goes through `order_send` (or `send_as` for hand trades) while the clock moves, so the deals,
orders and positions are exactly what the simulator's trade server writes for those requests. The month
is the calendar month (server clock) holding `end`; some positions open before it:

- `old_open` positions opened in the days before the month stay open, each partly closed once in the
  month (so the month's deals name positions whose opening deal is older);
- `old_closed` positions opened before the month are closed in it, some by hand (magic 0);
- the rest of the open positions open during the month and stay open;
- churn: short round trips (open, then close a while later) fill the month up to about `deals` deals;
- a deposit before everything, another deposit and a withdrawal in the month.

Several EAs (magic numbers) and manual trades on five symbols, buys and sells in pairs (hedged).
About 10 s per 100,000 deals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mt5bridge.simulator.terminal import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.structs import OrderSendResult

DAY = 86400
STEP = 1800  # seconds the clock moves between two rounds of trading (ticks are replayed per step)
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30")
MAGICS = (0, 20250101, 20250102, 20250103, 777, 888)  # 0: trades placed by hand


@dataclass(slots=True)
class _Leg:
    ticket: int
    symbol: str
    buy: bool
    volume: float
    magic: int


@dataclass(slots=True)
class _Trader:
    sim: Simulator
    rng: random.Random
    sent: int = 0
    churn: list[tuple[int, _Leg]] = field(default_factory=list)  # (opened at, leg)

    def lots(self, symbol: str, units: int) -> float:
        """`units` times the symbol's minimum volume."""
        return round(self.sim.market.spec(symbol).volume_min * units, 2)

    def open(self, symbol: str, buy: bool, units: int, magic: int) -> _Leg:
        volume = self.lots(symbol, units)
        request = {
            "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume,
            "type": C.ORDER_TYPE_BUY if buy else C.ORDER_TYPE_SELL, "type_filling": C.ORDER_FILLING_IOC,
            "magic": magic, "comment": "busy",
        }  # fmt: skip
        result = self._send(request, magic)
        return _Leg(result.order, symbol, buy, volume, magic)

    def pair(self, units: int = 2) -> tuple[_Leg, _Leg]:
        """A buy and a sell of one EA on one symbol (a hedge)."""
        symbol, magic = self.rng.choice(SYMBOLS), self.rng.choice(MAGICS)
        return self.open(symbol, True, units, magic), self.open(symbol, False, units, magic)

    def close(self, leg: _Leg, volume: float | None = None, *, by_hand: bool = False) -> None:
        """Close all or `volume` lots of a position, by its EA or by hand (magic 0)."""
        magic = 0 if by_hand else leg.magic
        request = {
            "action": C.TRADE_ACTION_DEAL, "symbol": leg.symbol, "volume": volume or leg.volume,
            "type": C.ORDER_TYPE_SELL if leg.buy else C.ORDER_TYPE_BUY, "position": leg.ticket,
            "type_filling": C.ORDER_FILLING_IOC, "magic": magic, "comment": "busy close",
        }  # fmt: skip
        self._send(request, magic)

    def _send(self, request: dict[str, object], magic: int) -> OrderSendResult:
        if magic:
            result = self.sim.order_send(request)
        else:
            result = self.sim.send_as(request, C.DEAL_REASON_CLIENT)
        if result is None or result.retcode != C.TRADE_RETCODE_DONE:
            raise RuntimeError(f"busy account: {request} answered {result}")
        self.sent += 1
        return result

    def churn_step(self, opens: int, hold: int) -> None:
        """Open `opens` short-lived positions, close those held for `hold` seconds or more."""
        now = self.sim.now
        for _ in range(opens):
            self.churn.append((now, self.open(self.rng.choice(SYMBOLS), self.rng.random() < 0.5, 1,
                                              self.rng.choice(MAGICS))))  # fmt: skip
        while self.churn and now - self.churn[0][0] >= hold:
            self.close(self.churn.pop(0)[1], by_hand=self.rng.random() < 0.1)


def month_start(epoch: int) -> int:
    """The first second of the calendar month (server clock) holding `epoch`."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())


def build_busy(
    end: int,
    *,
    deals: int = 100_000,
    open_positions: int = 500,
    old_open: int = 300,
    old_closed: int = 200,
    days_before: int = 15,
    seed: int = 0,
) -> Simulator:
    """An initialised simulator whose clock stands at `end` (server epoch) on a busy month (module doc)."""
    first = month_start(end)
    sim = Simulator(seed=seed, start=end, balance=0.0, market_hours="always", history_days=days_before + 62)
    sim.market.engine.replay_from((first - days_before * DAY) * 1000)
    sim.initialize()
    sim.deposit(10_000_000.0, "Deposit")
    trader = _Trader(sim, random.Random(seed))  # noqa: S311 - benchmark data, not security
    steps_before = max(1, (first - sim.now) // STEP)
    older_open = [leg for _ in range(old_open // 2) for leg in trader.pair()]
    older_closed = [leg for _ in range(old_closed // 2) for leg in trader.pair()]
    for _ in range(steps_before):  # quiet trading before the month: history the reports skip
        sim.advance(STEP)
        trader.churn_step(2, 3 * STEP)
    sim.advance(max(0, first - sim.now) + 1)
    steps = max(1, (end - sim.now) // STEP - 1)
    new_open = open_positions - len(older_open)
    fixed = len(older_open) + len(older_closed) + new_open + 2  # the month's deals besides the churn
    per_step = max(0.0, (deals - fixed) / 2 / steps)
    plan = _month_plan(steps, older_open, older_closed, new_open, trader.rng)
    owed = 0.0
    for step in range(steps):
        sim.advance(STEP)
        owed += per_step
        trader.churn_step(int(owed), 2 * STEP)
        owed -= int(owed)
        _planned(trader, plan.get(step, ()))
        if step == steps // 3:
            sim.deposit(5_000.0, "Deposit")
        elif step == 2 * steps // 3:
            sim.deposit(-2_500.0, "Withdrawal")
    for _, leg in trader.churn:
        trader.close(leg)
    trader.churn.clear()
    if sim.now < end:
        sim.advance(end - sim.now)
    return sim


def _month_plan(
    steps: int, older_open: list[_Leg], older_closed: list[_Leg], new_open: int, rng: random.Random
) -> dict[int, list[tuple[str, _Leg | None]]]:
    """Which step partly closes an old position, closes one, or opens a position that stays open."""
    plan: dict[int, list[tuple[str, _Leg | None]]] = {}
    for leg in older_open:
        plan.setdefault(rng.randrange(steps), []).append(("partial", leg))
    for leg in older_closed:
        plan.setdefault(rng.randrange(steps), []).append(("close", leg))
    for _ in range(new_open // 2):
        plan.setdefault(rng.randrange(steps), []).append(("pair", None))
    return plan


def _planned(trader: _Trader, actions: list[tuple[str, _Leg | None]] | tuple[()]) -> None:
    for kind, leg in actions:
        if kind == "pair":
            trader.pair()
        elif kind == "partial" and leg is not None:
            trader.close(leg, trader.lots(leg.symbol, 1))
        elif leg is not None:
            trader.close(leg, by_hand=trader.rng.random() < 0.3)
