"""The trading core on its own refuses absurd numbers as InvalidOrder/SelectionError, never an
OverflowError or ValueError: the chat reaches it without the API's schemas (issue 10, point 3).

NaN and infinity are refused when the request is built (ValidationError); finite absurdities such as
1e308 reach the grid arithmetic, which refuses them."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from mt5bridge.terminal.models import PositionSide, SymbolSpec
from mt5bridge.trading import orders as O
from mt5bridge.trading.errors import InvalidOrder, TradingError
from mt5bridge.trading.models import CloseRequest, ModifyRequest, OpenRequest, OrderKind
from mt5bridge.trading.selectors import SelectionError
from tests.trading.conftest import ACTOR, Core

BUY = PositionSide.BUY
REFUSED = (TradingError, SelectionError, ValidationError)  # a risk rule may refuse first
ABSURD = [1e308, -1e308, math.inf, -math.inf, math.nan]
TINY = 5e-324


async def _spec(core: Core, symbol: str = "XAUUSD") -> SymbolSpec:
    return await core.client.symbol(symbol + ".m")


async def test_price_and_volume_checks_refuse_what_they_cannot_place(core: Core) -> None:
    spec = await _spec(core)
    for value in [*ABSURD, TINY, 1e20]:
        with pytest.raises(InvalidOrder) as refused:
            O.normalize_price(spec, value, "SL")
        assert refused.value.code == "invalid_price"
        with pytest.raises(InvalidOrder) as refused:
            O.check_volume(spec, value)
        assert refused.value.code == "invalid_volume"
    assert O.normalize_price(spec, 2000.5, "SL") == 2000.5  # still fine on the grid
    O.check_volume(spec, 0.01)


@pytest.mark.parametrize("field", ["sl", "tp", "price", "volume"])
@pytest.mark.parametrize("value", [1e308, math.inf, math.nan, TINY])
async def test_open_with_absurd_numbers_is_refused(core: Core, field: str, value: float) -> None:
    request = {"symbol": "XAUUSD", "side": BUY, "volume": 0.01, field: value}
    if field == "price":
        request["order_type"] = OrderKind.LIMIT
    with pytest.raises(REFUSED):
        await core.service.execute(OpenRequest(**request), ACTOR)  # type: ignore[arg-type]
    assert core.sim.positions_get() == () and core.sim.orders_get() == ()


async def test_modify_and_close_with_absurd_numbers_are_refused(core: Core) -> None:
    await core.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.02), ACTOR)
    [position] = core.sim.positions_get()
    for value in (1e308, math.inf, math.nan, TINY):
        with pytest.raises(REFUSED):
            await core.service.execute(ModifyRequest(ticket=position.ticket, sl=value), ACTOR)
        with pytest.raises(REFUSED):
            await core.service.execute(CloseRequest(ticket=position.ticket, volume=value), ACTOR)
        with pytest.raises(REFUSED):
            await core.service.execute(CloseRequest(symbol="XAUUSD", volume=value), ACTOR)
    [still] = core.sim.positions_get()
    assert (still.ticket, still.volume, still.sl) == (position.ticket, position.volume, 0.0)
