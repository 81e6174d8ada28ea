"""`TradeWatcher`: finds every trade event — ours, an EA's or a hand-made one — by polling and diffing.

Each round reads positions, pending orders, the deals since the last seen one and the account, then lets
`events.diff` decide. Deals are read over `[cursor - 60 s, newest known time + 1 day]`: MT5 stamps history
in trade-server time, so `date_to = now` would miss the newest hours (mt5-api.md §6); already-seen deal
tickets are remembered for the look-back. A close whose deal was not in the batch (a race with the
previous read) is completed from the position's own deals. A round that fails half-way publishes nothing
and keeps the old snapshot, so an outage never shows up as positions closing.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from mt5bridge.common.poller import Poller
from mt5bridge.terminal import models as M
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import MT5Error, TerminalUnavailable
from mt5bridge.trading.events.bus import EventBus
from mt5bridge.trading.events.diff import (
    EXIT_ENTRIES,
    DealIndex,
    Snapshot,
    changed_positions,
    gone_orders,
    order_events,
    position_events,
    round_trips,
)
from mt5bridge.trading.events.models import AccountUpdate, Event

log = logging.getLogger(__name__)
DAY = 86400
LOOKBACK = 60


class TradeWatcher(Poller):
    """Publishes position, pending-order and account events found by diffing terminal snapshots."""

    def __init__(self, client: MT5Client, bus: EventBus, interval: float = 1.0) -> None:
        super().__init__("trade-watcher", interval, self.poll_once)
        self.client = client
        self.bus = bus
        self._snapshot: Snapshot | None = None
        self._cursor = 0
        self._seen: dict[int, int] = {}  # deal ticket -> its server time, for the look-back window
        self._account: tuple[float, ...] | None = None

    @property
    def primed(self) -> bool:
        return self._snapshot is not None

    async def prime(self) -> None:
        """Take the first snapshot; what exists now (and deals of the last day) is not reported."""
        positions, orders = await self.client.positions(), await self.client.orders()
        server_now = await self.client.server_time()
        start = int(server_now.timestamp()) if server_now else int(time.time())
        self._cursor = start - DAY
        for deal in await self.client.deals(self._cursor, self._date_to([])):
            self._remember(deal)
        self._snapshot = Snapshot.of(positions, orders)

    def _date_to(self, stamps: list[int]) -> int:
        return max([int(time.time()), self._cursor, *stamps]) + DAY

    def _remember(self, deal: M.Deal) -> None:
        self._seen[deal.ticket] = deal.time_server
        self._cursor = max(self._cursor, deal.time_server)

    async def poll_once(self) -> list[Event]:
        """One round: read, diff, publish; returns the published events (none if the terminal is down)."""
        try:
            if self._snapshot is None:
                await self.prime()
                return self._account_event(await self.client.account())
            events = await self._round(self._snapshot)
        except TerminalUnavailable:
            return []
        except MT5Error as exc:
            log.warning("trade watcher: round skipped: %s", exc)
            return []
        for event in events:
            self.bus.publish(event)
        return events

    async def _round(self, old: Snapshot) -> list[Event]:
        positions = await self.client.positions_reusing(old.positions)
        new = Snapshot.of(positions, await self.client.orders())
        stamps = [p.time_update_server for p in new.positions.values()]
        stamps += [o.time_setup_server for o in new.orders.values()]
        date_to = self._date_to(stamps)
        fresh = await self.client.new_deals(self._cursor - LOOKBACK, date_to, self._seen)
        fresh += await self._missing_exits(old, new, fresh)
        deals = DealIndex.of(fresh)
        history = await self._order_records(old, new, deals, date_to)
        account = await self.client.account()
        now = datetime.now(UTC)
        events = order_events(old, new, deals, history, now) + position_events(old, new, deals, now)
        events += round_trips(old, new, deals, now)  # opened and closed since the last round
        events += self._account_event(account, publish=False)
        # Commit only now: an exception above leaves the previous state for the next round.
        for deal in fresh:
            self._remember(deal)
        self._prune()
        self._snapshot = new
        return events

    async def _missing_exits(self, old: Snapshot, new: Snapshot, fresh: list[M.Deal]) -> list[M.Deal]:
        """The last exit deal of each closed/reduced position whose exit is not among `fresh`."""
        have = {d.position_id for d in fresh if d.entry in EXIT_ENTRIES}
        found = []
        for position in changed_positions(old, new):
            if position.identifier in have:
                continue
            exits = [
                d for d in await self.client.deals(position=position.identifier) if d.entry in EXIT_ENTRIES
            ]
            if exits:
                found.append(max(exits, key=lambda d: (d.time_msc, d.ticket)))
        return found

    async def _order_records(
        self, old: Snapshot, new: Snapshot, deals: DealIndex, date_to: int
    ) -> dict[int, M.Order]:
        """History records of pending orders that left without a visible fill."""
        unexplained = [
            o
            for o in gone_orders(old, new)
            if o.ticket not in deals.by_order and o.ticket not in new.positions
        ]
        if not unexplained:
            return {}
        wanted = {o.ticket for o in unexplained}
        since = min(o.time_setup_server for o in unexplained) - 1
        return {o.ticket: o for o in await self.client.history_orders(since, date_to) if o.ticket in wanted}

    def _prune(self) -> None:
        horizon = self._cursor - LOOKBACK
        if len(self._seen) > 1000 or any(t < horizon for t in self._seen.values()):
            self._seen = {k: t for k, t in self._seen.items() if t >= horizon}

    def _account_event(self, account: M.Account, *, publish: bool = True) -> list[Event]:
        """An AccountUpdate when balance/equity/margin/profit changed since the last one."""
        key = (account.balance, account.equity, account.margin, account.margin_free, account.margin_level,
               account.profit)  # fmt: skip
        if key == self._account:
            return []
        self._account = key
        event = AccountUpdate(
            time=datetime.now(UTC), balance=account.balance, equity=account.equity, margin=account.margin,
            margin_free=account.margin_free, margin_level=account.margin_level, profit=account.profit,
        )  # fmt: skip
        if publish:
            self.bus.publish(event)
        return [event]
