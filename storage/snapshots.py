"""Account snapshots sampled on an interval, for equity curves and drawdown."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from storage.engine import Connector
from storage.models import AccountSnapshot
from storage.tables import account_snapshots

_COLUMNS = [c for c in account_snapshots.c if c.name not in ("id", "account")]
SERIES_CHUNK = 2000  # rows converted between two yields to the event loop


class BalancePoint(NamedTuple):
    """One snapshot's time, balance and equity: what a curve needs, without a model per row."""

    at: datetime
    balance: float
    equity: float


class SnapshotStore:
    """Record and query account snapshots.

    A snapshot is stored with the recording service's account (`Connector.scope`, revision 0005), which
    retention goes by; reads go by `login`, the terminal account the figures are of.
    """

    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def record(self, snap: AccountSnapshot) -> None:
        """Store one snapshot."""
        async with self._db.write() as conn:
            await conn.execute(
                sa.insert(account_snapshots).values(**snap.model_dump(), account=self._db.scope)
            )

    async def between(
        self, start: datetime, end: datetime, login: int | None = None
    ) -> list[AccountSnapshot]:
        """Snapshots with start <= at < end (half-open: consecutive periods never share one), oldest first."""
        query = (
            sa.select(*_COLUMNS)
            .where(account_snapshots.c.at >= start, account_snapshots.c.at < end)
            .order_by(account_snapshots.c.at, account_snapshots.c.id)
        )
        if login is not None:
            query = query.where(account_snapshots.c.login == login)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AccountSnapshot.model_validate(dict(row)) for row in rows]

    async def series(self, start: datetime, end: datetime, login: int | None = None) -> list[BalancePoint]:
        """(at, balance, equity) with start <= at < end, oldest first: a month of minute snapshots read in
        chunks, yielding to the event loop between them, so a long curve never stalls the service."""
        t = account_snapshots.c
        query = sa.select(t.at, t.balance, t.equity).where(t.at >= start, t.at < end).order_by(t.at, t.id)
        if login is not None:
            query = query.where(t.login == login)
        points: list[BalancePoint] = []
        async with self._db.read() as conn:
            result = await conn.stream(query.execution_options(yield_per=SERIES_CHUNK))
            async for chunk in result.partitions(SERIES_CHUNK):
                points.extend(BalancePoint(at, balance, equity) for at, balance, equity in chunk)
                await asyncio.sleep(0)
        return points

    async def latest(self, login: int) -> AccountSnapshot | None:
        """The newest snapshot of this account."""
        query = (
            sa.select(*_COLUMNS)
            .where(account_snapshots.c.login == login)
            .order_by(account_snapshots.c.at.desc(), account_snapshots.c.id.desc())
            .limit(1)
        )
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else AccountSnapshot.model_validate(dict(row))
