"""The terminal's state as one evaluation round reads it: `SnapshotSource.take()` builds a `Snapshot`.

The I/O edge of the rules' pure evaluation (docs/rules.md, "Snapshots"): every open position, the quotes
and symbol facts of the symbols held, the account, the reporting day and its start-of-day equity, and the
ATR and bar extremes the trails asked for (closed bars only, computed by the served indicator code).

Per round it costs two terminal calls (positions, account) plus one tick per symbol held whose quote the
runner did not pass in (`take(quotes=...)`). Symbol facts are cached (`FACTS_TTL_SEC`), market figures
until the bar they were computed on is followed by a new one, the start-of-day equity per reporting day.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import ValidationError

from mt5bridge.common.vocab import Period
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error
from mt5bridge.terminal.models import Account
from mt5bridge.trading.indicators import (
    ATRParams,
    IndicatorError,
    IndicatorName,
    IndicatorRequest,
    bars_needed,
    compute,
)
from mt5bridge.trading.periods import period_window, reporting_date
from mt5bridge.trading.rules.inputs import (
    AccountFacts,
    AtrKey,
    BarExtremes,
    BarsKey,
    FigureKey,
    OpenPosition,
    Quote,
    Snapshot,
    SymbolFacts,
)
from storage.snapshots import SnapshotStore

log = logging.getLogger(__name__)

FACTS_TTL_SEC = 300.0  # stops and freeze levels may change (brokers widen them before news): re-read
STORE_RETRY_SEC = 60.0  # after a failed read of the stored snapshots, try again this much later
TIMEFRAME_SECONDS = {"M1": 60, "M5": 300, "M15": 900, "M30": 1800, "H1": 3600, "H4": 14400, "D1": 86400}


class DayStartBasis(StrEnum):
    """Where the start-of-day equity came from (docs/rules.md, "Start-of-day equity")."""

    SNAPSHOT = "snapshot"  # the stored account snapshot at or just before the day's start
    FIRST_SNAPSHOT = "first_snapshot"  # none then: the first snapshot stored during the day
    FIRST_SEEN = "first_seen"  # none stored: the first equity this source saw that day (in memory)


@dataclass(frozen=True, slots=True)
class DayStart:
    """The reporting day's start-of-day equity, where it came from, and when that equity was measured."""

    day: date
    equity: float
    basis: DayStartBasis
    at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class _Figure:
    value: float | BarExtremes
    until: int  # server-scale epoch: the bar after the forming one opens here; then it is read again


def timeframe_of(name: str) -> int:
    """MT5's TIMEFRAME_* constant of a rule's timeframe (`M1` ... `D1`)."""
    if name not in TIMEFRAME_SECONDS:
        raise ValueError(f"unknown timeframe {name!r}")
    return int(getattr(C, f"TIMEFRAME_{name}"))


