"""The monthly equity curve: gaps where the service was not running, deposits and withdrawals, a bounded
number of points, and the curve read back from the snapshot store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mt5bridge.terminal.enums import DealEntry, DealType, Reason
from mt5bridge.terminal.models import Deal
from reports.equity import MAX_POINTS, balance_operations, build_curve, gap_threshold, load_curve
from reports.models import CashOperation, EquityGap
from storage import Database
from storage.models import AccountSnapshot

START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH = timedelta(days=30)
LOGIN = 12345


def snap(
    at: datetime, equity: float = 10_000.0, balance: float = 10_000.0, login: int = LOGIN
) -> AccountSnapshot:
    return AccountSnapshot(
        at=at, login=login, balance=balance, equity=equity, margin=0.0, margin_free=equity, margin_level=0.0,
        profit=equity - balance,
    )  # fmt: skip


def every(seconds: float, start: datetime, end: datetime) -> list[datetime]:
    """Sample times from `start` (included) to `end` (excluded)."""
    times, at = [], start
    while at < end:
        times.append(at)
        at += timedelta(seconds=seconds)
    return times


def deal(ticket: int, when: datetime, kind: DealType, profit: float) -> Deal:
    stamp = int(when.timestamp())
    return Deal(
        ticket=ticket, order=0, position_id=0, symbol="", type=kind, entry=DealEntry.IN, reason=Reason.CLIENT,
        volume=0.0, price=0.0, commission=0.0, swap=0.0, profit=profit, fee=0.0, magic=0, comment="",
        time=when, time_server=stamp, time_msc=stamp * 1000,
    )  # fmt: skip


def test_gap_threshold_is_three_intervals_and_at_least_ten_minutes() -> None:
    assert gap_threshold(60) == timedelta(minutes=10)
    assert gap_threshold(600) == timedelta(minutes=30)


def test_empty_input_has_no_points_and_keeps_the_cash() -> None:
    deposit = CashOperation(time=START + timedelta(days=2), amount=500.0)
    outside = CashOperation(time=START - timedelta(days=1), amount=100.0)
    curve = build_curve([], [deposit, outside], START, START + MONTH, 60)
    assert curve.points == []
    assert curve.gaps == []
    assert curve.cash == [deposit]


def test_a_running_service_has_no_gaps_and_every_point() -> None:
    end = START + timedelta(hours=6)
    times = every(60, START, end)
    curve = build_curve([snap(t, equity=10_000 + i) for i, t in enumerate(times)], [], START, end, 60)
    assert curve.gaps == []
    assert [p.time for p in curve.points] == times
    assert curve.points[-1].equity == 10_000 + len(times) - 1


def test_a_stopped_service_leaves_a_gap_a_late_sample_does_not() -> None:
    end = START + timedelta(hours=6)
    stopped_at, back_at = START + timedelta(hours=2), START + timedelta(hours=4)
    late = START + timedelta(hours=1)  # 5 minutes without a sample: under 3 intervals and 10 minutes
    times = [
        t
        for t in every(60, START, end)
        if not (stopped_at < t < back_at) and not (late < t < late + timedelta(minutes=5))
    ]
    curve = build_curve([snap(t) for t in times], [], START, end, 60)
    assert curve.gaps == [EquityGap(start=stopped_at, end=back_at)]
    # the line runs up to the gap on both sides
    assert stopped_at in [p.time for p in curve.points]
    assert back_at in [p.time for p in curve.points]


def test_the_threshold_follows_the_interval() -> None:
    end = START + timedelta(days=1)
    times = [
        t
        for t in every(600, START, end)
        if not (START + timedelta(hours=3) < t < START + timedelta(hours=3, minutes=25))
    ]
    assert build_curve([snap(t) for t in times], [], START, end, 600).gaps == []  # 30 min: 3 intervals
    assert len(build_curve([snap(t) for t in times], [], START, end, 60).gaps) == 1


def test_silence_before_the_first_and_after_the_last_sample_is_a_gap() -> None:
    first, last = START + timedelta(days=3), START + timedelta(days=20)
    curve = build_curve([snap(t) for t in every(3600, first, last)], [], START, START + MONTH, 3600)
    assert curve.gaps == [
        EquityGap(start=START, end=first),
        EquityGap(start=last - timedelta(hours=1), end=START + MONTH),
    ]


def test_deposits_and_withdrawals_are_the_balance_deals() -> None:
    deals = [
        deal(3, START + timedelta(days=9), DealType.BALANCE, -250.0),
        deal(1, START + timedelta(days=2), DealType.BALANCE, 1_000.0),
        deal(2, START + timedelta(days=3), DealType.SELL, 80.0),  # a trade: not cash
        deal(4, START + timedelta(days=4), DealType.CREDIT, 500.0),  # broker credit: not the client's cash
    ]
    ops = balance_operations(deals)
    assert ops == [
        CashOperation(time=START + timedelta(days=2), amount=1_000.0),
        CashOperation(time=START + timedelta(days=9), amount=-250.0),
    ]
    curve = build_curve([snap(t) for t in every(3600, START, START + MONTH)], ops, START, START + MONTH, 3600)
    assert curve.cash == ops


def test_a_month_of_minutes_is_downsampled_keeping_the_extremes_and_the_gap() -> None:
    end = START + timedelta(days=31)
    stopped_at, back_at = START + timedelta(days=12), START + timedelta(days=13, hours=6)
    times = [t for t in every(60, START, end) if not stopped_at < t < back_at]
    snaps = [snap(t, equity=10_000.0 + (i % 997)) for i, t in enumerate(times)]
    low, high = START + timedelta(days=20, minutes=7), START + timedelta(days=25, minutes=3)
    snaps = [
        snap(s.at, equity=2_000.0) if s.at == low else snap(s.at, equity=99_000.0) if s.at == high else s
        for s in snaps
    ]
    curve = build_curve(snaps, [], START, end, 60)
    assert len(snaps) > 40 * MAX_POINTS
    assert len(curve.points) <= MAX_POINTS
    assert len(curve.points) > MAX_POINTS // 3  # still detailed
    kept = {p.time: p.equity for p in curve.points}
    assert kept[low] == 2_000.0  # the drawdown is not smoothed away
    assert kept[high] == 99_000.0
    assert times[0] in kept and times[-1] in kept
    assert curve.gaps == [EquityGap(start=stopped_at, end=back_at)]
    assert stopped_at in kept and back_at in kept
    assert [p.time for p in curve.points] == sorted(kept)


def test_many_short_gaps_stay_within_the_bound() -> None:
    # a service restarted every half hour, down for 15 minutes each time: 1,488 gaps in a month
    end = START + timedelta(days=31)
    times = [t for t in every(60, START, end) if (t - START).total_seconds() % 1800 < 900]
    curve = build_curve([snap(t) for t in times], [], START, end, 60)
    assert len(curve.points) <= MAX_POINTS
    assert len(curve.gaps) <= MAX_POINTS // 2
    for before, after in zip(curve.gaps, curve.gaps[1:], strict=False):
        assert before.end < after.start  # merged, never overlapping
    assert not any(g.start < p.time < g.end for g in curve.gaps for p in curve.points)


def test_a_small_bound_is_kept() -> None:
    end = START + timedelta(days=2)
    times = [
        t for t in every(60, START, end) if not START + timedelta(hours=10) < t < START + timedelta(hours=12)
    ]
    curve = build_curve(
        [snap(t, equity=float(i % 50)) for i, t in enumerate(times)], [], START, end, 60, max_points=20
    )
    assert len(curve.points) <= 20
    assert len(curve.gaps) == 1


async def test_load_curve_reads_the_accounts_snapshots_up_to_now(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/equity.db")
    try:
        for at in every(3600, START, START + timedelta(days=2)):
            await db.snapshots.record(snap(at, equity=10_100.0))
            await db.snapshots.record(snap(at, equity=1.0, login=999))  # another account
        now = START + timedelta(days=1)
        deposit = deal(1, START + timedelta(hours=5), DealType.BALANCE, 300.0)
        cash = balance_operations([deposit])
        curve = await load_curve(
            db.snapshots, START, START + MONTH, login=LOGIN, cash=cash, interval_sec=3600, now=now
        )
        assert curve is not None
        assert len(curve.points) == 24  # up to now, not to the end of the month
        assert {p.equity for p in curve.points} == {10_100.0}
        assert curve.gaps == []  # the rest of the month has not happened: no gap
        assert curve.cash == [CashOperation(time=START + timedelta(hours=5), amount=300.0)]
        nothing = await load_curve(
            db.snapshots, START, START + MONTH, login=7, cash=[], interval_sec=60, now=now
        )
        assert nothing is None
    finally:
        await db.close()
