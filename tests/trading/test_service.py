"""TradingService end to end: previews, opens, selector closes, modify, cancel, idempotency, audit."""

from __future__ import annotations

import asyncio

import pytest

from mt5bridge.common.roles import Role
from mt5bridge.terminal.errors import TradeRejected
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import Forbidden, IdempotencyConflict, InvalidOrder, TradingError, UnknownSymbol
from mt5bridge.trading.models import CancelRequest, CloseRequest, ModifyRequest, OpenRequest, OrderKind
from mt5bridge.trading.selectors import AmbiguousSelection, Selector
from storage.models import Outcome
from tests.trading.conftest import ACTOR, Core

BUY, SELL = PositionSide.BUY, PositionSide.SELL


async def open_(core: Core, symbol: str, side: PositionSide, volume: float, **kw: object) -> int:
    result = await core.service.execute(OpenRequest(symbol=symbol, side=side, volume=volume, **kw), ACTOR)
    assert result.ok, result
    return result.outcomes[0].order


async def test_preview_of_an_open_resolves_the_broker_symbol_and_sends_nothing(core: Core) -> None:
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.12)
    preview = await core.service.preview(OpenRequest(symbol="xauusd", side=BUY, volume=0.5))
    assert preview.symbol == "XAUUSD.m"
    assert preview.price == pytest.approx(2000.12)
    assert preview.margin == pytest.approx(1000.06)
    assert preview.free_margin_after == pytest.approx(10000 - 1000.06)  # order_check: equity - margin
    assert preview.legs[0].request["type_filling"] in (0, 1)
    assert core.sim.positions_total() == 0


async def test_open_market_with_stops_and_audit(core: Core) -> None:
    core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    ticket = await open_(core, "EURUSD", BUY, 0.1, sl=1.095, tp=1.105, magic=7)
    (pos,) = core.sim.positions_get()
    assert (pos.ticket, pos.sl, pos.tp, pos.magic) == (ticket, 1.095, 1.105, 7)
    assert pos.comment.startswith("mb:")
    (entry,) = await core.db.audit.recent(limit=5)
    assert (entry.action, entry.outcome, entry.user_id) == ("open", "ok", "alice")
    assert ticket in entry.tickets
    assert entry.preview is not None and entry.preview["symbol"] == "EURUSD.m"


@pytest.mark.parametrize(
    ("request_kwargs", "code"),
    [
        ({"symbol": "EURUSD", "volume": 0.015}, "invalid_volume"),
        ({"symbol": "EURUSD", "volume": 0.001}, "invalid_volume"),
        ({"symbol": "EURUSD", "volume": 0.1, "sl": 1.1234567}, "invalid_price"),
        ({"symbol": "EURUSD", "volume": 0.1, "order_type": OrderKind.LIMIT}, "price_required"),
    ],
)
async def test_bad_opens_are_refused_and_change_nothing(core: Core, request_kwargs: dict, code: str) -> None:
    with pytest.raises(InvalidOrder) as refused:
        await core.service.execute(OpenRequest(side=BUY, **request_kwargs), ACTOR)
    assert refused.value.code == code
    assert core.sim.positions_total() == 0
    assert core.sim.orders_total() == 0
    (entry,) = await core.db.audit.recent(limit=5)
    assert (entry.outcome, entry.error_code) == ("refused", code)


async def test_unknown_symbol_and_wrong_side_stop(core: Core) -> None:
    with pytest.raises(UnknownSymbol):
        await core.service.execute(OpenRequest(symbol="NOPE", side=BUY, volume=0.1), ACTOR)
    core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    with pytest.raises(TradeRejected) as rejected:
        await core.service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, sl=1.2), ACTOR)
    assert rejected.value.mt5_code == 10016
    assert core.sim.positions_total() == 0


async def test_pending_without_type_picks_limit_or_stop(core: Core) -> None:
    core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    below = OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, order_type=OrderKind.PENDING, price=1.09)
    above = OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, order_type=OrderKind.PENDING, price=1.11)
    await core.service.execute(below, ACTOR)
    await core.service.execute(above, ACTOR)
    kinds = sorted(o.type for o in core.sim.orders_get())
    assert kinds == [core.sim.ORDER_TYPE_BUY_LIMIT, core.sim.ORDER_TYPE_BUY_STOP]


