"""Account snapshots: record, query a half-open period, per account, latest."""

from __future__ import annotations

from datetime import timedelta, timezone

from storage import Database
from tests.storage.builders import T0, snapshot


async def test_between_is_half_open_ordered_and_exact(db: Database) -> None:
    for minutes in (30, 0, 10, 20):
        await db.snapshots.record(snapshot(minutes))
    got = await db.snapshots.between(T0, T0 + timedelta(minutes=30))
    assert got == [snapshot(0), snapshot(10), snapshot(20)]


async def test_between_filters_by_login(db: Database) -> None:
    await db.snapshots.record(snapshot(0, login=1))
    await db.snapshots.record(snapshot(1, login=2, margin_level=0.0, credit=50.0))
    end = T0 + timedelta(hours=1)
    assert [s.login for s in await db.snapshots.between(T0, end)] == [1, 2]
    assert await db.snapshots.between(T0, end, login=2) == [
        snapshot(1, login=2, margin_level=0.0, credit=50.0)
    ]
    assert await db.snapshots.between(T0, end, login=3) == []


async def test_bounds_in_other_zones_mean_the_same_instants(db: Database) -> None:
    await db.snapshots.record(snapshot(0))
    beijing = timezone(timedelta(hours=8))
    start = T0.astimezone(beijing)
    assert len(await db.snapshots.between(start, start + timedelta(seconds=1))) == 1
    assert await db.snapshots.between(start - timedelta(seconds=1), start) == []


async def test_latest(db: Database) -> None:
    assert await db.snapshots.latest(12345) is None
    for minutes in (5, 15, 10):
        await db.snapshots.record(snapshot(minutes))
    assert await db.snapshots.latest(12345) == snapshot(15)


async def test_series_gives_the_same_points_as_between_without_models(db: Database) -> None:
    for minutes in (30, 0, 10, 20):
        await db.snapshots.record(snapshot(minutes, login=1))
    await db.snapshots.record(snapshot(5, login=2))
    end = T0 + timedelta(minutes=30)
    full = await db.snapshots.between(T0, end, login=1)
    points = await db.snapshots.series(T0, end, login=1)
    assert points == [(s.at, s.balance, s.equity) for s in full] and len(points) == 3
    assert all(p.at.utcoffset() == timedelta(0) for p in points)  # aware UTC, as the models are
    assert len(await db.snapshots.series(T0, end)) == 4
