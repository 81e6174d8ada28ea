"""A demo account with history: a deposit, manual trades and a hedging grid EA over the last N days.

The EA behaves like the hedging grids traders run beside mt5bot: it opens a buy and a sell leg,
adds legs with growing lots as price runs away from the last one, and closes the whole basket of its
magic number once the basket is in profit. Manual trades (magic 0, reason CLIENT) come and go with
SL/TP. Everything goes through `order_send`, so history, commissions and swaps are real simulator output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from mt5bridge.simulator import sessions
from mt5bridge.simulator.terminal import Simulator
from mt5bridge.terminal import constants as C

DAY = 86400


@dataclass
class HedgeGrid:
    """A simple hedging grid on one symbol, identified by its magic number."""

    symbol: str
    magic: int
    step_points: int
    base_lot: float = 0.01
    max_levels: int = 5
    target_per_lot: float = 400.0
    name: str = "HedgeGrid"
    cycles: int = field(default=0, init=False)

    def _mine(self, mt5: Simulator) -> list[Any]:
        return [p for p in mt5.positions_get(symbol=self.symbol) or () if p.magic == self.magic]

    def _send(self, mt5: Simulator, side: int, volume: float, level: int) -> None:
        mt5.order_send(
            {
                "action": C.TRADE_ACTION_DEAL,
                "symbol": self.symbol,
                "volume": round(volume, 2),
                "type": side,
                "type_filling": C.ORDER_FILLING_IOC,
                "magic": self.magic,
                "comment": f"{self.name} L{level}",
            }
        )

    def on_step(self, mt5: Simulator) -> None:
        """One decision: open the hedge, add a grid leg, or take the basket's profit."""
        mine = self._mine(mt5)
        if not mine:
            self._send(mt5, C.ORDER_TYPE_BUY, self.base_lot, 1)
            self._send(mt5, C.ORDER_TYPE_SELL, self.base_lot, 1)
            return
        lots = sum(p.volume for p in mine)
        if sum(p.profit + p.swap for p in mine) >= self.target_per_lot * lots:
            for pos in mine:
                close_type = C.ORDER_TYPE_SELL if pos.type == C.POSITION_TYPE_BUY else C.ORDER_TYPE_BUY
                mt5.order_send(
                    {
                        "action": C.TRADE_ACTION_DEAL, "symbol": self.symbol, "volume": pos.volume,
                        "type": close_type, "position": pos.ticket, "type_filling": C.ORDER_FILLING_IOC,
                        "magic": self.magic, "comment": f"{self.name} TP",
                    }
                )  # fmt: skip
            self.cycles += 1
            return
        self._grow(mt5, mine)

    def _grow(self, mt5: Simulator, mine: list[Any]) -> None:
        tick = mt5.symbol_info_tick(self.symbol)
        if tick is None:
            return
        point = mt5.market.spec(self.symbol).point
        for side in (C.POSITION_TYPE_BUY, C.POSITION_TYPE_SELL):
            legs = sorted((p for p in mine if p.type == side), key=lambda p: p.time_msc)
            if not legs or len(legs) >= self.max_levels:
                continue
            last = legs[-1]
            against = (
                (last.price_open - tick.bid) if side == C.POSITION_TYPE_BUY else (tick.ask - last.price_open)
            )
            if against >= self.step_points * point:
                order_type = C.ORDER_TYPE_BUY if side == C.POSITION_TYPE_BUY else C.ORDER_TYPE_SELL
                self._send(mt5, order_type, last.volume * 1.5 + 0.004, len(legs) + 1)


MANUAL_SYMBOLS = ("XAUUSD", "EURUSD", "USDJPY", "GBPUSD", "US30")


def _manual_trade(mt5: Simulator, rng: random.Random) -> None:
    """A hand-placed trade with SL and TP about two ATR-ish moves away."""
    symbol = rng.choice(MANUAL_SYMBOLS) + mt5.market.suffix
    info = mt5.symbol_info(symbol)
    if info is None or not mt5.market.is_open(symbol):
        return
    buy = rng.random() < 0.5
    price = info.ask if buy else info.bid
    distance = max(price * 0.004, (info.trade_stops_level + info.spread) * info.point * 2)
    sl = price - distance if buy else price + distance
    tp = price + distance * 1.5 if buy else price - distance * 1.5
    volume = info.volume_min * rng.choice((1, 2, 5, 10))
    mt5.send_as(
        {
            "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": round(volume, 2),
            "type": C.ORDER_TYPE_BUY if buy else C.ORDER_TYPE_SELL, "type_filling": C.ORDER_FILLING_RETURN,
            "sl": round(sl, info.digits), "tp": round(tp, info.digits), "comment": "manual",
        },
        C.DEAL_REASON_CLIENT,
    )  # fmt: skip


def default_grids(suffix: str) -> list[HedgeGrid]:
    return [
        HedgeGrid("XAUUSD" + suffix, 20250101, step_points=1500, name="HedgeGrid"),
        HedgeGrid("EURUSD" + suffix, 20250102, step_points=250, target_per_lot=300.0, name="HedgeGrid"),
        HedgeGrid("GBPUSD" + suffix, 20250103, step_points=300, target_per_lot=300.0, name="GridHedger"),
    ]


def build_demo(days: int = 30, seed: int = 0, end: int | None = None, **options: Any) -> Simulator:
    """A simulator whose clock ends at `end` (server epoch, default now) after `days` of trading.

    The trading runs over the price history (replayed from its M1 bars, as MT5's tester does) and live
    ticks begin at `end`: a month of demo costs a few thousand bars, not millions of ticks. The M1
    history reaches `history_days` (default 60) before the first demo day."""
    end = sessions.server_now() if end is None else end
    balance = options.pop("balance", 10000.0)
    history_days = options.pop("history_days", 60) + days
    sim = Simulator(seed=seed, start=end, balance=0.0, history_days=history_days, **options)
    if days > 0:
        sim.market.engine.replay_from((end - days * DAY) * 1000)
    sim.initialize()
    if balance:
        sim.deposit(balance, "Deposit")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    grids = default_grids(sim.market.suffix)
    while sim.now < end:
        sim.advance(min(3600, end - sim.now))
        for grid in grids:
            if sim.market.is_open(grid.symbol):
                grid.on_step(sim)
        if rng.random() < 0.06:
            _manual_trade(sim, rng)
    return sim