class SnapshotSource:
    """Builds each round's `Snapshot` from the terminal, the reporting calendar and the stored snapshots.

    `timezone` is the reporting calendar (config `timezone`; None: the trade server's day), as reports
    and the daily loss limit count "today" (`mt5bridge.trading.periods`). `snapshots` is the database's
    account snapshots (`Database.snapshots`); without it the start-of-day equity is the first one seen.
    `snapshot_interval_sec` is how often they are recorded: a stored snapshot counts as "at the day's
    start" if it is at most `max(3 intervals, 10 minutes)` before it (the reports' gap threshold).
    `clock_refresh_sec`: how often the server's clock is read when the quotes held do not tell it.
    """

    def __init__(
        self,
        client: MT5Client,
        *,
        timezone: ZoneInfo | str | None = None,
        snapshots: SnapshotStore | None = None,
        snapshot_interval_sec: float = 60.0,
        clock_refresh_sec: float = 30.0,
    ) -> None:
        self._client = client
        self._tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._store = snapshots
        self._lookback = max(timedelta(seconds=3 * snapshot_interval_sec), timedelta(minutes=10))
        self._facts: dict[str, tuple[SymbolFacts | None, float]] = {}  # symbol -> (facts, read at)
        self._figures: dict[FigureKey, _Figure] = {}
        self._clock: tuple[int, float] | None = None  # (server now, monotonic when read)
        self._clock_refresh = clock_refresh_sec
        self._day_start: DayStart | None = None  # final for its day
        self._first_seen: DayStart | None = None  # the first equity seen on its day
        self._store_retry = 0.0  # monotonic time before which a failed store read is not repeated
        self._used: DayStart | None = None  # what the last snapshot used

    @property
    def timezone(self) -> ZoneInfo | None:
        return self._tz

    @property
    def day_start(self) -> DayStart | None:
        """The start-of-day equity of the last snapshot taken, with its basis (for previews and logs)."""
        return self._used

    # --- the round ------------------------------------------------------------------------------------
    async def take(
        self, figures: Iterable[FigureKey] = (), *, quotes: Mapping[str, Quote] | None = None
    ) -> Snapshot:
        """The terminal's state now: every open position (a ticket missing is taken as closed, so a
        position that cannot be read fails the round instead of being dropped), the quotes and facts of
        the symbols held (a symbol whose quote or facts cannot be read is left out: its rules hold), the
        account, the reporting day and its start-of-day equity, and `figures` (the ATR and bar extremes
        `evaluate.needs` named; one that cannot be computed is left out, and its trail holds).

        `quotes`: the latest quote per symbol the caller already has (the tick stream, conflated); only
        the symbols held that it lacks are read from the terminal. Terminal errors reading the positions
        or the account propagate (MT5Error)."""
        raw_positions, account = await asyncio.gather(self._client.positions(), self._client.account())
        positions = tuple(OpenPosition.of(p) for p in raw_positions)
        symbols = sorted({p.symbol for p in positions})
        given = dict(quotes or {})
        ticks = await self._quotes([s for s in symbols if s not in given])
        fetched = {s: q for s, (q, _) in ticks.items()}
        merged = {**{s: q for s, q in given.items() if s in symbols}, **fetched}
        facts = {s: f for s in symbols if (f := await self._symbol_facts(s)) is not None}
        now_server = await self._server_now([t for _, t in ticks.values()])
        day = reporting_date(now_server, tz=self._tz, server_utc_offset=self._client.server_utc_offset)
        start = self._used = await self._start_equity(day, now_server, account)
        atr, extremes = await self._market_figures(figures, {s: t for s, (_, t) in ticks.items()}, now_server)
        return Snapshot(
            positions=positions, quotes=merged, symbols=facts, account=AccountFacts.of(account), day=day,
            day_start_equity=start.equity, atr=atr, extremes=extremes,
        )  # fmt: skip

    async def _quotes(self, symbols: list[str]) -> dict[str, tuple[Quote, int]]:
        """Each symbol's latest quote with its server time; one that cannot be read or priced is left out."""
        found: dict[str, tuple[Quote, int]] = {}
        for symbol in symbols:
            try:
                tick = await self._client.tick(symbol)
                found[symbol] = (Quote(bid=tick.bid, ask=tick.ask), tick.time_server)
            except (MT5Error, ValidationError) as exc:  # no quote yet (bid 0), or an unknown symbol
                log.debug("rules: no quote for %s: %s", symbol, exc)
        return found

    async def _symbol_facts(self, symbol: str) -> SymbolFacts | None:
        """The symbol's facts, cached FACTS_TTL_SEC; None (and logged) when they cannot be priced."""
        cached = self._facts.get(symbol)
        if cached is not None and time.monotonic() - cached[1] < FACTS_TTL_SEC:
            return cached[0]
        try:
            facts: SymbolFacts | None = SymbolFacts.of(await self._client.symbol(symbol))
        except ValidationError as exc:  # a point or tick size of 0: nothing can be priced on it
            log.warning("rules: symbol %s cannot be priced: %s", symbol, exc.errors()[0]["msg"])
            facts = None
        except MT5Error as exc:
            log.debug("rules: no facts for %s: %s", symbol, exc)
            return cached[0] if cached is not None else None  # a stale answer beats none; not cached
        self._facts[symbol] = (facts, time.monotonic())
        return facts

    def forget(self, symbol: str | None = None) -> None:
        """Read a symbol's facts (every symbol's with None) again next round: after MT5 refused a stop as
        inside the stops or freeze level (10016, 10029), the level may have changed."""
        if symbol is None:
            self._facts.clear()
        else:
            self._facts.pop(symbol, None)

    async def _server_now(self, tick_times: list[int]) -> int:
        """The trade server's clock (server scale): the newest quote of a held symbol, else the server's
        clock (its newest Market Watch quote, a call that reads every symbol) asked every
        `clock_refresh_sec` and run on with ours in between, else ours."""
        now = max(tick_times, default=0)
        if self._clock is not None:
            known, read_at = self._clock
            elapsed = time.monotonic() - read_at
            if elapsed < self._clock_refresh:
                return max(now, known + int(elapsed))
        try:
            server = await self._client.server_time()
        except MT5Error:
            server = None
        measured = server if server is not None else datetime.now(UTC)
        known = int(measured.timestamp()) + self._client.server_utc_offset
        self._clock = (known, time.monotonic())
        return max(known, now)

    # --- start-of-day equity --------------------------------------------------------------------------
    async def _start_equity(self, day: date, now_server: int, account: Account) -> DayStart:
        if self._day_start is not None and self._day_start.day == day:
            return self._day_start
        if self._first_seen is None or self._first_seen.day != day:
            self._first_seen = DayStart(day, account.equity, DayStartBasis.FIRST_SEEN, datetime.now(UTC))
        if self._store is None or time.monotonic() < self._store_retry:
            return self._first_seen
        try:
            stored = await self._stored_start(self._store, day, now_server, account.login)
        except Exception as exc:  # the database is down: the figure seen, and a retry later
            log.warning("rules: cannot read the stored account snapshots (%s); start-of-day equity is "
                        "the first equity seen today until they can be read", exc)  # fmt: skip
            self._store_retry = time.monotonic() + STORE_RETRY_SEC
            return self._first_seen
        # A stored snapshot is final for the day; so is the first equity seen when none is stored (no
        # snapshot at the day's start can appear later, and a later first-of-day one is not better).
        self._day_start = stored or self._first_seen
        return self._day_start

    async def _stored_start(
        self, store: SnapshotStore, day: date, now_server: int, login: int
    ) -> DayStart | None:
        """The stored snapshot at or just before the day's start; else the day's first stored snapshot."""
        offset = self._client.server_utc_offset
        window = period_window(Period.TODAY, now_server, tz=self._tz, server_utc_offset=offset)
        start = datetime.fromtimestamp(window.start - offset, UTC)
        before = await store.series(start - self._lookback, start + timedelta(microseconds=1), login)
        if before:
            return DayStart(day, before[-1].equity, DayStartBasis.SNAPSHOT, before[-1].at)
        during = await store.series(start, datetime.fromtimestamp(window.end - offset, UTC), login)
        if during:
            return DayStart(day, during[0].equity, DayStartBasis.FIRST_SNAPSHOT, during[0].at)
        return None

    # --- ATR and bar extremes -------------------------------------------------------------------------
    async def _market_figures(
        self, keys: Iterable[FigureKey], tick_times: Mapping[str, int], now_server: int
    ) -> tuple[dict[AtrKey, float], dict[BarsKey, BarExtremes]]:
        atr: dict[AtrKey, float] = {}
        extremes: dict[BarsKey, BarExtremes] = {}
        for key in set(keys):
            value = await self._figure(key, tick_times.get(key.symbol, now_server))
            if isinstance(key, AtrKey) and isinstance(value, float):
                atr[key] = value
            elif isinstance(key, BarsKey) and isinstance(value, BarExtremes):
                extremes[key] = value
        return atr, extremes

    async def _figure(self, key: FigureKey, now: int) -> float | BarExtremes | None:
        cached = self._figures.get(key)
        if cached is not None and now < cached.until:
            return cached.value
        try:
            figure = await self._compute(key)
        except (MT5Error, IndicatorError, ValidationError, ValueError) as exc:
            log.info("rules: no %s: %s", key, exc)
            return None
        if figure is None:
            return None
        self._figures[key] = figure
        return figure.value

    async def _compute(self, key: FigureKey) -> _Figure | None:
        """The figure over closed bars (position 0, the forming bar, is read only for its open time: the
        figure holds until the bar after it opens)."""
        tf = timeframe_of(key.timeframe)
        seconds = TIMEFRAME_SECONDS[key.timeframe]
        if isinstance(key, AtrKey):
            request = IndicatorRequest(name=IndicatorName.ATR, params=ATRParams(period=key.period))
            count = bars_needed(request, 1)
        else:
            count = key.bars
        rates = await self._client.rates_from_pos(key.symbol, tf, 0, count + 1)
        if len(rates) < 2:
            return None
        closed, forming = rates[:-1], int(rates["time"][-1])
        until = forming + seconds
        if isinstance(key, AtrKey):
            value = compute(closed, request, 1).values["main"][-1]
            if value is None or not math.isfinite(value) or value <= 0:
                return None
            return _Figure(float(value), until)
        if len(closed) < key.bars:
            return None  # fewer closed bars than asked: the range is not what the rule means
        low, high = float(np.min(closed["low"])), float(np.max(closed["high"]))
        return _Figure(BarExtremes(low=low, high=high), until)
