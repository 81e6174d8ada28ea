"""Attributing a window's deals to the EA that opened each position, when the position opened before the
window: a few range queries going back, with the answer `history_deals_get(position=)` gives."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.records import Deal as DealRecord
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import ClientCode, TerminalFailure
from mt5bridge.trading.history import DAY, LOOKBACK_QUERIES
from mt5bridge.trading.periods import Period, Window
from mt5bridge.trading.pnl import entry_magics
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database
from tests.trading.conftest import WEDNESDAY


class CountingTerminal:
    """The simulator behind a counter of every call the client makes (last_error aside); the functions
    named in `broken` raise, as a dead link does."""

    def __init__(self, inner: Simulator) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self.broken: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name.startswith("_") or name == "last_error":
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name + ("(position=)" if "position" in kwargs else "")] += 1
            if name in self.broken:
                raise ConnectionError("pipe closed")
            return value(*args, **kwargs)

        return counted


@dataclass
class Stand:
    sim: Simulator
    terminal: CountingTerminal
    client: MT5Client
    service: TradingService

    def send(self, side: int, volume: float, magic: int, position: int = 0) -> int:
        """A market deal on EURUSD; the order ticket (a new position's id)."""
        request = {"action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": volume, "type": side,
                   "type_filling": C.ORDER_FILLING_IOC, "magic": magic, "position": position}  # fmt: skip
        result = self.sim.order_send(request)
        assert result is not None and result.retcode == C.TRADE_RETCODE_DONE
        return int(result.order)

    async def one_by_one(self, window: Window) -> dict[int, int]:
        """The opening magics as the service read them before: each older position's deals in turn."""
        deals = [
            d
            for d in await self.client.deals(window.start, window.end + DAY)
            if window.contains(d.time_server)
        ]
        found = entry_magics(deals)
        for pid in {d.position_id for d in deals if d.position_id and d.position_id not in found}:
            found.update(entry_magics(await self.client.deals(position=pid)))
        return found


async def make_stand(tmp_path: Path, margin_mode: str) -> Stand:
    sim = Simulator(seed=1, start=WEDNESDAY, market_hours="always", history_days=7, margin_mode=margin_mode)
    terminal = CountingTerminal(sim)
    client = MT5Client(terminal, call_timeout=10)  # type: ignore[arg-type]
    assert await client.connect()
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/core.db")
    return Stand(sim, terminal, client, TradingService(client, db, RiskSettings(max_daily_loss=0)))


@pytest.fixture
async def hedging(tmp_path: Path) -> AsyncIterator[Stand]:
    stand = await make_stand(tmp_path, "hedging")
    yield stand
    await stand.client.close()


@pytest.fixture
async def netting(tmp_path: Path) -> AsyncIterator[Stand]:
    stand = await make_stand(tmp_path, "netting")
    yield stand
    await stand.client.close()


async def test_positions_opened_weeks_before_the_window(hedging: Stand) -> None:
    old = hedging.send(C.ORDER_TYPE_BUY, 0.1, magic=11)
    hedging.sim.advance(10 * DAY)
    recent = hedging.send(C.ORDER_TYPE_SELL, 0.1, magic=22)
    still_open = hedging.send(C.ORDER_TYPE_SELL, 0.2, magic=33)
    hedging.sim.advance(DAY)
    hedging.send(C.ORDER_TYPE_SELL, 0.1, magic=0, position=old)  # closed by hand today
    hedging.send(C.ORDER_TYPE_BUY, 0.1, magic=0, position=recent)
    hedging.send(C.ORDER_TYPE_BUY, 0.1, magic=0, position=still_open)  # partly
    today = await hedging.service.window(Period.TODAY)
    expected = await hedging.one_by_one(today)
    assert expected == {old: 11, recent: 22, still_open: 33}

    hedging.terminal.calls.clear()
    deals, magics = await hedging.service.history_rows(today)
    assert {d.position_id for d in deals} == {old, recent, still_open}
    assert magics == expected
    # One query for the window, then stretches back: a day (the two recent ones), then 4 and 16 days (the
    # old one, 11 days back).
    assert hedging.terminal.calls == {"history_deals_get": 4}
    assert LOOKBACK_QUERIES + 1 <= 10

    hedging.terminal.calls.clear()  # the typed deals of one EA attribute through the same lookback
    found = await hedging.service.deals(today, magic=expected[old])
    assert old in {d.position_id for d in found}
    assert all(expected.get(d.position_id, d.magic) == expected[old] for d in found)
    assert hedging.terminal.calls == {"history_deals_get": 4}

    positions = await hedging.client.positions()
    hedging.terminal.calls.clear()
    assert (await hedging.service.history_rows(today, positions=positions))[1] == expected
    # The open position reaches back a day; the closed old one still needs the longer stretches.
    assert hedging.terminal.calls == {"history_deals_get": 4}


async def test_open_positions_say_how_far_back_to_look(hedging: Stand) -> None:
    old = hedging.send(C.ORDER_TYPE_BUY, 0.2, magic=11)
    hedging.sim.advance(6 * DAY)
    hedging.send(C.ORDER_TYPE_SELL, 0.1, magic=0, position=old)  # partly, by hand
    today = await hedging.service.window(Period.TODAY)
    positions = await hedging.client.positions()
    hedging.terminal.calls.clear()
    assert (await hedging.service.history_rows(today, positions=positions))[1] == {old: 11}
    assert hedging.terminal.calls["history_deals_get"] == 2  # the window, then back to its open time


async def test_netting_position_keeps_the_magic_that_opened_it(netting: Stand) -> None:
    position = netting.send(C.ORDER_TYPE_BUY, 0.1, magic=11)
    netting.sim.advance(3 * DAY)
    netting.send(C.ORDER_TYPE_BUY, 0.1, magic=22)  # adds to it: an IN deal of another order and EA
    netting.sim.advance(DAY)
    netting.send(C.ORDER_TYPE_SELL, 0.2, magic=33)  # closes it
    today = await netting.service.window(Period.TODAY)
    # The first stretch back (a day) holds only the later IN deal: the lookback goes on to the opening one.
    assert (await netting.service.history_rows(today))[1] == {position: 11} == await netting.one_by_one(today)


async def test_rows_carry_what_the_models_carry(netting: Stand) -> None:
    position = netting.send(C.ORDER_TYPE_BUY, 0.1, magic=11)
    netting.sim.advance(3600)
    netting.send(C.ORDER_TYPE_SELL, 0.3, magic=22)  # reverses it: an INOUT deal
    netting.sim.deposit(-100.0, "Withdrawal")
    now = netting.sim.now
    rows = await netting.client.deal_rows(0, now + DAY)
    models = await netting.client.deals(0, now + DAY)
    assert len(rows) == len(models) == 4
    for row, model in zip(rows, models, strict=True):
        assert row._asdict() == {name: getattr(model, name) for name in row._fields}
    assert [r.ticket for r in await netting.client.deal_rows(0, now + DAY, positions={position})] == [
        m.ticket for m in models if m.position_id == position
    ]


async def test_a_deal_type_mt5_never_had_is_an_unexpected_answer(netting: Stand) -> None:
    odd = DealRecord(ticket=9, order=0, time_msc=netting.sim.now_msc, type=99, entry=0, magic=0, position_id=0,
                     reason=0, volume=0.0, price=0.0)  # fmt: skip
    netting.sim.book.deals.append(odd)
    with pytest.raises(TerminalFailure) as failure:
        await netting.client.deal_rows(0, netting.sim.now + DAY)
    assert failure.value.code == ClientCode.UNEXPECTED_RESULT
