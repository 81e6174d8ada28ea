"""SnapshotSource over the real simulator, the async client and SQLite: what one round of rules reads.

Positions, quotes and symbol facts of the symbols held equal the terminal's own; facts are cached; quotes
the runner passes in are used as they are; the reporting day follows the reports' calendar; the start-of-day
equity comes from the stored snapshot at the day's start, else the day's first stored one, else the first
equity seen; ATR and bar extremes are the served indicator over closed bars, read again once a bar closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.indicators import ATRParams, IndicatorName, IndicatorRequest, bars_needed, compute
from mt5bridge.trading.models import OpenRequest
from mt5bridge.trading.rules.inputs import AtrKey, BarExtremes, BarsKey, OpenPosition, Quote, SymbolFacts
from mt5bridge.trading.rules.snapshot import DayStartBasis, SnapshotSource, timeframe_of
from storage.models import AccountSnapshot
from tests.trading.conftest import ACTOR, Core, make_core

BUY, SELL = PositionSide.BUY, PositionSide.SELL
DAY = date(2026, 11, 25)  # the simulator starts on Wednesday 2026-11-25 10:00 (server time, offset 0)
MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    made = await make_core(tmp_path)
    made.sim.set_price("XAUUSD.m", 4100.00, 4100.12)
    made.sim.set_price("EURUSD.m", 1.16000, 1.16002)
    yield made
    await made.db.close()
    await made.client.close()


async def _open(core: Core, symbol: str, side: PositionSide, volume: float, **kw: Any) -> int:
    result = await core.service.execute(OpenRequest(symbol=symbol, side=side, volume=volume, **kw), ACTOR)
    assert result.ok, result
    return result.outcomes[0].order


def _source(core: Core, **kw: Any) -> SnapshotSource:
    return SnapshotSource(core.client, snapshots=core.db.snapshots, **kw)


async def _store_equity(core: Core, at: datetime, equity: float) -> None:
    login = (await core.client.account()).login
    await core.db.snapshots.record(AccountSnapshot(at=at, login=login, balance=equity, equity=equity, margin=0,
                                                   margin_free=equity, margin_level=0, profit=0))  # fmt: skip


async def test_the_round_reads_every_position_and_the_quotes_and_facts_of_the_symbols_held(
    core: Core,
) -> None:
    gold = await _open(core, "XAUUSD", BUY, 0.2, sl=4000)
    euro = await _open(core, "EURUSD", SELL, 0.1, magic=7)
    snap = await _source(core).take()

    expected = [OpenPosition.of(p) for p in await core.client.positions()]
    assert sorted(snap.positions, key=lambda p: p.ticket) == sorted(expected, key=lambda p: p.ticket)
    assert {p.ticket for p in snap.positions} == {gold, euro}
    assert set(snap.quotes) == set(snap.symbols) == {"XAUUSD.m", "EURUSD.m"}
    for name in ("XAUUSD.m", "EURUSD.m"):
        tick = await core.client.tick(name)
        assert snap.quotes[name] == Quote(bid=tick.bid, ask=tick.ask)
        assert snap.symbols[name] == SymbolFacts.of(await core.client.symbol(name))
    account = await core.client.account()
    assert (snap.account.equity, snap.account.balance, snap.account.currency) == (
        account.equity, account.balance, account.currency,
    )  # fmt: skip
    assert snap.day == DAY
    assert snap.position(gold) is not None and snap.position(gold).sl == 4000  # type: ignore[union-attr]


async def test_an_empty_account_has_no_quotes_and_still_a_day_and_equity(core: Core) -> None:
    snap = await _source(core).take()
    assert snap.positions == () and snap.quotes == {} and snap.symbols == {}
    assert snap.day == DAY and snap.account.equity == 10_000


async def test_facts_are_cached_and_forget_reads_them_again(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _open(core, "XAUUSD", BUY, 0.1)
    calls: list[str] = []
    real = core.client.symbol

    async def counted(name: str) -> Any:
        calls.append(name)
        return await real(name)

    monkeypatch.setattr(core.client, "symbol", counted)
    source = _source(core)
    for _ in range(3):
        await source.take()
    assert calls == ["XAUUSD.m"]
    source.forget("XAUUSD.m")
    await source.take()
    assert calls == ["XAUUSD.m", "XAUUSD.m"]


async def test_quotes_given_by_the_runner_are_used_and_not_read_again(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _open(core, "XAUUSD", BUY, 0.1)
    await _open(core, "EURUSD", BUY, 0.1)
    read: list[str] = []
    real = core.client.tick

    async def counted(name: str) -> Any:
        read.append(name)
        return await real(name)

    monkeypatch.setattr(core.client, "tick", counted)
    mine = Quote(bid=4111.11, ask=4111.31)
    snap = await _source(core).take(quotes={"XAUUSD.m": mine, "GBPUSD.m": Quote(bid=1.3, ask=1.31)})
    assert snap.quotes["XAUUSD.m"] == mine
    assert "GBPUSD.m" not in snap.quotes  # only the symbols held
    assert read == ["EURUSD.m"]


async def test_the_day_follows_the_reporting_calendar(core: Core) -> None:
    # 10:00 on the server (UTC here) is 2026-11-25 in London and still the 24th in Pago Pago (UTC-11).
    assert (await _source(core, timezone="Europe/London").take()).day == DAY
    assert (await _source(core, timezone="Pacific/Pago_Pago").take()).day == DAY - timedelta(days=1)


async def test_the_start_of_day_equity_is_the_snapshot_at_the_days_start(core: Core) -> None:
    await _store_equity(core, MIDNIGHT - timedelta(minutes=20), 9_000.0)  # too long before: not the start
    await _store_equity(core, MIDNIGHT - timedelta(seconds=30), 9_500.0)
    await _store_equity(core, MIDNIGHT + timedelta(seconds=30), 9_600.0)
    source = _source(core)
    snap = await source.take()
    assert snap.day_start_equity == 9_500.0
    assert source.day_start is not None and source.day_start.basis is DayStartBasis.SNAPSHOT
    assert source.day_start.at == MIDNIGHT - timedelta(seconds=30)


async def test_a_snapshot_exactly_at_the_start_counts(core: Core) -> None:
    await _store_equity(core, MIDNIGHT, 9_700.0)
    assert (await _source(core).take()).day_start_equity == 9_700.0


async def test_without_one_at_the_start_it_is_the_days_first_stored_snapshot(core: Core) -> None:
    await _store_equity(core, MIDNIGHT - timedelta(hours=3), 9_000.0)  # the service was down at midnight
    await _store_equity(core, MIDNIGHT + timedelta(hours=2), 9_800.0)
    await _store_equity(core, MIDNIGHT + timedelta(hours=3), 9_900.0)
    source = _source(core)
    assert (await source.take()).day_start_equity == 9_800.0
    assert source.day_start is not None and source.day_start.basis is DayStartBasis.FIRST_SNAPSHOT


async def test_without_any_stored_it_is_the_first_equity_seen_that_day_and_stays(core: Core) -> None:
    source = _source(core)
    first = await source.take()
    assert first.day_start_equity == 10_000.0
    assert source.day_start is not None and source.day_start.basis is DayStartBasis.FIRST_SEEN
    await _open(core, "XAUUSD", BUY, 1.0)  # commission and spread: equity moves
    later = await source.take()
    assert later.account.equity != 10_000.0
    assert later.day_start_equity == 10_000.0
    no_store = SnapshotSource(core.client)
    assert (await no_store.take()).day_start_equity == later.account.equity


async def test_a_new_day_takes_a_new_start_of_day_equity(core: Core) -> None:
    source = _source(core, clock_refresh_sec=0)  # no position: the day comes from the server's clock
    assert (await source.take()).day == DAY
    core.sim.advance(15 * 3600)  # past midnight
    await _store_equity(core, MIDNIGHT + timedelta(days=1) - timedelta(seconds=10), 9_123.0)
    snap = await source.take()
    assert snap.day == DAY + timedelta(days=1) and snap.day_start_equity == 9_123.0


async def test_atr_and_bar_extremes_are_the_served_indicator_on_closed_bars(core: Core) -> None:
    await _open(core, "XAUUSD", BUY, 0.1)
    name, tf = "XAUUSD.m", C.TIMEFRAME_H1
    atr_key, bars_key = AtrKey(name, "H1", 14), BarsKey(name, "H1", 3)
    snap = await _source(core).take([atr_key, bars_key])

    request = IndicatorRequest(name=IndicatorName.ATR, params=ATRParams(period=14))
    closed = await core.client.rates_from_pos(name, tf, 1, bars_needed(request, 1))
    expected = compute(closed, request, 1).values["main"][-1]
    assert snap.atr[atr_key] == pytest.approx(expected, rel=1e-12)
    last3 = await core.client.rates_from_pos(name, tf, 1, 3)
    assert snap.extremes[bars_key] == BarExtremes(
        low=float(np.min(last3["low"])), high=float(np.max(last3["high"]))
    )
    forming = await core.client.rates_from_pos(name, tf, 0, 1)
    assert int(forming["time"][0]) > int(last3["time"][-1])  # the forming bar is not among them


async def test_figures_are_kept_until_the_next_bar_opens(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    await _open(core, "XAUUSD", BUY, 0.1)
    reads: list[int] = []
    real = core.client.rates_from_pos

    async def counted(name: str, timeframe: int, start: int, count: int) -> Any:
        reads.append(timeframe)
        return await real(name, timeframe, start, count)

    monkeypatch.setattr(core.client, "rates_from_pos", counted)
    source, key = _source(core), BarsKey("XAUUSD.m", "M5", 2)
    first = (await source.take([key])).extremes[key]
    core.sim.advance(30)
    assert (await source.take([key])).extremes[key] == first
    assert len(reads) == 1
    core.sim.advance(300)  # a new M5 bar has opened: the one before it is closed now
    await source.take([key])
    assert len(reads) == 2


async def test_figures_not_asked_for_are_not_read_and_unknown_ones_are_left_out(core: Core) -> None:
    snap = await _source(core).take([AtrKey("NOSUCH", "H1", 14)])
    assert snap.atr == {} and snap.extremes == {}


def test_timeframes_map_to_mt5s_constants() -> None:
    assert timeframe_of("M1") == C.TIMEFRAME_M1 and timeframe_of("D1") == C.TIMEFRAME_D1
    with pytest.raises(ValueError, match="W1"):
        timeframe_of("W1")
