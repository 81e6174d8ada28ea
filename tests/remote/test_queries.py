"""`RemoteTrading`'s reads equal what the bridge's own `TradingService` answers, on two real bridges (a
hedging account and a netting one with another seed and balance), fields the API does not carry aside."""

from __future__ import annotations

from pathlib import Path

from mt5bridge.remote import RemoteTrading
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import MarginMode, PositionSide
from mt5bridge.trading.models import OpenRequest, OrderKind
from mt5bridge.trading.periods import Period
from tests.api.conftest import Api, start_api
from tests.api.rest_helpers import market
from tests.remote.conftest import ADMIN, core_of, settings_of

# Not in the bridge's answers (mt5bridge/remote/convert.py; docs/accounts.md).
ACCOUNT_GAPS = {
    "currency_digits",
    "trade_expert",
    "limit_orders",
    "fifo_close",
    "margin_so_call",
    "margin_so_so",
}
POSITION_GAPS = {"external_id", "time_msc"}
ORDER_GAPS = {"position_id", "reason", "time_done_server"}


async def _same_reads(bridge: Api, remote: RemoteTrading) -> None:
    core = core_of(bridge)
    account = await remote.account()
    assert account.model_dump(exclude=ACCOUNT_GAPS) == (await core.account()).model_dump(exclude=ACCOUNT_GAPS)
    assert remote.server_utc_offset == core.server_utc_offset
    for filters in ({}, {"symbol": "xauusd"}, {"magic": 7}, {"side": PositionSide.SELL}):
        mine = [p.model_dump(exclude=POSITION_GAPS) for p in await remote.positions(**filters)]
        theirs = [p.model_dump(exclude=POSITION_GAPS) for p in await core.positions(**filters)]
        assert mine == theirs, filters
    assert await remote.symbols() == await core.symbols()
    assert await remote.symbols("*USD*,!XAU*") == await core.symbols("*USD*,!XAU*")
    assert await remote.symbol("gold") == await core.symbol("gold")
    assert await remote.quote("XAUUSD") == await core.quote("XAUUSD")
    mine_orders = [o.model_dump(exclude=ORDER_GAPS) for o in await remote.orders(symbol="EURUSD")]
    assert mine_orders == [o.model_dump(exclude=ORDER_GAPS) for o in await core.orders(symbol="EURUSD")]
    for period in (Period.TODAY, Period.MONTH, Period.YEAR):
        window = await remote.window(period)
        assert window == await core.window(period)
        assert await remote.pnl(window) == await core.pnl(window)
        assert await remote.pnl(window, symbol="XAUUSD", magic=7) == await core.pnl(
            window, symbol="XAUUSD", magic=7
        )
        mine_deals = [d.model_dump(exclude={"time_msc"}) for d in await remote.deals(window)]
        assert mine_deals == [d.model_dump(exclude={"time_msc"}) for d in await core.deals(window)]
        assert mine_deals, "the trades above left deals"


async def _trade_a_little(bridge: Api, remote: RemoteTrading) -> None:
    market(bridge, "XAUUSD", C.ORDER_TYPE_BUY, 0.02, magic=7)  # an EA's position, opened on the terminal
    market(bridge, "EURUSD", C.ORDER_TYPE_SELL, 0.1)
    tick = await remote.quote("EURUSD")
    limit = OpenRequest(symbol="EURUSD", side=PositionSide.BUY, volume=0.1, order_type=OrderKind.PENDING,
                        price=round(tick.bid - 0.01, 5))  # fmt: skip
    result = await remote.execute(limit, ADMIN)
    assert result.ok and result.preview.order_type is OrderKind.LIMIT


async def test_a_hedging_bridge_reads_as_its_core(bridge: Api, remote: RemoteTrading) -> None:
    await _trade_a_little(bridge, remote)
    await _same_reads(bridge, remote)


async def test_a_netting_bridge_with_another_seed_reads_as_its_core(tmp_path: Path) -> None:
    simulator = {"seed": 11, "balance": 2500.0, "margin_mode": "netting"}
    bridge = await start_api(tmp_path / "netting", mt5={"simulator": simulator})
    remote = RemoteTrading(settings_of(bridge, name="netting"))
    try:
        account = await remote.account()
        assert account.margin_mode is MarginMode.RETAIL_NETTING and account.balance == 2500.0
        await _trade_a_little(bridge, remote)
        await _same_reads(bridge, remote)
    finally:
        await remote.close()
        await bridge.runner.cleanup()
