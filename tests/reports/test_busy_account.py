"""Reports on a busy account: a handful of terminal calls whatever the number of positions, the same
figures as reading each older position's deals one by one, and garbage collection left as it was found."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mt5bot.config import Settings
from mt5bridge.simulator import Simulator
from mt5bridge.simulator.busy import build_busy
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import TerminalUnavailable
from mt5bridge.trading.periods import range_window
from mt5bridge.trading.pnl import entry_magics, pnl_report, window_totals
from mt5bridge.trading.service import TradingService
from reports.models import ReportKind
from reports.numbers import build_report, month_days
from reports.service import ReportService
from storage.database import Database
from tests.trading.test_history_lookback import CountingTerminal

END = int(datetime(2026, 11, 4, 18, tzinfo=UTC).timestamp())  # server clock: early November
OFFSET = 7200


@pytest.fixture(scope="module")
def busy() -> Simulator:
    # 500 open positions, 300 of them opened before the month and partly closed in it, 200 more opened
    # before it and closed in it: 500 positions whose opening deal is older than the monthly window.
    return build_busy(END, deals=3000, open_positions=500, old_open=300, old_closed=200, days_before=2)


@dataclass
class Stand:
    terminal: CountingTerminal
    client: MT5Client
    reports: ReportService
    settings: Settings


@pytest.fixture
async def stand(busy: Simulator, tmp_path: Path) -> AsyncIterator[Stand]:
    terminal = CountingTerminal(busy)
    client = MT5Client(terminal, call_timeout=30, server_utc_offset=OFFSET)  # type: ignore[arg-type]
    assert await client.connect()
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/busy.db")
    settings = Settings()
    yield Stand(
        terminal, client, ReportService(TradingService(client, db, settings.risk), settings), settings
    )
    await db.close()
    await client.close()


@pytest.mark.parametrize("kind", list(ReportKind))
async def test_a_report_takes_a_handful_of_terminal_calls(stand: Stand, kind: ReportKind) -> None:
    stand.terminal.calls.clear()
    report = await stand.reports.build(kind)
    assert sum(stand.terminal.calls.values()) <= 10, stand.terminal.calls
    assert "history_deals_get(position=)" not in stand.terminal.calls
    assert sum(b.buy_count + b.sell_count for b in report.hedge.books) == 500


async def test_older_positions_are_attributed_as_one_by_one(stand: Stand, busy: Simulator) -> None:
    report = await stand.reports.build(ReportKind.MONTHLY)
    window = range_window(date(2026, 11, 1), date(2026, 11, 30), server_utc_offset=OFFSET)
    # What the service read before: the window's deals as models, then each older position's deals.
    deals = [
        d
        for d in await stand.client.deals(window.start, window.end + 86400)
        if window.contains(d.time_server)
    ]
    entry_magic = entry_magics(deals)
    older = {d.position_id for d in deals if d.position_id and d.position_id not in entry_magic}
    assert len(older) >= 400
    for pid in older:
        entry_magic.update(entry_magics(await stand.client.deals(position=pid)))
    rows, magics = await stand.reports.trading.history_rows(window)
    assert magics == entry_magic
    assert [r.ticket for r in rows] == [d.ticket for d in deals]
    account = await stand.client.account()
    positions = await stand.client.positions()
    settings = stand.settings
    expected = build_report(
        ReportKind.MONTHLY, window, deals=deals, positions=positions, account=account, entry_magic=entry_magic,
        server_utc_offset=OFFSET, rules=settings.reports.hedge, ea_names=settings.reports.ea_names,
        now=report.generated_at, include_floating=True,
        days=month_days(date(2026, 11, 1), date(2026, 11, 30), tz=None, server_utc_offset=OFFSET), margin_level_below=settings.alerts.margin_level_below,
    )  # fmt: skip
    assert report == expected
    assert len(report.days) == 4 and report.total.trades > 1000


async def test_collection_is_paused_only_while_reports_build(stand: Stand) -> None:
    assert gc.isenabled()
    await asyncio.gather(*(stand.reports.build(kind) for kind in ReportKind))
    assert gc.isenabled()
    stand.terminal.broken.add("positions_get")  # fails halfway through the build
    with pytest.raises(TerminalUnavailable):
        await stand.reports.build(ReportKind.DAILY)
    stand.terminal.broken.clear()
    assert await stand.client.connect()
    assert gc.isenabled()
    gc.disable()
    try:
        await stand.reports.build(ReportKind.HEDGE)
        assert not gc.isenabled()  # left off, as the process had it
    finally:
        gc.enable()


@pytest.mark.parametrize("magic", [None, 0, 20250101])
async def test_day_totals_in_one_pass_are_each_days_report(stand: Stand, magic: int | None) -> None:
    days = month_days(date(2026, 10, 30), date(2026, 11, 5), tz=None, server_utc_offset=OFFSET)
    window = range_window(date(2026, 10, 30), date(2026, 11, 5), server_utc_offset=OFFSET)
    deals, entry_magic = await stand.reports.trading.history_rows(window)
    totals = window_totals(deals, [w for _, w in days], entry_magic=entry_magic, magic=magic)
    for (_, day), total in zip(days, totals, strict=True):
        one_day = pnl_report(deals, (), day, entry_magic=entry_magic, magic=magic, include_floating=False)
        assert total == one_day.total
    assert sum(t.trades for t in totals) > 100
