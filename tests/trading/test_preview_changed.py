"""One re-check at execution (issue 11, point 3): `execute(expected=preview)` takes the preview once more and
refuses with `PreviewChanged`, carrying the fresh preview, when a price moved beyond the deviation or the
plan changed. Nothing is sent, and the request id stays free for the fresh preview."""

from __future__ import annotations

import pytest

from mt5bridge.common.errors import ErrorKind
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import PreviewChanged
from mt5bridge.trading.models import CloseRequest, OpenRequest
from mt5bridge.trading.planner import CLOSE_DEVIATION, deviation_of
from mt5bridge.trading.recheck import change_of
from mt5bridge.trading.selectors import Selector
from storage.models import Outcome
from tests.trading.conftest import ACTOR, Core

BUY = PositionSide.BUY
GOLD_POINT = 0.01


async def test_an_open_whose_price_moved_beyond_its_deviation_is_not_sent(core: Core) -> None:
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01, deviation=10)
    seen = await core.service.preview(req)
    core.sim.set_price("XAUUSD.m", 2001.00, 2001.20)  # 100 points
    with pytest.raises(PreviewChanged) as changed:
        await core.service.execute(req, ACTOR, request_id="moved-1", expected=seen)
    assert changed.value.reason == "price_moved" and changed.value.kind is ErrorKind.CONFLICT
    assert changed.value.code == "preview_changed"
    assert changed.value.fresh.price == pytest.approx(2001.20)
    assert changed.value.details()["preview"] == changed.value.fresh.model_dump(mode="json")
    assert core.sim.positions_total() == 0
    (entry,) = await core.db.audit.for_request("moved-1")
    assert (entry.outcome, entry.error_code) == (Outcome.REFUSED, "preview_changed")
    # not the id's final answer: the same id runs once the caller confirms the fresh preview
    result = await core.service.execute(req, ACTOR, request_id="moved-1", expected=changed.value.fresh)
    assert result.ok and not result.replayed and core.sim.positions_total() == 1


async def test_a_move_within_the_deviation_is_sent(core: Core) -> None:
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01, deviation=10)
    seen = await core.service.preview(req)
    core.sim.set_price("XAUUSD.m", 2000.10, 2000.30)  # exactly 10 points
    result = await core.service.execute(req, ACTOR, expected=seen)
    assert result.ok and core.sim.positions_total() == 1


async def test_a_close_whose_price_moved_beyond_the_planners_deviation_is_not_sent(core: Core) -> None:
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.02), ACTOR)
    req = CloseRequest(symbol="XAUUSD", volume=0.01)
    seen = await core.service.preview(req)
    moved = 2000.00 - (CLOSE_DEVIATION + 1) * GOLD_POINT
    core.sim.set_price("XAUUSD.m", moved, moved + 0.20)
    with pytest.raises(PreviewChanged) as changed:
        await core.service.execute(req, ACTOR, expected=seen)
    assert changed.value.reason == "price_moved"
    assert changed.value.fresh.legs[0].price == pytest.approx(moved)
    assert [p.volume for p in core.sim.positions_get() or ()] == [pytest.approx(0.02)]


async def test_a_changed_plan_is_not_sent_and_carries_the_new_legs(core: Core) -> None:
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), ACTOR)
    req = CloseRequest(symbol="XAUUSD", selector=Selector.ALL)
    seen = await core.service.preview(req)
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), ACTOR)
    with pytest.raises(PreviewChanged) as changed:
        await core.service.execute(req, ACTOR, expected=seen)
    assert changed.value.reason == "plan_changed"
    assert len(seen.legs) == 1 and len(changed.value.fresh.legs) == 2
    assert core.sim.positions_total() == 2


async def test_change_of_is_pure_and_puts_a_moved_price_first(core: Core) -> None:
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
    req = OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01, deviation=5)
    seen = await core.service.preview(req)
    points = {"XAUUSD.m": GOLD_POINT}
    assert change_of(seen, seen, points, deviation_of(req)) is None
    later = seen.model_copy(update={"price": 2000.26, "volume": 0.02})
    assert change_of(seen, later, points, deviation_of(req)) == "price_moved"
    assert change_of(seen, later, points, 10) is None  # the legs are the same: volume is read from them
    assert deviation_of(CloseRequest(symbol="XAUUSD")) == CLOSE_DEVIATION
