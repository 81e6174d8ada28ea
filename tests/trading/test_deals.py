"""`TradingService.deals`: the window's deals filtered as P&L filters them, on the simulator."""

from __future__ import annotations

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import DealEntry, DealType, PositionSide
from mt5bridge.trading.models import OpenRequest
from mt5bridge.trading.periods import Period, Window
from tests.trading.conftest import ACTOR, Core

EA = 4242


async def _ea_trade_closed_by_hand(core: Core) -> int:
    """An EA opens EURUSD with its magic; a trader closes it by hand (magic 0). Returns the position."""
    request = {"action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD.m", "volume": 0.5,
               "type": C.ORDER_TYPE_BUY, "type_filling": C.ORDER_FILLING_IOC, "magic": EA}  # fmt: skip
    await core.client.order_send(request, tag="ea1")
    core.sim.advance(600)
    (opened,) = await core.client.positions()
    close = {**request, "type": C.ORDER_TYPE_SELL, "position": opened.ticket, "magic": 0}
    await core.client.order_send(close, tag="hand1")
    core.sim.advance(60)
    return opened.ticket


async def test_deals_filter_by_symbol_alias_and_the_opening_magic(core: Core) -> None:
    position = await _ea_trade_closed_by_hand(core)
    gold = OpenRequest(symbol="XAUUSD", side=PositionSide.SELL, volume=0.1, magic=7)
    assert (await core.service.execute(gold, ACTOR)).ok
    today = await core.service.window(Period.TODAY)

    everything = await core.service.deals(today)
    assert any(d.type is DealType.BALANCE for d in everything)
    assert everything == sorted(everything, key=lambda d: (d.time_msc, d.ticket))

    euro = await core.service.deals(today, symbol="EURUSD")  # the canonical name finds EURUSD.m
    assert [(d.symbol, d.entry) for d in euro] == [("EURUSD.m", DealEntry.IN), ("EURUSD.m", DealEntry.OUT)]
    assert {d.symbol for d in await core.service.deals(today, symbol="gold")} == {"XAUUSD.m"}

    # The hand close carries magic 0 but belongs to the EA, as in P&L.
    ea = await core.service.deals(today, magic=EA)
    assert [(d.position_id, d.magic) for d in ea] == [(position, EA), (position, 0)]
    assert all(d.position_id != position for d in await core.service.deals(today, magic=0))
    assert [d.symbol for d in await core.service.deals(today, magic=7)] == ["XAUUSD.m"]
    assert await core.service.deals(today, symbol="gold", magic=EA) == []


async def test_deals_keep_exactly_the_half_open_window(core: Core) -> None:
    position = await _ea_trade_closed_by_hand(core)
    opened, closed = await core.service.deals(await core.service.window(Period.TODAY), symbol="EURUSD")
    before_close = Window(opened.time_server, closed.time_server, "open..close")
    assert await core.service.deals(before_close, magic=EA) == [opened]
    # The opening deal is outside this window; the close is still attributed to its magic.
    from_close = Window(closed.time_server, closed.time_server + 1, "close")
    assert await core.service.deals(from_close, magic=EA) == [closed]
    assert closed.position_id == position
    assert await core.service.deals(from_close, magic=0) == []
    earlier = Window(opened.time_server - 3600, opened.time_server, "before")
    assert await core.service.deals(earlier, symbol="EURUSD") == []
