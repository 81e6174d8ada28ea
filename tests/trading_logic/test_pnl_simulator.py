"""P&L reconciles with the simulated terminal's own account figures and history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.models import DealType
from mt5bridge.trading.periods import Period, Window, period_window
from mt5bridge.trading.pnl import entry_magics, pnl_report

END = int(datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp())  # a Wednesday, server scale
EA = 4242


@pytest.fixture
async def demo() -> AsyncIterator[tuple[Simulator, MT5Client]]:
    sim = Simulator.demo(days=4, seed=1, end=END)
    client = MT5Client(sim, call_timeout=5.0)
    assert await client.connect()
    yield sim, client
    await client.close()


async def test_all_time_pnl_reconciles_with_equity(demo: tuple[Simulator, MT5Client]) -> None:
    sim, client = demo
    deals = await client.deals(0, sim.now + 86400)
    positions = await client.positions()
    account = await client.account()
    deposits = sum(d.profit for d in deals if d.type is DealType.BALANCE)
    report = pnl_report(deals, positions, Window(0, sim.now + 86400, "all"), entry_magic=entry_magics(deals))
    assert report.total.trades > 5 and report.total.commission < 0
    assert report.total.realized == pytest.approx(account.balance - deposits, abs=0.01)
    assert report.total.total == pytest.approx(account.equity - deposits, abs=0.05)
    assert sum(line.realized for line in report.by_magic.values()) == pytest.approx(report.total.realized)


async def test_days_partition_the_history(demo: tuple[Simulator, MT5Client]) -> None:
    sim, client = demo
    deals = await client.deals(0, sim.now + 86400)
    magics = entry_magics(deals)
    everything = pnl_report(deals, [], Window(0, sim.now + 86400, "all"), entry_magic=magics)
    daily = 0.0
    for back in range(6):
        window = period_window(Period.TODAY, sim.now - back * 86400)
        daily += pnl_report(deals, [], window, entry_magic=magics, include_floating=False).total.realized
    assert daily == pytest.approx(everything.total.realized, abs=0.01)


async def test_hand_close_of_ea_position_counts_for_the_ea() -> None:
    sim = Simulator(seed=0, start=datetime(2026, 11, 25, 10), market_hours="always")
    client = MT5Client(sim, call_timeout=5.0)
    assert await client.connect()
    try:
        request = {"action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.5,
                   "type": C.ORDER_TYPE_BUY, "type_filling": C.ORDER_FILLING_IOC, "magic": EA}  # fmt: skip
        await client.order_send(request, tag="ea1")
        sim.advance(600)
        (opened,) = await client.positions()
        close = {**request, "type": C.ORDER_TYPE_SELL, "position": opened.ticket, "magic": 0}
        await client.order_send(close, tag="hand1")
        deals = await client.deals(position=opened.ticket)
        assert [d.magic for d in deals] == [EA, 0]
        today = period_window(Period.TODAY, sim.now)
        report = pnl_report(deals, [], today, entry_magic=entry_magics(deals))
        assert list(report.by_magic) == [EA] and report.by_magic[EA].trades == 1
        account = await client.account()
        assert report.total.realized == pytest.approx(account.balance - 10000.0, abs=0.01)
    finally:
        await client.close()
