"""Account numbers from the book: floating profit, margin, equity, free margin, margin level.

Per-symbol aggregates (lots and volume-weighted open price per side) are cached until that symbol's
positions change, so account figures cost O(symbols), not O(positions): with a thousand open
positions an `account_info()` or a margin check stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter, mul

from mt5bridge.simulator.market import Market
from mt5bridge.simulator.money import SideExposure, hedged_margin, raw_profit
from mt5bridge.simulator.records import Book, Deal, Position
from mt5bridge.terminal import constants as C


@dataclass(frozen=True, slots=True)
class Exposure:
    buys: SideExposure
    sells: SideExposure
    swap: float


@dataclass(frozen=True, slots=True)
class AccountFigures:
    balance: float
    credit: float
    profit: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float


_VOLUME, _OPEN, _SWAP = attrgetter("volume"), attrgetter("price_open"), attrgetter("swap")


def _side(positions: list[Position]) -> SideExposure:
    # The same sums in the same order as generator expressions (so the same floats), without a Python
    # frame per position: recomputed after every trade of the symbol, over a grid's hundreds of positions.
    lots = sum(map(_VOLUME, positions))
    if not lots:
        return SideExposure()
    return SideExposure(lots, sum(map(mul, map(_VOLUME, positions), map(_OPEN, positions))) / lots)


class Ledger:
    """Positions indexed by symbol, with cached exposures and the account's derived numbers."""

    def __init__(self, book: Book, market: Market) -> None:
        self.book = book
        self.market = market
        self._by_symbol: dict[str, dict[int, Position]] = {}
        self._exposure: dict[str, Exposure] = {}
        for pos in book.positions.values():
            self._by_symbol.setdefault(pos.symbol, {})[pos.ticket] = pos

    @property
    def hedging(self) -> bool:
        return self.book.account.margin_mode == C.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING

    def balance_deal(self, amount: float, comment: str, time_msc: int) -> int:
        """A balance deal (deposit, or withdrawal when negative) booked to the account; its ticket."""
        deal = Deal(
            ticket=self.book.counters.next_deal(),
            order=0,
            time_msc=time_msc,
            type=C.DEAL_TYPE_BALANCE,
            entry=C.DEAL_ENTRY_IN,
            magic=0,
            position_id=0,
            reason=C.DEAL_REASON_CLIENT,
            volume=0.0,
            price=0.0,
            profit=round(amount, 2),
            comment=comment,
        )
        self.book.deals.append(deal)
        self.book.account.balance = round(self.book.account.balance + amount, 2)
        return deal.ticket

    # --- position index -------------------------------------------------------------------
    def add(self, pos: Position) -> None:
        self.book.positions[pos.ticket] = pos
        self._by_symbol.setdefault(pos.symbol, {})[pos.ticket] = pos
        self.touch(pos)

    def remove(self, pos: Position) -> None:
        del self.book.positions[pos.ticket]
        del self._by_symbol[pos.symbol][pos.ticket]
        self.book.closed_positions.add(pos.identifier)
        self.touch(pos)

    def touch(self, pos: Position) -> None:
        """After any change to a position: forget its symbol's cached exposure, note it for the journal."""
        self._exposure.pop(pos.symbol, None)
        self.book.touched(pos)

    def on_symbol(self, symbol: str) -> list[Position]:
        return list(self._by_symbol.get(symbol, {}).values())

    def symbols(self) -> list[str]:
        return [s for s, positions in self._by_symbol.items() if positions]

    def exposure(self, symbol: str) -> Exposure:
        cached = self._exposure.get(symbol)
        if cached is None:
            positions = self.on_symbol(symbol)
            buys = [p for p in positions if p.type == C.POSITION_TYPE_BUY]  # `is_buy`, without a call
            sells = [p for p in positions if p.type != C.POSITION_TYPE_BUY]
            cached = Exposure(_side(buys), _side(sells), sum(map(_SWAP, positions)))
            self._exposure[symbol] = cached
        return cached

    # --- money ----------------------------------------------------------------------------
    def position_profit(self, pos: Position, at_msc: int | None = None) -> float:
        """Floating profit in account currency at the closing price (Bid for buys, Ask for sells)."""
        spec = self.market.spec(pos.symbol)
        bid, ask = self.market.quote(pos.symbol, at_msc)
        raw = raw_profit(spec, pos.type, pos.volume, pos.price_open, bid if pos.is_buy else ask)
        return self.market.to_account(raw, spec.currency_profit, at_msc)

    def symbol_profit(self, symbol: str, exposure: Exposure | None = None) -> float:
        spec = self.market.spec(symbol)
        exp = exposure or self.exposure(symbol)
        bid, ask = self.market.quote(symbol)
        raw = 0.0
        if exp.buys.lots:
            raw += raw_profit(spec, C.ORDER_TYPE_BUY, exp.buys.lots, exp.buys.price, bid)
        if exp.sells.lots:
            raw += raw_profit(spec, C.ORDER_TYPE_SELL, exp.sells.lots, exp.sells.price, ask)
        return self.market.to_account(raw, spec.currency_profit)

    def symbol_margin(self, symbol: str, exposure: Exposure | None = None) -> float:
        spec = self.market.spec(symbol)
        exp = exposure or self.exposure(symbol)
        if not exp.buys.lots and not exp.sells.lots:
            return 0.0
        raw = hedged_margin(spec, exp.buys, exp.sells, self.book.account.leverage, self.hedging)
        return self.market.to_account(raw, spec.currency_margin)

    def margin(self) -> float:
        return sum((self.symbol_margin(s) for s in self.symbols()), 0.0)

    def floating(self) -> float:
        """Floating profit of all positions, without swap."""
        return sum((self.symbol_profit(s) for s in self.symbols()), 0.0)

    def swaps(self) -> float:
        return sum((self.exposure(s).swap for s in self.symbols()), 0.0)

    def figures(self, extra_margin: float = 0.0) -> AccountFigures:
        """Balance, equity, margin and the rest as `account_info()` reports them."""
        acc = self.book.account
        profit = self.floating()
        equity = acc.balance + acc.credit + profit + self.swaps()
        margin = self.margin() + extra_margin
        level = equity / margin * 100 if margin > 0 else 0.0
        return AccountFigures(
            balance=round(acc.balance, 2),
            credit=round(acc.credit, 2),
            profit=round(profit, 2),
            equity=round(equity, 2),
            margin=round(margin, 2),
            margin_free=round(equity - margin, 2),
            margin_level=round(level, 2),
        )

    def margin_with(self, symbol: str, buy: bool, lots: float, price: float) -> float:
        """The account margin if one more position of `lots` at `price` were open (order_check, NO_MONEY)."""
        exp = self.exposure(symbol)
        side = exp.buys if buy else exp.sells
        total = side.lots + lots
        grown = SideExposure(total, (side.lots * side.price + lots * price) / total)
        changed = Exposure(grown, exp.sells, exp.swap) if buy else Exposure(exp.buys, grown, exp.swap)
        if not self.hedging and (exp.sells.lots if buy else exp.buys.lots):
            # Netting: an opposite deal reduces or reverses the one position; margin falls or rebuilds.
            other = exp.sells if buy else exp.buys
            net = lots - other.lots
            new_side = SideExposure(abs(net), price if net > 0 else other.price)
            empty = SideExposure()
            if net >= 0:
                changed = Exposure(new_side, empty, exp.swap) if buy else Exposure(empty, new_side, exp.swap)
            else:
                changed = Exposure(empty, new_side, exp.swap) if buy else Exposure(new_side, empty, exp.swap)
        return self.margin() - self.symbol_margin(symbol) + self.symbol_margin(symbol, changed)