async def test_partial_close_by_volume_takes_the_earliest_positions_first(core: Core) -> None:
    first = await open_(core, "XAUUSD", BUY, 0.02)
    core.sim.advance(60)
    second = await open_(core, "XAUUSD", BUY, 0.03)
    result = await core.service.execute(CloseRequest(symbol="XAUUSD", volume=0.03), ACTOR)
    assert result.ok
    left = {p.ticket: p.volume for p in core.sim.positions_get()}
    assert left == {second: pytest.approx(0.02)}
    assert [o.ticket for o in result.outcomes] == [first, second]


async def test_close_earliest_and_all_of_a_symbol(core: Core) -> None:
    tickets = [await open_(core, "XAUUSD", side, 0.01) for side in (BUY, SELL, BUY)]
    await open_(core, "EURUSD", BUY, 0.01)
    result = await core.service.execute(CloseRequest(symbol="XAUUSD", selector=Selector.EARLIEST), ACTOR)
    assert [o.ticket for o in result.outcomes] == [tickets[0]]
    everything = await core.service.execute(CloseRequest(symbol="XAUUSD", selector=Selector.ALL), ACTOR)
    assert everything.ok
    assert [o.ticket for o in everything.outcomes] == tickets[1:]
    assert [p.symbol for p in core.sim.positions_get()] == ["EURUSD.m"]


async def test_ambiguous_close_lists_candidates(core: Core) -> None:
    await open_(core, "XAUUSD", BUY, 0.01)
    await open_(core, "XAUUSD", BUY, 0.02)
    with pytest.raises(AmbiguousSelection) as ambiguous:
        await core.service.preview(CloseRequest(symbol="XAUUSD"))
    assert len(ambiguous.value.candidates) == 2
    assert core.sim.positions_total() == 2


async def test_netting_partial_close(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.trading.conftest import make_core

    core = await make_core(tmp_path, margin_mode="netting")
    try:
        await open_(core, "EURUSD", BUY, 0.3)
        result = await core.service.execute(CloseRequest(symbol="EURUSD", volume=0.1), ACTOR)
        assert result.ok
        (pos,) = core.sim.positions_get()
        assert pos.volume == pytest.approx(0.2)
    finally:
        await core.db.close()
        await core.client.close()


async def test_modify_sl_tp_by_ticket_and_remove_with_zero(core: Core) -> None:
    core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    ticket = await open_(core, "EURUSD", BUY, 0.1, sl=1.09, tp=1.11)
    await core.service.execute(ModifyRequest(ticket=ticket, sl=1.095), ACTOR)
    pos = core.sim.positions_get(ticket=ticket)[0]
    assert (pos.sl, pos.tp) == (1.095, 1.11)
    await core.service.execute(ModifyRequest(ticket=ticket, tp=0), ACTOR)
    assert core.sim.positions_get(ticket=ticket)[0].tp == 0.0
    with pytest.raises(InvalidOrder):
        await core.service.execute(ModifyRequest(ticket=ticket, tp=0), ACTOR)


async def test_modify_and_cancel_pending_orders(core: Core) -> None:
    core.sim.set_price("EURUSD.m", 1.10000, 1.10002)
    limit = OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, order_type=OrderKind.LIMIT, price=1.09)
    order = (await core.service.execute(limit, ACTOR)).outcomes[0].order
    await core.service.execute(ModifyRequest(ticket=order, price=1.085), ACTOR)
    assert core.sim.orders_get(ticket=order)[0].price_open == 1.085
    await core.service.execute(
        OpenRequest(symbol="XAUUSD", side=SELL, volume=0.1, order_type=OrderKind.LIMIT, price=9999.0), ACTOR
    )
    result = await core.service.execute(CancelRequest(all=True), ACTOR)
    assert result.ok
    assert len(result.outcomes) == 2
    assert core.sim.orders_total() == 0


async def test_same_request_id_executes_once(core: Core) -> None:
    req = OpenRequest(symbol="EURUSD", side=BUY, volume=0.1)
    first = await core.service.execute(req, ACTOR, request_id="rid-1")
    again = await core.service.execute(req, ACTOR, request_id="rid-1")
    assert again.replayed and not first.replayed
    assert again.outcomes == first.outcomes
    assert core.sim.positions_total() == 1
    with pytest.raises(IdempotencyConflict):
        await core.service.execute(
            OpenRequest(symbol="EURUSD", side=SELL, volume=0.1), ACTOR, request_id="rid-1"
        )


