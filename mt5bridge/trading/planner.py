"""Turning a trader's request into a Preview: the exact requests to send, with current prices and money.

Planning reads the terminal (quotes, positions, symbol specs, order_check) and never writes. The same
plan is shown for confirmation and then executed, so what the trader confirms is what is sent.
"""

from __future__ import annotations

import asyncio

from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import Order, Position, PositionSide, SymbolSpec
from mt5bridge.trading import orders as O
from mt5bridge.trading.errors import InvalidOrder
from mt5bridge.trading.models import (
    Action,
    CancelRequest,
    CloseRequest,
    Leg,
    ModifyRequest,
    OpenRequest,
    OrderKind,
    Preview,
)
from mt5bridge.trading.resolve import SymbolResolver
from mt5bridge.trading.selectors import (
    CloseFilter,
    Selector,
    VolumeRule,
    plan_close,
    select_positions,
    target_positions,
)

CLOSE_DEVIATION = 20  # points a closing order may slip from the previewed price


def deviation_of(req: OpenRequest | CloseRequest | ModifyRequest | CancelRequest) -> int:
    """The slippage, in points, the planned market orders of `req` allow (0 for non-market actions)."""
    if isinstance(req, OpenRequest):
        return req.deviation
    return CLOSE_DEVIATION if isinstance(req, CloseRequest) else 0


def _opposite(side: PositionSide) -> PositionSide:
    return PositionSide.SELL if side is PositionSide.BUY else PositionSide.BUY


def _level(spec: SymbolSpec, value: float | None, what: str) -> float:
    return O.normalize_price(spec, value, what) if value else 0.0


def _cancel_filters(req: CancelRequest, name: str | None) -> str:
    parts = [
        f"ticket {req.ticket}" if req.ticket is not None else "",
        f"symbol {name}" if name else "",
        f"side {req.side}" if req.side else "",
        f"{req.order_type} orders" if req.order_type else "",
        f"magic {req.magic}" if req.magic is not None else "",
    ]
    return ", ".join(p for p in parts if p) or "all"


