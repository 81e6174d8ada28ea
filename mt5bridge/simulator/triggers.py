"""What the server does on its own as prices move: SL/TP, pending activation, expiry, swaps, stop-out.

Every new tick is checked. For speed the search over a block of ticks is vectorised per symbol with
the tightest level of each kind (highest buy SL, lowest buy TP ...); the first tick that crosses any
level is then handled item by item, in time order across symbols, exactly as tick-by-tick checking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from mt5bridge.simulator import validation as V
from mt5bridge.simulator.exchange import Exchange
from mt5bridge.simulator.records import Order, Position
from mt5bridge.terminal import constants as C


@dataclass(frozen=True, slots=True)
class TickView:
    time_msc: int
    bid: float
    ask: float


def _sl_hit(pos: Position, t: TickView) -> bool:
    if not pos.sl:
        return False
    return t.bid <= pos.sl if pos.is_buy else t.ask >= pos.sl


def _tp_hit(pos: Position, t: TickView) -> bool:
    if not pos.tp:
        return False
    return t.bid >= pos.tp if pos.is_buy else t.ask <= pos.tp


def _order_hit(order: Order, t: TickView) -> bool:
    kind = order.type
    if kind == C.ORDER_TYPE_BUY_LIMIT:
        return t.ask <= order.price_open
    if kind == C.ORDER_TYPE_SELL_LIMIT:
        return t.bid >= order.price_open
    if kind in (C.ORDER_TYPE_BUY_STOP, C.ORDER_TYPE_BUY_STOP_LIMIT):
        return t.ask >= order.price_open
    if kind in (C.ORDER_TYPE_SELL_STOP, C.ORDER_TYPE_SELL_STOP_LIMIT):
        return t.bid <= order.price_open
    return False


def _position_mask(bid: np.ndarray, ask: np.ndarray, positions: list[Position]) -> np.ndarray:
    """Ticks at which the tightest SL or TP of either side is crossed."""
    mask = np.zeros(len(bid), dtype=bool)
    buys = [p for p in positions if p.is_buy]
    sells = [p for p in positions if not p.is_buy]
    if levels := [p.sl for p in buys if p.sl]:
        mask |= bid <= max(levels)
    if levels := [p.tp for p in buys if p.tp]:
        mask |= bid >= min(levels)
    if levels := [p.sl for p in sells if p.sl]:
        mask |= ask >= min(levels)
    if levels := [p.tp for p in sells if p.tp]:
        mask |= ask <= max(levels)
    return mask


def _order_mask(bid: np.ndarray, ask: np.ndarray, orders: list[Order]) -> np.ndarray:
    """Ticks at which the nearest pending order of each type triggers."""
    mask = np.zeros(len(bid), dtype=bool)
    by_kind: dict[int, list[float]] = {}
    for o in orders:
        by_kind.setdefault(o.type, []).append(o.price_open)
    for kind, prices in by_kind.items():
        if kind == C.ORDER_TYPE_BUY_LIMIT:
            mask |= ask <= max(prices)
        elif kind == C.ORDER_TYPE_SELL_LIMIT:
            mask |= bid >= min(prices)
        elif kind in (C.ORDER_TYPE_BUY_STOP, C.ORDER_TYPE_BUY_STOP_LIMIT):
            mask |= ask >= min(prices)
        else:
            mask |= bid <= max(prices)
    return mask


def _first_crossing(bid: np.ndarray, ask: np.ndarray, positions: list[Position], orders: list[Order]) -> int:
    """Index of the first tick at which any level is crossed, or -1."""
    mask = _position_mask(bid, ask, positions) | _order_mask(bid, ask, orders)
    return int(np.argmax(mask)) if mask.any() else -1


class Triggers:
    """Runs the server-side reactions over blocks of new ticks."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.ledger = exchange.ledger
        self.book = exchange.book
        self.market = exchange.market
        self.fills = exchange.fills
        self._quiet: tuple[int, int, float, float, int] | None = None  # the account as the last check left it

    def on_ticks(self, new_ticks: Mapping[str, np.ndarray]) -> None:
        """Handle every crossing in the new ticks (canonical names -> TICKS_DTYPE arrays), in time order.

        Only symbols with positions or pending orders are read: replayed ticks are built when read."""
        # the ledger's index by symbol, not a pass over every position (thousands on a grid account)
        watched = set(self.ledger.symbols()) | {o.symbol for o in self.book.orders.values()}
        blocks = {}
        for symbol in self.market.names:
            if symbol in watched:
                arr = new_ticks.get(self.market.spec(symbol).name)
                if arr is not None and len(arr):
                    blocks[symbol] = arr
        cursors = dict.fromkeys(blocks, 0)
        while True:
            best: tuple[int, str, int] | None = None
            for symbol, arr in blocks.items():
                start = cursors[symbol]
                positions = self.ledger.on_symbol(symbol)
                orders = [o for o in self.book.orders.values() if o.symbol == symbol]
                if start >= len(arr) or not (positions or orders):
                    continue
                idx = _first_crossing(arr["bid"][start:], arr["ask"][start:], positions, orders)
                if idx >= 0:
                    at = int(arr["time_msc"][start + idx])
                    if best is None or at < best[0]:
                        best = (at, symbol, start + idx)
            if best is None:
                return
            _, symbol, index = best
            row = blocks[symbol][index]
            self.on_tick(symbol, TickView(int(row["time_msc"]), float(row["bid"]), float(row["ask"])))
            cursors[symbol] = index + 1

    def on_tick(self, symbol: str, tick: TickView) -> None:
        """Apply every SL/TP and pending trigger one tick causes (a stop-limit may trigger twice)."""
        for _ in range(3):
            changed = self._positions(symbol, tick) | self._orders(symbol, tick)
            if not changed:
                return

    def _positions(self, symbol: str, tick: TickView) -> bool:
        spec = self.market.spec(symbol)
        changed = False
        for pos in self.ledger.on_symbol(symbol):
            if _sl_hit(pos, tick):
                reason, level, tag = C.DEAL_REASON_SL, pos.sl, "sl"
            elif _tp_hit(pos, tick):
                reason, level, tag = C.DEAL_REASON_TP, pos.tp, "tp"
            else:
                continue
            price = tick.bid if pos.is_buy else tick.ask
            comment = f"[{tag} {level:.{spec.digits}f}]"
            self.fills.close_position(pos, pos.volume, price, reason, pos.magic, comment, tick.time_msc)
            changed = True
        return changed

    def _orders(self, symbol: str, tick: TickView) -> bool:
        changed = False
        for order in [o for o in self.book.orders.values() if o.symbol == symbol]:
            if not _order_hit(order, tick):
                continue
            changed = True
            if order.type in (C.ORDER_TYPE_BUY_STOP_LIMIT, C.ORDER_TYPE_SELL_STOP_LIMIT):
                # The stop-limit becomes a limit order at its stoplimit price, same ticket.
                order.type = C.ORDER_TYPE_BUY_LIMIT if V.is_buy(order.type) else C.ORDER_TYPE_SELL_LIMIT
                order.price_open, order.price_stoplimit = order.price_stoplimit, 0.0
                self.book.touched(order)
                continue
            self._activate(order, tick)
        return changed

    def _activate(self, order: Order, tick: TickView) -> None:
        buy = V.is_buy(order.type)
        market = tick.ask if buy else tick.bid
        limit = order.type in (C.ORDER_TYPE_BUY_LIMIT, C.ORDER_TYPE_SELL_LIMIT)
        price = order.price_open if limit else market
        spec = self.market.spec(order.symbol)
        figures = self.ledger.figures()
        margin_after = self.ledger.margin_with(order.symbol, buy, order.volume_current, price)
        if figures.equity - spec.commission_per_lot * order.volume_current - margin_after < 0:
            self.fills.finish_order(order, C.ORDER_STATE_REJECTED, tick.time_msc)
            return
        self.fills.fill_order(order, price, tick.time_msc)

    def expire(self, now: int) -> None:
        """Pending orders whose expiration time has come leave as EXPIRED."""
        for order in list(self.book.orders.values()):
            if order.time_expiration and order.time_expiration <= now:
                self.fills.finish_order(order, C.ORDER_STATE_EXPIRED, order.time_expiration * 1000)

    def rollover(self, day_start: int) -> None:
        """Swap for the night that ends at server midnight `day_start`; triple on the rollover day."""
        prev = datetime.fromtimestamp(day_start - 86400, UTC)
        mt5_weekday = (prev.weekday() + 1) % 7  # DAY_OF_WEEK_*: Sunday 0
        for pos in list(self.book.positions.values()):
            spec = self.market.spec(pos.symbol)
            every_day = spec.session == "crypto"
            if not every_day and prev.weekday() >= 5:
                continue
            nights = 3 if not every_day and mt5_weekday == spec.swap_rollover3days else 1
            rate = spec.swap_long if pos.is_buy else spec.swap_short
            if spec.swap_mode == C.SYMBOL_SWAP_MODE_CURRENCY_DEPOSIT:
                amount = rate * pos.volume * nights
            elif spec.swap_mode == C.SYMBOL_SWAP_MODE_DISABLED:
                continue
            else:
                raw = rate * spec.point * spec.contract_size * pos.volume * nights
                amount = self.market.to_account(raw, spec.currency_profit)
            pos.swap = round(pos.swap + amount, 2)
            self.ledger.touch(pos)

    def _account_key(self) -> tuple[int, int, float, float, int]:
        """What the account's figures read besides the quotes (a trade, a balance or credit operation,
        the leverage): equal keys and unmoved quotes mean the same figures."""
        acc = self.book.account
        return (len(self.book.deals), len(self.book.positions), acc.balance, acc.credit, acc.leverage)

    def stop_out(self, at_msc: int, *, moved: bool = True) -> None:
        """Close the most losing position while the margin level is at or below the stop-out level.

        `moved=False` says no quote changed since the last call: then, unless the account changed too,
        the last check's answer (no stop-out) still holds and the figures are not computed again (every
        terminal call advances the clock, most of them without a new tick).
        """
        if not moved and self._quiet == self._account_key():
            return
        acc = self.book.account
        for _ in range(len(self.book.positions)):
            figures = self.ledger.figures()
            if figures.margin <= 0:
                break
            level = figures.margin_level if acc.margin_so_mode == 0 else figures.equity
            if level > acc.margin_so_so:
                break
            worst = min(self.book.positions.values(), key=lambda p: self.ledger.position_profit(p) + p.swap)
            bid, ask = self.market.quote(worst.symbol)
            price = bid if worst.is_buy else ask
            comment = f"[so {figures.margin_level:.2f}%]"
            self.fills.close_position(
                worst, worst.volume, price, C.DEAL_REASON_SO, worst.magic, comment, at_msc
            )
        self._quiet = self._account_key()
