"""The monthly report's equity curve: balance and equity over the month, from the recorded account snapshots.

MT5 keeps no equity history, so the curve is what `SnapshotRecorder` sampled (every
`database.snapshot_interval_sec`). Where the service was not running there are no snapshots: such a
stretch is a gap, drawn as a break, never as a straight line across it. See docs/reports.md, "Equity curve".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import numpy as np

from mt5bridge.terminal.enums import DealType
from reports.models import CashOperation, EquityCurve, EquityGap, EquityPoint

if TYPE_CHECKING:
    from mt5bridge.trading.pnl import DealLike

MAX_POINTS = 1000  # a month of 60 s snapshots is 44,640; the chart is 1000 px wide
GAP_INTERVALS = 3  # a silence longer than 3 intervals (and than MIN_GAP) is a gap, not a late sample
MIN_GAP = timedelta(minutes=10)


class Sample(Protocol):
    """What a curve needs of a snapshot (storage's `BalancePoint` or `AccountSnapshot`)."""

    @property
    def at(self) -> datetime: ...

    @property
    def balance(self) -> float: ...

    @property
    def equity(self) -> float: ...


class SnapshotSource(Protocol):
    """Where the snapshots come from: `storage.snapshots.SnapshotStore` (`Database.snapshots`)."""

    async def series(self, start: datetime, end: datetime, login: int | None = None) -> Sequence[Sample]: ...


async def load_curve(
    store: SnapshotSource,
    start: datetime,
    end: datetime,
    *,
    login: int,
    cash: Sequence[CashOperation],
    interval_sec: float,
    now: datetime,
) -> EquityCurve | None:
    """The curve of account `login` from `start` to `end` (or `now` when the window runs on), with the
    deposits and withdrawals `cash`; None when no snapshot was recorded in that time."""
    until = min(end, now)
    snapshots = await store.series(start, until, login)  # read in chunks: the loop stays free
    if not snapshots:
        return None
    # a month of minutes is ~45,000 samples: shaped in a worker thread, never on the event loop
    return await asyncio.to_thread(build_curve, snapshots, cash, start, until, interval_sec)


def balance_operations(deals: Iterable[DealLike], server_utc_offset: int = 0) -> list[CashOperation]:
    """Deposits (> 0) and withdrawals (< 0): the BALANCE deals, oldest first (models or rows alike: the
    time is the terminal's, on the server scale, less the server's offset from UTC)."""
    ops = [
        CashOperation(
            time=datetime.fromtimestamp(d.time_server - server_utc_offset, UTC), amount=round(d.profit, 2)
        )
        for d in deals
        if d.type is DealType.BALANCE
    ]
    return sorted(ops, key=lambda op: op.time)


def gap_threshold(interval_sec: float) -> timedelta:
    """How long without a snapshot counts as a gap: 3 intervals, at least 10 minutes."""
    return max(timedelta(seconds=GAP_INTERVALS * interval_sec), MIN_GAP)


def build_curve(
    snapshots: Sequence[Sample],
    balance_ops: Iterable[CashOperation],
    start: datetime,
    end: datetime,
    interval_sec: float,
    *,
    max_points: int = MAX_POINTS,
) -> EquityCurve:
    """The curve of the snapshots in [start, end): at most `max_points` points, the gaps, the cash moves.

    Downsampling keeps, per time bucket, the snapshots of lowest and highest equity (so a drawdown is never
    smoothed away) and the snapshots on either side of every gap (so the line runs up to the gap). Gaps
    closer together than a bucket merge into one: what lies between them would be narrower than a pixel.
    Vectorised: a month of minutes (44,640 snapshots) takes a few milliseconds.
    """
    cash = sorted((op for op in balance_ops if start <= op.time < end), key=lambda op: op.time)
    snaps = sorted((s for s in snapshots if start <= s.at < end), key=lambda s: s.at)
    if not snaps:
        return EquityCurve(points=[], gaps=[], cash=cash)
    seconds = np.array([s.at.timestamp() for s in snaps])
    times = [start, *(s.at for s in snaps), end]
    bounds = np.concatenate(([start.timestamp()], seconds, [end.timestamp()]))
    silent = np.flatnonzero(np.diff(bounds) > gap_threshold(interval_sec).total_seconds())
    span = (end - start).total_seconds()
    # gap i runs from times[i] to times[i + 1]: the snapshots (or window bounds) on either side of it
    runs = _merge([(int(i), int(i) + 1) for i in silent], bounds, span / max(1, (max_points - 4) // 4))
    gaps = [EquityGap(start=times[a], end=times[b]) for a, b in runs]
    keep = np.ones(len(snaps), dtype=bool)
    for a, b in runs:
        keep[a : b - 1] = False  # snapshots inside a merged gap (indices shift by one: times has `start`)
    if keep.sum() > max_points:
        buckets = max(1, (max_points - 2 - 2 * len(gaps)) // 2)
        edges = {i for run in runs for i in run}
        keep &= _extremes(seconds - start.timestamp(), snaps, span, buckets, edges)
    points = [
        EquityPoint(time=s.at, balance=round(s.balance, 2), equity=round(s.equity, 2))
        for s, kept in zip(snaps, keep, strict=True)
        if kept
    ]
    return EquityCurve(points=points, gaps=gaps, cash=cash)


def _merge(runs: list[tuple[int, int]], bounds: np.ndarray, closer_than: float) -> list[tuple[int, int]]:
    """Gaps (as index pairs into `bounds`) with less than `closer_than` seconds between them, as one."""
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and bounds[a] - bounds[merged[-1][1]] < closer_than:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _extremes(
    offsets: np.ndarray, snaps: Sequence[Sample], span: float, buckets: int, edges: set[int]
) -> np.ndarray:
    """Which snapshots to keep: per one of `buckets` equal slices of the window, the lowest and highest
    equity; the first and the last; those at the gap edges (`edges` index the bounds, 1 = first snapshot)."""
    equity = np.array([s.equity for s in snaps])
    bucket = np.minimum((offsets / span * buckets).astype(int), buckets - 1)
    order = np.lexsort((equity, bucket))  # by bucket, then by equity
    first = np.flatnonzero(np.r_[True, bucket[order][1:] != bucket[order][:-1]])
    last = np.r_[first[1:] - 1, len(order) - 1]
    keep = np.zeros(len(snaps), dtype=bool)
    keep[order[first]] = keep[order[last]] = True
    keep[[0, -1]] = True
    keep[[i - 1 for i in edges if 1 <= i <= len(snaps)]] = True
    return keep