class Planner:
    """Builds previews for open, close, modify and cancel."""

    def __init__(self, client: MT5Client, resolver: SymbolResolver) -> None:
        self.client = client
        self.resolver = resolver

    async def _currency(self) -> str:
        return (await self.client.account()).currency

    async def open(self, req: OpenRequest) -> Preview:
        spec = await self.resolver.resolve(req.symbol)
        O.check_volume(spec, req.volume)
        # Independent reads asked together: one wait for the terminal's worker instead of one each.
        tick, currency = await asyncio.gather(self.client.tick(spec.name), self._currency())
        buy = req.side is PositionSide.BUY
        sl, tp = _level(spec, req.sl, "SL"), _level(spec, req.tp, "TP")
        if req.order_type is OrderKind.MARKET:
            if req.price:
                raise InvalidOrder(
                    "price_on_market_order", "a market order takes no price; say limit or stop"
                )
            price = tick.ask if buy else tick.bid
            request = O.market_request(
                spec,
                req.side,
                req.volume,
                sl=sl,
                tp=tp,
                magic=req.magic,
                deviation=req.deviation,
                price=price,
                comment=req.comment,
            )
        else:
            if not req.price:
                raise InvalidOrder("price_required", "a pending order needs a price")
            price = O.normalize_price(spec, req.price, "price")
            kind = O.pending_type(req.side, req.order_type, price, tick.bid, tick.ask)
            request = O.pending_request(
                spec, kind, req.volume, price, sl=sl, tp=tp, magic=req.magic, comment=req.comment
            )
        check, margin = await asyncio.gather(
            self.client.order_check(request), self.client.calc_margin(req.side, spec.name, req.volume, price)
        )
        leg = Leg(
            symbol=spec.name, side=req.side, volume=req.volume, price=price, sl=sl, tp=tp, request=request
        )
        return Preview(
            action=Action.OPEN,
            symbol=spec.name,
            canonical=self.resolver.canonical(req.symbol),
            side=req.side,
            order_type=req.order_type,
            volume=req.volume,
            price=price,
            bid=tick.bid,
            ask=tick.ask,
            digits=spec.digits,
            margin=round(margin, 2),
            free_margin_after=check.margin_free,
            currency=currency,
            legs=[leg],
        )

    async def _positions(self, symbol: str | None) -> tuple[list[Position], str | None]:
        if symbol is None:
            return await self.client.positions(), None
        spec = await self.resolver.resolve(symbol)
        return await self.client.positions(symbol=spec.name), spec.name

    async def close(self, req: CloseRequest) -> Preview:
        positions, name = await self._positions(req.symbol)
        flt = CloseFilter(
            symbol=name,
            side=req.side,
            magic=req.magic,
            selector=req.selector,
            ticket=req.ticket,
            volume=req.volume,
            fraction=req.fraction,
        )
        targets = select_positions(positions, flt)
        specs = {p.symbol: await self.client.symbol(p.symbol) for p in targets}
        rules = {n: VolumeRule(s.volume_min, s.volume_step, s.volume_max) for n, s in specs.items()}
        by_ticket = {p.ticket: p for p in positions}
        legs = []
        for planned in plan_close(positions, flt, rules):
            pos, spec = by_ticket[planned.ticket], specs[planned.symbol]
            tick = await self.client.tick(pos.symbol)
            price = tick.bid if pos.side is PositionSide.BUY else tick.ask
            share = planned.volume / pos.volume
            request = O.market_request(
                spec,
                _opposite(pos.side),
                planned.volume,
                sl=0,
                tp=0,
                magic=pos.magic,
                deviation=CLOSE_DEVIATION,
                price=price,
                position=pos.ticket,
            )
            legs.append(
                Leg(
                    ticket=pos.ticket,
                    symbol=pos.symbol,
                    side=pos.side,
                    volume=planned.volume,
                    price=price,
                    price_open=pos.price_open,
                    estimated_profit=round((pos.profit + pos.swap) * share, 2),
                    request=request,
                )
            )
        preview = self._multi(Action.CLOSE, legs, await self._currency())
        if req.fraction is None:
            return preview
        held = round(sum(p.volume for p in targets), 8)
        return preview.model_copy(update={"fraction": req.fraction, "held_volume": held})

    def _multi(
        self, action: Action, legs: list[Leg], currency: str, warnings: list[str] | None = None
    ) -> Preview:
        symbols = {leg.symbol for leg in legs}
        sides = {leg.side for leg in legs}
        profits = [leg.estimated_profit for leg in legs if leg.estimated_profit is not None]
        return Preview(
            action=action,
            symbol=symbols.pop() if len(symbols) == 1 else None,
            side=sides.pop() if len(sides) == 1 else None,
            volume=round(sum(leg.volume for leg in legs), 8),
            estimated_profit=round(sum(profits), 2) if profits else None,
            currency=currency,
            legs=legs,
            warnings=warnings or [],
        )

    async def modify(self, req: ModifyRequest) -> Preview:
        if req.sl is None and req.tp is None and req.price is None:
            raise InvalidOrder("nothing_to_change", "give a new SL, TP or price (0 removes a level)")
        if req.ticket is not None:
            pending = await self.client.orders(ticket=req.ticket)
            if pending:
                spec = await self.client.symbol(pending[0].symbol)
                return self._modify_pending(pending[0], req, spec, await self._currency())
        if req.price is not None:
            raise InvalidOrder("price_on_position", "a position's open price cannot change; set SL or TP")
        positions, name = await self._positions(req.symbol)
        selector = req.selector or (Selector.TICKET if req.ticket else None)
        flt = CloseFilter(
            symbol=name, side=req.side, magic=req.magic, selector=selector, ticket=req.ticket, volume=None
        )
        legs = []
        for pos in target_positions(positions, flt):
            spec = await self.client.symbol(pos.symbol)
            sl = (pos.sl or 0.0) if req.sl is None else _level(spec, req.sl, "SL")
            tp = (pos.tp or 0.0) if req.tp is None else _level(spec, req.tp, "TP")
            if (sl, tp) != (pos.sl or 0.0, pos.tp or 0.0):
                legs.append(
                    Leg(
                        ticket=pos.ticket,
                        symbol=pos.symbol,
                        side=pos.side,
                        volume=pos.volume,
                        price_open=pos.price_open,
                        sl=sl,
                        tp=tp,
                        request=O.sltp_request(pos.symbol, pos.ticket, sl, tp),
                    )
                )
        if not legs:
            raise InvalidOrder("no_changes", "the positions already have these levels")
        return self._multi(Action.MODIFY, legs, await self._currency())

    def _modify_pending(self, order: Order, req: ModifyRequest, spec: SymbolSpec, currency: str) -> Preview:
        price = order.price_open if req.price is None else O.normalize_price(spec, req.price, "price")
        sl = (order.sl or 0.0) if req.sl is None else _level(spec, req.sl, "SL")
        tp = (order.tp or 0.0) if req.tp is None else _level(spec, req.tp, "TP")
        leg = Leg(
            ticket=order.ticket,
            symbol=order.symbol,
            volume=order.volume_current,
            price=price,
            sl=sl,
            tp=tp,
            request=O.modify_pending_request(order.ticket, price, sl, tp),
        )
        return Preview(
            action=Action.MODIFY,
            symbol=order.symbol,
            volume=order.volume_current,
            price=price,
            digits=spec.digits,
            currency=currency,
            legs=[leg],
        )

    async def cancel(self, req: CancelRequest) -> Preview:
        if req.ticket is None and req.symbol is None and not req.all:
            raise InvalidOrder("cancel_what", "give a ticket, a symbol, or all")
        name = (await self.resolver.resolve(req.symbol)).name if req.symbol else None
        found = (
            await self.client.orders(ticket=req.ticket)
            if req.ticket
            else await self.client.orders(symbol=name)
        )
        found = [
            o
            for o in found
            if O.pending_matches(o.type, req.side, req.order_type)
            and (req.magic is None or o.magic == req.magic)
        ]
        if not found:
            raise InvalidOrder("no_orders", f"no pending order matches ({_cancel_filters(req, name)})")
        legs = [
            Leg(
                ticket=o.ticket,
                symbol=o.symbol,
                volume=o.volume_current,
                price=o.price_open,
                request=O.remove_request(o.ticket),
            )
            for o in found
        ]
        return self._multi(Action.CANCEL, legs, await self._currency())
