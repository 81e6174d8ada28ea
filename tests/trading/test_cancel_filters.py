"""Cancelling pending orders by side, kind and magic (`CancelRequest.side/order_type/magic`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import InvalidOrder
from mt5bridge.trading.models import CancelRequest, OpenRequest, OrderKind
from tests.trading.conftest import ACTOR, Core

BUY, SELL = PositionSide.BUY, PositionSide.SELL
LIMIT, STOP = OrderKind.LIMIT, OrderKind.STOP


async def pending(
    core: Core, symbol: str, side: PositionSide, kind: OrderKind, price: float, magic: int = 0
) -> int:
    req = OpenRequest(symbol=symbol, side=side, volume=0.1, order_type=kind, price=price, magic=magic)
    result = await core.service.execute(req, ACTOR)
    assert result.ok, result
    return result.outcomes[0].order


def stop_limit(core: Core, symbol: str, price: float, stoplimit: float) -> int:
    """A buy stop-limit straight on the terminal (the core does not place them; a trader's terminal may)."""
    result = core.sim.order_send(
        {
            "action": C.TRADE_ACTION_PENDING, "symbol": symbol, "volume": 0.1,
            "type": C.ORDER_TYPE_BUY_STOP_LIMIT, "price": price, "stoplimit": stoplimit,
            "type_filling": C.ORDER_FILLING_RETURN,
        }
    )  # fmt: skip
    assert result is not None and result.retcode == C.TRADE_RETCODE_DONE, result
    return int(result.order)


def tickets(core: Core) -> set[int]:
    return {o.ticket for o in core.sim.orders_get() or ()}


@pytest.fixture
async def book(core: Core) -> dict[str, int]:
    """Silver at 30.000/30.020 and gold at 2000.00/2000.12, with pending orders of every kind."""
    core.sim.set_price("XAGUSD.m", 30.000, 30.020)
    core.sim.set_price("XAUUSD.m", 2000.00, 2000.12)
    return {
        "ag_buy_limit": await pending(core, "XAGUSD", BUY, LIMIT, 29.000),
        "ag_buy_stop": await pending(core, "XAGUSD", BUY, STOP, 31.000),
        "ag_buy_stop_ea": await pending(core, "XAGUSD", BUY, STOP, 31.500, magic=5),
        "ag_buy_stop_limit": stop_limit(core, "XAGUSD.m", 32.000, 31.900),
        "ag_sell_stop": await pending(core, "XAGUSD", SELL, STOP, 29.000),
        "ag_sell_limit": await pending(core, "XAGUSD", SELL, LIMIT, 31.000, magic=5),
        "au_buy_stop": await pending(core, "XAUUSD", BUY, STOP, 2100.00),
        "au_sell_limit": await pending(core, "XAUUSD", SELL, LIMIT, 2100.00),
    }


async def test_buy_stops_on_silver_leave_limits_sells_and_other_symbols(
    core: Core, book: dict[str, int]
) -> None:
    req = CancelRequest(symbol="XAGUSD", side=BUY, order_type=STOP)
    preview = await core.service.preview(req)
    gone = {book["ag_buy_stop"], book["ag_buy_stop_ea"], book["ag_buy_stop_limit"]}
    assert {leg.ticket for leg in preview.legs} == gone  # a stop-limit is a stop until it triggers
    result = await core.service.execute(req, ACTOR)
    assert result.ok and len(result.outcomes) == 3
    assert tickets(core) == set(book.values()) - gone


async def test_all_with_filters_means_all_that_match(core: Core, book: dict[str, int]) -> None:
    result = await core.service.execute(CancelRequest(all=True, side=SELL), ACTOR)
    assert result.ok
    sells = {book["ag_sell_stop"], book["ag_sell_limit"], book["au_sell_limit"]}
    assert tickets(core) == set(book.values()) - sells
    result = await core.service.execute(CancelRequest(all=True, order_type=LIMIT), ACTOR)
    assert {o.ticket for o in result.outcomes} == {book["ag_buy_limit"]}


async def test_magic_narrows_a_cancel(core: Core, book: dict[str, int]) -> None:
    result = await core.service.execute(CancelRequest(symbol="XAGUSD", magic=5, side=BUY), ACTOR)
    assert {o.ticket for o in result.outcomes} == {book["ag_buy_stop_ea"]}
    assert tickets(core) == set(book.values()) - {book["ag_buy_stop_ea"]}


async def test_a_ticket_must_match_the_filters_too(core: Core, book: dict[str, int]) -> None:
    with pytest.raises(InvalidOrder) as refused:
        await core.service.execute(CancelRequest(ticket=book["ag_buy_limit"], order_type=STOP), ACTOR)
    assert refused.value.code == "no_orders"
    assert tickets(core) == set(book.values())


@pytest.mark.parametrize(
    "req",
    [
        CancelRequest(symbol="XAUUSD", side=BUY, order_type=LIMIT),
        CancelRequest(symbol="EURUSD", side=BUY),
        CancelRequest(all=True, magic=77),
    ],
)
async def test_nothing_matching_is_no_orders_and_changes_nothing(
    core: Core, book: dict[str, int], req: CancelRequest
) -> None:
    with pytest.raises(InvalidOrder) as refused:
        await core.service.execute(req, ACTOR)
    assert refused.value.code == "no_orders"
    assert tickets(core) == set(book.values())


async def test_filters_alone_do_not_say_where(core: Core, book: dict[str, int]) -> None:
    with pytest.raises(InvalidOrder) as refused:
        await core.service.execute(CancelRequest(side=BUY, order_type=STOP), ACTOR)
    assert refused.value.code == "cancel_what"
    assert tickets(core) == set(book.values())


@pytest.mark.parametrize(
    "fields",
    [
        {"order_type": OrderKind.MARKET},
        {"order_type": OrderKind.PENDING},
        {"order_type": "stop_limit"},
        {"side": "long"},
        {"magic": -1},
    ],
)
def test_bad_cancel_filters_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CancelRequest(all=True, **fields)
