"""Closing a share of what is held (`CloseRequest.fraction`): the rounding onto the volume grid, FIFO legs,
the preview's echo, the refusals, and the re-check at confirmation."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import PreviewChanged
from mt5bridge.trading.models import CloseRequest, OpenRequest
from mt5bridge.trading.selectors import (
    CloseFilter,
    SelectionCode,
    SelectionError,
    Selector,
    VolumeRule,
    plan_close,
)
from tests.trading.conftest import ACTOR, Core
from tests.trading_logic.builders import T0, position

BUY, SELL = PositionSide.BUY, PositionSide.SELL
CENT = {"XAUUSD": VolumeRule(volume_min=0.01, volume_step=0.01, volume_max=100.0)}
TENTH = {"NAS100": VolumeRule(volume_min=0.1, volume_step=0.1, volume_max=500.0)}


async def open_(core: Core, symbol: str, side: PositionSide, volume: float) -> int:
    result = await core.service.execute(OpenRequest(symbol=symbol, side=side, volume=volume), ACTOR)
    assert result.ok, result
    return result.outcomes[0].order


def _book(core: Core) -> list[tuple[int, str, float]]:
    return sorted((p.ticket, p.symbol, p.volume) for p in core.sim.positions_get() or ())


# --- the rounding rule, on plain data ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("held", "fraction", "closed"),
    [
        ([0.10, 0.20], 0.5, [0.10, 0.05]),  # 15 of 30 steps, FIFO: the oldest whole, then part
        ([0.30], 0.5, [0.15]),
        ([0.03], 0.5, [0.02]),  # 1.5 steps rounds half up to 2
        ([0.05], 0.5, [0.03]),  # 2.5 steps -> 3: half up, not to even
        ([0.07], 1 / 3, [0.02]),  # 2.33 steps -> 2
        ([0.30], 0.35, [0.11]),  # 10.5 steps (10.499999999999998 in floats) still rounds up
        ([0.30], 0.001, [0.01]),  # 0.03 steps would be 0: at least volume_min
        ([0.01], 0.5, [0.01]),  # half a step rounds up to the whole (only) position
        ([0.10, 0.20], 1.0, [0.10, 0.20]),  # everything
    ],
)
def test_a_fraction_is_rounded_half_up_to_the_step_then_taken_fifo(
    held: list[float], fraction: float, closed: list[float]
) -> None:
    book = [position("XAUUSD", BUY, v, ticket=i + 1, at=T0 + i) for i, v in enumerate(held)]
    legs = plan_close(book, CloseFilter(symbol="XAUUSD", fraction=fraction), CENT)
    assert [leg.volume for leg in legs] == closed
    assert [leg.ticket for leg in legs] == list(range(1, len(closed) + 1))


def test_a_minimum_above_the_share_is_honoured_and_never_exceeds_what_is_held() -> None:
    book = [position("NAS100", BUY, 0.3, ticket=1)]
    (leg,) = plan_close(book, CloseFilter(symbol="NAS100", fraction=0.01), TENTH)
    assert (leg.volume, leg.full) == (0.1, False)
    (leg,) = plan_close(book, CloseFilter(symbol="NAS100", fraction=1.0), TENTH)
    assert (leg.volume, leg.full) == (0.3, True)


def test_a_fraction_across_several_symbols_is_refused() -> None:
    book = [position("XAUUSD", BUY, 0.1, ticket=1), position("NAS100", BUY, 0.3, ticket=2)]
    with pytest.raises(SelectionError) as refused:
        plan_close(book, CloseFilter(selector=Selector.ALL, fraction=0.5), {**CENT, **TENTH})
    assert refused.value.code == SelectionCode.INVALID_VOLUME
    assert "NAS100, XAUUSD" in refused.value.message


def test_a_fraction_of_several_matches_is_not_ambiguous_but_a_selector_still_picks() -> None:
    book = [position("XAUUSD", BUY, 0.1, ticket=1, at=T0), position("XAUUSD", BUY, 0.2, ticket=2, at=T0 + 1)]
    latest = plan_close(book, CloseFilter(symbol="XAUUSD", selector=Selector.LATEST, fraction=0.5), CENT)
    assert [(leg.ticket, leg.volume) for leg in latest] == [(2, 0.1)]
    one = plan_close(book, CloseFilter(ticket=1, fraction=0.5), CENT)
    assert [(leg.ticket, leg.volume) for leg in one] == [(1, 0.05)]


# --- the request model ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", [0.0, 1.5, math.nan, 1e308, -0.5, math.inf, -math.inf])
def test_a_fraction_outside_0_to_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValidationError, match="fraction"):
        CloseRequest(symbol="XAUUSD", fraction=fraction)


def test_a_fraction_and_a_volume_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="a volume or a fraction, not both"):
        CloseRequest(symbol="XAUUSD", volume=0.1, fraction=0.5)


# --- through the trading core and the simulator -----------------------------------------------------
async def test_half_of_two_gold_positions_closes_the_oldest_and_part_of_the_next(core: Core) -> None:
    first = await open_(core, "XAUUSD", BUY, 0.10)
    second = await open_(core, "XAUUSD", BUY, 0.20)
    other = await open_(core, "EURUSD", BUY, 0.10)
    req = CloseRequest(symbol="XAUUSD", fraction=0.5)
    preview = await core.service.preview(req)
    assert (preview.fraction, preview.held_volume, preview.volume) == (0.5, 0.3, 0.15)
    assert [(leg.ticket, leg.volume) for leg in preview.legs] == [(first, 0.10), (second, 0.05)]
    result = await core.service.execute(req, ACTOR)
    assert result.ok and result.preview.fraction == 0.5
    assert _book(core) == sorted([(second, "XAUUSD.m", 0.15), (other, "EURUSD.m", 0.1)])


async def test_fraction_one_closes_everything_selected(core: Core) -> None:
    await open_(core, "XAUUSD", SELL, 0.10)
    await open_(core, "XAUUSD", SELL, 0.07)
    keep = await open_(core, "XAUUSD", BUY, 0.05)
    result = await core.service.execute(CloseRequest(symbol="XAUUSD", side=SELL, fraction=1.0), ACTOR)
    assert result.ok and result.preview.volume == 0.17
    assert _book(core) == [(keep, "XAUUSD.m", 0.05)]


async def test_an_odd_share_rounds_half_up_and_a_tiny_one_closes_the_minimum(core: Core) -> None:
    ticket = await open_(core, "XAUUSD", BUY, 0.03)
    assert (await core.service.execute(CloseRequest(ticket=ticket, fraction=0.5), ACTOR)).ok
    assert _book(core) == [(ticket, "XAUUSD.m", 0.01)]
    big = await open_(core, "EURUSD", BUY, 0.30)
    tiny = await core.service.execute(CloseRequest(symbol="EURUSD", fraction=1e-9), ACTOR)
    assert tiny.ok and tiny.preview.volume == 0.01
    assert _book(core) == [(ticket, "XAUUSD.m", 0.01), (big, "EURUSD.m", 0.29)]


async def test_a_fraction_of_every_symbol_is_refused_and_nothing_changes(core: Core) -> None:
    await open_(core, "XAUUSD", BUY, 0.10)
    await open_(core, "EURUSD", BUY, 0.10)
    before = _book(core)
    with pytest.raises(SelectionError) as refused:
        await core.service.execute(CloseRequest(selector=Selector.ALL, fraction=0.5), ACTOR)
    assert refused.value.code == SelectionCode.INVALID_VOLUME
    assert _book(core) == before


async def test_a_confirmed_fraction_close_executes_and_a_changed_book_is_caught(core: Core) -> None:
    first = await open_(core, "XAUUSD", BUY, 0.10)
    second = await open_(core, "XAUUSD", BUY, 0.20)
    req = CloseRequest(symbol="XAUUSD", fraction=0.5)
    confirmed = await core.service.preview(req)
    await open_(core, "XAUUSD", BUY, 0.10)  # now half is 0.20: the plan the user saw is gone
    with pytest.raises(PreviewChanged) as changed:
        await core.service.execute(req, ACTOR, request_id="half-1", expected=confirmed)
    assert changed.value.reason == "plan_changed"
    assert changed.value.fresh.volume == 0.2 and changed.value.fresh.held_volume == 0.4
    assert len(core.sim.positions_get() or ()) == 3
    fresh = changed.value.fresh
    result = await core.service.execute(req, ACTOR, request_id="half-1", expected=fresh)
    assert result.ok
    assert [(o.ticket, o.volume) for o in result.outcomes] == [(first, 0.10), (second, 0.10)]