async def test_concurrent_duplicates_execute_once(core: Core) -> None:
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01)
    results = await asyncio.gather(
        *(core.service.execute(req, ACTOR, request_id="dup") for _ in range(10)), return_exceptions=True
    )
    assert core.sim.positions_total() == 1
    executed = [r for r in results if not isinstance(r, Exception) and not r.replayed]
    assert len(executed) == 1
    for r in results:
        assert not isinstance(r, Exception) or getattr(r, "code", "") == "request_in_progress"


async def test_changed_plan_is_not_executed(core: Core) -> None:
    await open_(core, "XAUUSD", BUY, 0.01)
    req = CloseRequest(symbol="XAUUSD", selector=Selector.ALL)
    preview = await core.service.preview(req)
    await open_(core, "XAUUSD", BUY, 0.01)
    with pytest.raises(TradingError) as changed:
        await core.service.execute(req, ACTOR, expected=preview)
    assert changed.value.code == "preview_changed"
    assert core.sim.positions_total() == 2


async def test_trades_fail_fast_while_the_heartbeat_says_disconnected(core: Core) -> None:
    from mt5bridge.terminal.errors import TerminalUnavailable
    from mt5bridge.terminal.heartbeat import Heartbeat, LinkState
    from mt5bridge.terminal.settings import MT5Settings
    from mt5bridge.trading.events import BusLinkListener, EventBus
    from mt5bridge.trading.service import TradingService
    from mt5bridge.trading.settings import RiskSettings

    heartbeat = Heartbeat(core.client, BusLinkListener(EventBus()), MT5Settings())
    assert await heartbeat.check_once()
    service = TradingService(core.client, core.db, RiskSettings(max_daily_loss=0), heartbeat=heartbeat)
    core.sim.disconnect()
    assert not await heartbeat.check_once()
    core.sim.reconnect()  # the terminal is back, but nobody has confirmed it yet
    assert heartbeat.state is not LinkState.CONNECTED
    with pytest.raises(TerminalUnavailable) as down:
        await service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
    assert down.value.code == "terminal_disconnected"
    assert core.sim.positions_total() == 0
    (entry,) = await core.db.audit.recent()
    assert entry.error_code == "terminal_disconnected"


async def test_trader_comment_is_kept_after_the_order_tag(core: Core) -> None:
    ticket = await open_(core, "EURUSD", BUY, 0.1, comment="scalp 1")
    (pos,) = core.sim.positions_get(ticket=ticket)
    assert pos.comment.startswith("mb:")
    assert pos.comment.endswith(" scalp 1")
    assert len(pos.comment) <= 31
    with pytest.raises(ValueError, match="comment"):
        OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, comment="x" * 17)
    with pytest.raises(ValueError, match="comment"):
        OpenRequest(symbol="EURUSD", side=BUY, volume=0.1, comment="止损")


async def test_traders_names_resolve_to_the_broker_symbol(core: Core) -> None:
    from mt5bridge.trading.resolve import SymbolResolver
    from nlu.lexicon import lexicon

    plain = SymbolResolver(core.client)
    assert (await plain.resolve("gold")).name == "XAUUSD.m"  # a broker synonym, read backwards
    with pytest.raises(UnknownSymbol):
        await plain.resolve("黄金")
    with_aliases = SymbolResolver(core.client, lexicon(None).resolve)
    assert (await with_aliases.resolve("黄金")).name == "XAUUSD.m"
    assert (await with_aliases.resolve("纳指")).name == "NAS100.m"


@pytest.mark.parametrize("action", ["open", "close"])
async def test_the_core_refuses_a_viewer_on_its_own_and_audits_it(core: Core, action: str) -> None:
    ticket = await open_(core, "XAUUSD", BUY, 0.02)
    request = (
        OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01)
        if action == "open"
        else CloseRequest(ticket=ticket)
    )
    viewer = ACTOR.model_copy(update={"role": Role.VIEWER})
    with pytest.raises(Forbidden) as refused:
        await core.service.execute(request, viewer, request_id=f"v-{action}")
    assert refused.value.code == "forbidden_role"
    assert [p.ticket for p in core.sim.positions_get()] == [ticket]
    [entry] = await core.db.audit.for_request(f"v-{action}")
    assert (entry.outcome, entry.role, entry.error_code) == (Outcome.DENIED, "viewer", "forbidden_role")
    # Nothing was claimed: the same id from a trader then runs.
    await core.service.execute(request, ACTOR, request_id=f"v-{action}")
