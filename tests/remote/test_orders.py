"""Previews and orders through `RemoteTrading` on a real bridge: one position per request id, replays,
PreviewChanged round trips, and an answer lost on the way back (a proxy drops it) settled by a retry with
the same id, never by a second order."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from mt5bridge.remote import BridgeOutcomeUnknown, BridgeUnreachable, RemoteTrading
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import IdempotencyConflict, PreviewChanged
from mt5bridge.trading.models import Action, CloseRequest, ModifyRequest, OpenRequest
from mt5bridge.trading.selectors import AmbiguousSelection, Selector
from tests.api.conftest import Api
from tests.api.rest_helpers import market
from tests.remote.conftest import ADMIN, core_of, settings_of
from tests.remote.proxy import LossyProxy

BUY = OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01)


@asynccontextmanager
async def through_proxy(bridge: Api, **settings: Any) -> AsyncIterator[tuple[LossyProxy, RemoteTrading]]:
    """A client of `bridge` through a proxy that can lose or hold the bridge's answers; both closed after."""
    proxy = LossyProxy(int(bridge.url.rsplit(":", 1)[1]))
    await proxy.start()
    remote = RemoteTrading(settings_of(proxy.url, **settings))
    try:
        yield proxy, remote
    finally:
        await remote.close()
        await proxy.close()


async def test_preview_then_execute_opens_exactly_one_position(bridge: Api, remote: RemoteTrading) -> None:
    preview = await remote.preview(BUY)
    assert preview == await core_of(bridge).preview(BUY)
    assert bridge.sim.positions_total() == 0  # a preview sends nothing
    result = await remote.execute(BUY, ADMIN, request_id="front-1", expected=preview)
    assert result.ok and not result.replayed and result.request_id == "front-1"
    assert result.action is Action.OPEN and len(result.outcomes) == 1
    (position,) = await remote.positions()
    assert position.ticket == result.outcomes[0].order
    assert bridge.sim.positions_total() == 1


async def test_the_same_id_twice_opens_one_position_and_replays_the_first_answer(
    bridge: Api, remote: RemoteTrading
) -> None:
    first = await remote.execute(BUY, ADMIN, request_id="twice")
    second = await remote.execute(BUY, ADMIN, request_id="twice")
    assert second.replayed and not first.replayed
    assert second.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert bridge.sim.positions_total() == 1
    with pytest.raises(IdempotencyConflict) as conflict:  # the same id for another order
        await remote.execute(BUY.model_copy(update={"volume": 0.02}), ADMIN, request_id="twice")
    assert conflict.value.code == "idempotency_conflict"
    assert bridge.sim.positions_total() == 1


async def test_a_moved_price_is_preview_changed_and_the_fresh_preview_goes_through(
    bridge: Api, remote: RemoteTrading
) -> None:
    bridge.sim.set_price("XAUUSD", 2000.00, 2000.20)
    seen = await remote.preview(BUY)
    bridge.sim.set_price("XAUUSD", 2001.00, 2001.20)  # 100 points; the deviation is 10
    with pytest.raises(PreviewChanged) as changed:
        await remote.execute(BUY, ADMIN, request_id="agreed", expected=seen)
    assert changed.value.reason == "price_moved" and changed.value.fresh.price == 2001.20
    assert bridge.sim.positions_total() == 0
    done = await remote.execute(BUY, ADMIN, request_id="agreed", expected=changed.value.fresh)
    assert done.ok and not done.replayed and bridge.sim.positions_total() == 1


async def test_a_changed_plan_is_preview_changed_with_the_new_legs(
    bridge: Api, remote: RemoteTrading
) -> None:
    first = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    close_all = CloseRequest(symbol="XAUUSD", selector=Selector.ALL)
    seen = await remote.preview(close_all)
    second = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    with pytest.raises(PreviewChanged) as changed:
        await remote.execute(close_all, ADMIN, expected=seen)
    assert changed.value.reason == "plan_changed"
    assert [leg.ticket for leg in changed.value.fresh.legs] == [first, second]
    assert bridge.sim.positions_total() == 2


async def test_a_lost_answer_is_outcome_unknown_and_the_same_id_learns_it(bridge: Api) -> None:
    async with through_proxy(bridge) as (proxy, remote):
        proxy.drop_answers = True
        with pytest.raises(BridgeOutcomeUnknown) as lost:
            await remote.execute(BUY, ADMIN, request_id="lost-1")
        assert proxy.dropped >= 1
        assert lost.value.request_id == "lost-1" and lost.value.code == "order_outcome_unknown"
        assert bridge.sim.positions_total() == 1  # it did reach the bridge
        proxy.drop_answers = False
        again = await remote.execute(BUY, ADMIN, request_id="lost-1")
        assert again.ok and again.replayed  # the stored result, not a second order
        assert bridge.sim.positions_total() == 1
        (position,) = await remote.positions()
        assert position.ticket == again.outcomes[0].order


async def test_an_answer_that_never_comes_is_outcome_unknown_after_the_timeout(bridge: Api) -> None:
    async with through_proxy(bridge, read_timeout=1.0) as (proxy, remote):
        proxy.hold_answers = True
        with pytest.raises(BridgeOutcomeUnknown) as lost:
            await remote.execute(BUY, ADMIN, request_id="slow-1")
        assert lost.value.request_id == "slow-1" and proxy.dropped >= 1
        proxy.hold_answers = False
        again = await remote.execute(BUY, ADMIN, request_id="slow-1")
        assert again.ok and again.replayed and bridge.sim.positions_total() == 1


async def test_without_an_id_a_lost_answer_still_names_the_id_it_went_under(bridge: Api) -> None:
    async with through_proxy(bridge) as (proxy, remote):
        proxy.drop_answers = True
        with pytest.raises(BridgeOutcomeUnknown) as lost:
            await remote.execute(BUY, ADMIN)
        proxy.drop_answers = False
        again = await remote.execute(BUY, ADMIN, request_id=lost.value.request_id)
        assert again.replayed and bridge.sim.positions_total() == 1


async def test_a_bridge_nobody_listens_on_is_unreachable_and_nothing_was_sent() -> None:
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    remote = RemoteTrading(settings_of(f"http://127.0.0.1:{port}", name="gone"))
    try:
        with pytest.raises(BridgeUnreachable) as down:
            await remote.execute(BUY, ADMIN, request_id="never")
        assert down.value.code == "bridge_unreachable" and "gone" in down.value.message
        with pytest.raises(BridgeUnreachable):
            await remote.account()
    finally:
        await remote.close()


async def test_a_modify_by_selector_goes_to_the_one_position_the_core_would_pick(
    bridge: Api, remote: RemoteTrading
) -> None:
    older = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.01)
    newer = market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.02)
    tick = await remote.quote("XAUUSD")
    sl = round(tick.bid - 50, 2)
    latest = ModifyRequest(symbol="gold", selector=Selector.LATEST, sl=sl)
    preview = await remote.preview(latest)
    assert preview == await core_of(bridge).preview(latest)
    assert [leg.ticket for leg in preview.legs] == [newer]
    done = await remote.execute(latest, ADMIN, expected=preview)
    assert done.ok
    levels = {p.ticket: p.sl for p in await remote.positions()}
    assert levels == {older: None, newer: sl}
    with pytest.raises(AmbiguousSelection) as which:  # no selector: ask, as the core asks
        await remote.preview(ModifyRequest(symbol="XAUUSD", sl=sl))
    assert [p.ticket for p in which.value.candidates] == [older, newer]
