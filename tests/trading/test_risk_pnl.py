"""Risk rules apply to every action with the rule and numbers named; P&L reconciles with MT5 history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mt5bridge.terminal.errors import TradeRejected
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.errors import RiskRefused
from mt5bridge.trading.models import CloseRequest, OpenRequest
from mt5bridge.trading.periods import Period
from mt5bridge.trading.selectors import Selector
from mt5bridge.trading.settings import RiskSettings
from tests.trading.conftest import ACTOR, Core, make_core

BUY = PositionSide.BUY


@pytest.fixture
async def strict(tmp_path: Path):  # type: ignore[no-untyped-def]
    risk = RiskSettings(
        max_order_volume=1.0,
        max_total_positions=2,
        max_daily_loss=100.0,
        allowed_symbols=("XAUUSD", "EURUSD"),
    )
    core = await make_core(tmp_path, risk)
    yield core
    await core.db.close()
    await core.client.close()


async def test_max_order_volume(strict: Core) -> None:
    with pytest.raises(RiskRefused) as refused:
        await strict.service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=2.0), ACTOR)
    assert refused.value.rule == "max_order_volume"
    assert "2" in refused.value.message and "1" in refused.value.message
    assert strict.sim.positions_total() == 0
    (entry,) = await strict.db.audit.recent()
    assert (entry.outcome, entry.error_code) == ("refused", "risk_max_order_volume")


async def test_allowed_symbols_and_position_count(strict: Core) -> None:
    with pytest.raises(RiskRefused) as refused:
        await strict.service.execute(OpenRequest(symbol="GBPUSD", side=BUY, volume=0.1), ACTOR)
    assert refused.value.rule == "allowed_symbols"
    for _ in range(2):
        await strict.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), ACTOR)
    with pytest.raises(RiskRefused) as full:
        await strict.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.01), ACTOR)
    assert full.value.rule == "max_total_positions"


async def test_daily_loss_blocks_opens_but_not_closes(strict: Core) -> None:
    strict.sim.set_price("XAUUSD.m", 2000.00, 2000.10)
    await strict.service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=0.5), ACTOR)
    strict.sim.set_price("XAUUSD.m", 1997.00, 1997.10)  # floating about -155
    with pytest.raises(RiskRefused) as refused:
        await strict.service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
    assert refused.value.rule == "max_daily_loss"
    closed = await strict.service.execute(CloseRequest(symbol="XAUUSD", selector=Selector.ALL), ACTOR)
    assert closed.ok


async def test_read_only_and_pause(core: Core) -> None:
    await core.service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
    core.service.pause()
    with pytest.raises(RiskRefused) as paused:
        await core.service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
    assert paused.value.rule == "paused"
    core.service.pause(False)
    core.service.set_read_only(True)
    with pytest.raises(RiskRefused) as ro:
        await core.service.execute(CloseRequest(symbol="EURUSD", selector=Selector.ALL), ACTOR)
    assert ro.value.rule == "read_only"
    assert core.sim.positions_total() == 1


async def test_closed_market_is_refused_before_sending(tmp_path: Path) -> None:
    core = await make_core(tmp_path, market_hours="real", start=datetime(2026, 11, 28, 12, 0))
    try:
        with pytest.raises(TradeRejected) as closed:
            await core.service.preview(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1))
        assert closed.value.mt5_code == 10018
        assert core.sim.positions_total() == 0
    finally:
        await core.db.close()
        await core.client.close()


async def test_today_pnl_reconciles_with_deal_history(core: Core) -> None:
    for symbol in ("XAUUSD", "EURUSD", "GBPJPY"):
        await core.service.execute(OpenRequest(symbol=symbol, side=BUY, volume=0.2, magic=42), ACTOR)
    core.sim.advance(1800)
    await core.service.execute(CloseRequest(symbol="XAUUSD", selector=Selector.ALL), ACTOR)
    await core.service.execute(CloseRequest(symbol="EURUSD", volume=0.1), ACTOR)
    report = await core.service.pnl(await core.service.window(Period.TODAY))
    deals = core.sim.history_deals_get(0, 2**40)
    trade = [d for d in deals if d.type in (0, 1)]
    realized = sum(d.profit + d.commission + d.swap + d.fee for d in trade)
    assert report.total.realized == pytest.approx(realized, abs=0.01)
    assert report.total.floating == pytest.approx(
        sum(p.profit + p.swap for p in core.sim.positions_get()), abs=0.01
    )
    assert report.total.trades == 2
    assert set(report.by_magic) == {42}
    acc = core.sim.account_info()
    assert acc.balance == pytest.approx(10000 + realized, abs=0.01)


async def test_daily_loss_counts_the_day_not_old_floating_losses(tmp_path: Path) -> None:
    risk = RiskSettings(max_daily_loss=200.0)
    core = await make_core(tmp_path, risk)
    try:
        sim, service = core.sim, core.service
        sim.set_price("XAUUSD.m", 2000.00, 2000.10)
        await service.execute(OpenRequest(symbol="XAUUSD", side=BUY, volume=1.0), ACTOR)
        sim.set_price("XAUUSD.m", 1990.00, 1990.10)  # -1,010 floating, all of it today
        assert await service.day_pnl() == pytest.approx(-1010 - 3.5, abs=1)
        # Into the next server day at the same price: yesterday's loss is no longer today's.
        sim.advance(86400 - sim.now % 86400 - 1)
        sim.set_price("XAUUSD.m", 1990.00, 1990.10)
        sim.advance(2)
        sim.set_price("XAUUSD.m", 1990.00, 1990.10)
        assert abs(await service.day_pnl()) < 30
        opened = await service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
        assert opened.ok  # the old floating loss does not trip the daily limit
        sim.set_price("XAUUSD.m", 1987.00, 1987.10)  # today's move: -300
        assert await service.day_pnl() == pytest.approx(-300, abs=40)
        with pytest.raises(RiskRefused) as refused:
            await service.execute(OpenRequest(symbol="EURUSD", side=BUY, volume=0.1), ACTOR)
        assert refused.value.rule == "max_daily_loss"
    finally:
        await core.db.close()
        await core.client.close()
