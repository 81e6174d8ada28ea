"""Notifications: trade events, rule actions, margin warnings and terminal link changes for subscribed users.

`Notifier.start(bus)` consumes the EventBus. Events are gathered per recipient for
`chat.notify_batch_sec` and sent as one message (a burst of twenty fills is one message, not twenty).
Each platform registers a `send(Outgoing)` callback; a failing callback is logged with its platform and
never stops the others. Recipients: configured users with `subscribe: true` (a runtime record in
`db.users` overrides it), in their private chat (chat id = user id).

On a front with several accounts (docs/accounts.md) each account's bus is consumed with its name:
every notice is headed by its account, and goes only to the users that account is allowed to.

A rule's stop move is told once: the rule's own line ("🔒 XAUUSD #123 SL → 3612.40 (保本)") replaces the
trade watcher's `position_modified` for the same ticket and SL (TP and volume unchanged), whichever of the
two comes first, as long as the other is still in its batch or came within RULE_STOP_MEMORY_SEC.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.auth import Gate, Permission, allowed
from bot.core.menu import MenuBook
from bot.core.outbox import Deliver, Outbox, Outcome
from bot.core.render import Renderer, joined
from bot.core.reports import SuggestionBook, consolidated_reply, report_reply, suggestion_book
from bot.messages import Outgoing, Reply
from bot.settings import Settings, UserEntry
from mt5bridge.common.tasks import TaskSet
from mt5bridge.trading.events import EventBus
from mt5bridge.trading.events.models import (
    TRADE_KINDS,
    AccountUpdate,
    Event,
    EventKind,
    PositionModified,
    RuleAction,
    RuleActionKind,
    TerminalDisconnected,
    TerminalReconnected,
)
from mt5bridge.trading.port import TradingPort
from nlu.lexicon import lexicon
from reports.across import AccountsRun
from reports.models import Report, ReportKind
from reports.runs import Charts, Handed
from storage.database import Database

log = logging.getLogger(__name__)

Send = Callable[[Outgoing], Awaitable[None]]
NOTIFY_KINDS = TRADE_KINDS | {
    EventKind.ACCOUNT_UPDATE, EventKind.TERMINAL_DISCONNECTED, EventKind.TERMINAL_RECONNECTED,
    EventKind.RULE_ACTION,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MarginWarning:
    """The margin level crossed below the configured threshold."""

    time: datetime
    margin_level: float
    threshold: float
    equity: float
    kind: str = "margin_warning"


Notice = Event | MarginWarning


@dataclass
class _Batch:
    items: list[tuple[str | None, Notice]] = field(default_factory=list)  # (account, notice)


@dataclass
class _Account:
    """What the notices of one account are drawn with: its currency, its symbols' digits, its margin."""

    trading: TradingPort | None
    shown: str | None = None  # the heading of its notices; None with one account
    currency: str = ""
    digits: dict[str, int] = field(default_factory=dict)
    margin_low: bool = False


RECIPIENTS_MAX_AGE = 2.0
RULE_STOP_MEMORY_SEC = 60.0  # a rule's SL move hides the watcher's notice of it this long


class Notifier:
    """Turns bus events into batched messages for subscribed users on every registered platform."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        trading: TradingPort | None = None,
        renderer: Renderer | None = None,
        menus: MenuBook | None = None,
        suggestions: SuggestionBook | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.trading = trading
        self.renderer = renderer or Renderer()
        self.menus = menus
        # the chat core's book, so that a tap on a scheduled report's suggestion finds its request
        self.suggestions = suggestion_book(time.monotonic) if suggestions is None else suggestions
        self.gate = Gate(settings)
        names = lexicon(settings.nlu.aliases)
        self.canonical: Callable[[str], str] = lambda name: names.resolve(name) or name  # XAUUSD.m -> XAUUSD
        self._accounts: dict[str | None, _Account] = {None: _Account(trading)}
        self._senders: dict[str, Outbox] = {}
        self._buttonless: set[str] = set()
        self._channels: list[UserEntry] = []
        self._batches: dict[tuple[str, str], _Batch] = {}
        self._tasks = TaskSet("notifier")
        # (users-table changes seen, when read, recipients) for trade events; see `_event_recipients`.
        self._event_users: tuple[int, float, list[UserEntry]] | None = None
        # (account, ticket) -> (the SL a rule set, when): the watcher's notice of it is not repeated
        self._rule_stops: dict[tuple[str | None, int], tuple[float, float]] = {}

    def register(
        self,
        platform: str,
        sender: Outbox | Send,
        *,
        buttons: bool = True,
        recipients: tuple[UserEntry, ...] = (),
    ) -> None:
        """Deliver this platform's notifications and reports through its outbox (a plain `send` callback
        gets one of its own); `buttons=False` for a platform without buttons: a report's buttons then
        become a numbered menu (menu.py). `recipients`: send-only channels of the platform (group
        robots) that get every notification and report."""
        self._senders[platform] = (
            sender if isinstance(sender, Outbox) else Outbox(platform, _through(platform, sender))
        )
        if not buttons:
            self._buttonless.add(platform)
        self._channels.extend(recipients)

    def outboxes(self) -> dict[str, Outbox]:
        """Each registered platform's outbox (for /status's queue depths and the admins' warnings)."""
        return dict(self._senders)

    def start(self, bus: EventBus) -> None:
        """Consume the bus in a background task."""
        bus.consume(self.on_event, NOTIFY_KINDS, name="chat-notifier")

    def start_account(self, bus: EventBus, name: str, shown: str, trading: TradingPort) -> None:
        """Consume one account's bus (a front's bridge, or its own terminal among several accounts):
        its notices are headed `shown` and go to the users allowed `name`."""
        self._accounts[name] = _Account(trading, shown)

        async def on_event(event: Event) -> None:
            await self.on_event(event, account=name)

        bus.consume(on_event, NOTIFY_KINDS, name=f"chat-notifier:{name}")

    async def close(self) -> None:
        """Hand on what is still batched, then stop (the outboxes deliver it; their owners close them)."""
        await self._tasks.close()
        for key in list(self._batches):
            await self._flush(key)

    async def on_event(self, event: Event, *, account: str | None = None) -> None:
        """One bus event (of `account`, on a front): a notice for every subscribed recipient (batched)."""
        notice = self._notice(event, self._accounts[account])
        if notice is None or self._told_by_rule(notice, account):
            return
        for user in await self._event_recipients():
            if account is None or _may_see(user, account):
                self._add((user.platform, user.id), (account, notice))

    async def _event_recipients(self) -> list[UserEntry]:
        """`_recipients()` for trade events, read again after a subscription change in this process or
        after RECIPIENTS_MAX_AGE seconds (another process may change the table): a grid EA's burst of
        trades was a users-table query per event, and the notifier fell behind the bus."""
        seen, now, cached = self.db.users.changes, time.monotonic(), self._event_users
        if cached is not None and cached[0] == seen and now - cached[1] < RECIPIENTS_MAX_AGE:
            return cached[2]
        found = await self._recipients()
        self._event_users = (seen, now, found)
        return found

    def _notice(self, event: Event, account: _Account) -> Notice | None:
        if isinstance(event, AccountUpdate):
            return self._margin(event, account)
        if isinstance(event, TerminalDisconnected | TerminalReconnected | RuleAction):
            return event  # a rule's action: notify.j2 renders it from its codes
        if event.kind in TRADE_KINDS:
            return event
        return None

    def _told_by_rule(self, notice: Notice, account: str | None) -> bool:
        """True for the watcher's notice of an SL a rule just moved (dropped); a rule's move removes the
        watcher's notice of it still waiting in a batch."""
        now = time.monotonic()
        if isinstance(notice, RuleAction) and notice.action is RuleActionKind.SL_MOVED:
            if notice.ticket is not None and notice.new_sl is not None:
                self._rule_stops = {
                    k: v for k, v in self._rule_stops.items() if now - v[1] < RULE_STOP_MEMORY_SEC
                }
                self._rule_stops[account, notice.ticket] = (notice.new_sl, now)
                for batch in self._batches.values():
                    batch.items = [
                        i for i in batch.items if not _same_stop(i, account, notice.ticket, notice.new_sl)
                    ]
            return False
        if not isinstance(notice, PositionModified):
            return False
        known = self._rule_stops.get((account, notice.ticket))
        if known is None or now - known[1] >= RULE_STOP_MEMORY_SEC:
            return False
        return _same_stop((account, notice), account, notice.ticket, known[0])

    def _margin(self, event: AccountUpdate, account: _Account) -> MarginWarning | None:
        """Warn once when the level falls below the threshold; re-arm when it is back above."""
        threshold = self.settings.alerts.margin_level_below
        low = event.margin > 0 and threshold > 0 and event.margin_level < threshold
        warn = low and not account.margin_low
        account.margin_low = low
        if not warn:
            return None
        return MarginWarning(event.time, event.margin_level, threshold, event.equity)

    async def broadcast_report(
        self,
        report: Report,
        chart: bytes | Charts | None,
        *,
        skip: frozenset[tuple[str, str]] = frozenset(),
        late: datetime | None = None,
        account: str | None = None,
    ) -> list[Handed]:
        """Hand a (scheduled) report to the outbox of every user subscribed to its kind, in their language,
        except `skip`; `late`: when it was due (a run sent after the fact says so). Each `Handed` resolves
        once its outbox has delivered it (None) or given up (the outcome)."""
        made: dict[tuple[str, bool], Reply] = {}
        handed: list[Handed] = []
        shown = self._accounts[account].shown if account in self._accounts else account
        for user in await self._recipients(report.kind):
            if (user.platform, user.id) in skip or (account is not None and not _may_see(user, account)):
                continue
            key = (self.gate.lang(user, None), allowed(user.role, Permission.TRADE))
            if key not in made:
                offers = self.suggestions if key[1] else None
                png = await chart(key[0]) if callable(chart) else chart  # the chart in their language
                made[key] = report_reply(
                    self.renderer, key[0], report, png, offers=offers, late=late, account=account, shown=shown
                )
            reply = made[key]
            if user.platform in self._buttonless and self.menus is not None:
                owner = (user.platform, user.id, user.id)
                [reply] = self.menus.offer(owner, [reply], self.renderer, key[0])
            futures = self._senders[user.platform].post(user.id, reply)
            handed.append(Handed(user.platform, user.id, asyncio.ensure_future(_outcome(futures))))
        return handed

    async def broadcast_consolidated(
        self,
        report: AccountsRun,
        chart: bytes | Charts | None,
        *,
        skip: frozenset[tuple[str, str]] = frozenset(),
        late: datetime | None = None,
    ) -> list[Handed]:
        """The consolidated report of a front's scheduled run to every subscriber of its kind who may see
        two accounts or more, over the accounts they may see (no chart: each account's report has one)."""
        names = [name for name in self._accounts if name is not None]
        made: dict[tuple[str, tuple[str, ...]], Reply] = {}
        handed: list[Handed] = []
        run = report
        for user in await self._recipients(run.kind):
            mine = tuple(name for name in names if _may_see(user, name))
            if (user.platform, user.id) in skip or len(mine) < 2:
                continue
            key = (self.gate.lang(user, None), mine)
            if key not in made:
                made[key] = consolidated_reply(
                    self.renderer, key[0], run, accounts=list(mine), canonical=self.canonical, late=late
                )
            futures = self._senders[user.platform].post(user.id, made[key])
            handed.append(Handed(user.platform, user.id, asyncio.ensure_future(_outcome(futures))))
        return handed

    async def _recipients(self, kind: ReportKind | None = None) -> list[UserEntry]:
        """Subscribed users on a registered platform (for a report: not unsubscribed from its kind)."""
        records = {(r.platform, r.user_id): r.subscribed for r in await self.db.users.all()}
        choices = await self.db.reports.choices(kind.value) if kind is not None else {}
        users = [
            u
            for u in self.settings.users
            if u.platform in self._senders
            and records.get((u.platform, u.id), u.subscribe)
            and choices.get((u.platform, u.id, kind.value if kind else ""), True)
        ]
        return users + self._channels

    def _add(self, key: tuple[str, str], notice: tuple[str | None, Notice]) -> None:
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            self._tasks.spawn(self._flush_later(key), f"flush:{key[0]}:{key[1]}")
        batch.items.append(notice)

    async def _flush_later(self, key: tuple[str, str]) -> None:
        await asyncio.sleep(self.settings.chat.notify_batch_sec)
        await self._flush(key)

    async def _flush(self, key: tuple[str, str]) -> None:
        batch = self._batches.pop(key, None)
        if batch is None or not batch.items:
            return
        platform, user_id = key
        lang = self.gate.lang(self.gate.user(platform, user_id), None)
        by_account: dict[str | None, list[Notice]] = {}
        for name, notice in batch.items:
            by_account.setdefault(name, []).append(notice)
        parts = []
        for name, items in by_account.items():
            account = self._accounts[name]
            await _learn(account, items)
            rendered = self.renderer.render(
                lang, "notify", "batch", items=items, digits=account.digits, currency=account.currency
            )
            if account.shown is not None:
                rendered = self.renderer.render(lang, "accounts", "heading", name=account.shown).then(
                    rendered
                )
            parts.append(rendered)
        # queued, never awaited here: one platform being down must not stop the others (or the next batch)
        self._senders[platform].post(user_id, joined(parts).reply(), merge=True)


def _same_stop(item: tuple[str | None, Notice], account: str | None, ticket: int, sl: float) -> bool:
    """The watcher's notice of exactly this SL change (nothing else changed with it)."""
    name, notice = item
    return (
        name == account
        and isinstance(notice, PositionModified)
        and notice.ticket == ticket
        and notice.new_sl is not None
        and math.isclose(notice.new_sl, sl, rel_tol=1e-9, abs_tol=1e-9)
        and notice.old_tp == notice.new_tp
        and notice.old_volume == notice.new_volume
    )


def _may_see(user: UserEntry, account: str) -> bool:
    """A user hears of the accounts they may use (`users[].accounts`, empty: all); channels of all."""
    return not user.accounts or account.lower() in {a.lower() for a in user.accounts}


async def _learn(account: _Account, items: list[Notice]) -> None:
    """Account currency and symbol digits for rendering; without them amounts still show."""
    if account.trading is None:
        return
    symbols = {_symbol_of(i) for i in items} - {""} - account.digits.keys()
    try:
        if not account.currency:
            account.currency = (await account.trading.account()).currency
        for name in symbols:
            account.digits[name] = (await account.trading.symbol(name)).digits
    except Exception:  # the terminal may be the very thing that is down
        log.debug("notifier could not read currency/digits", exc_info=True)


def _symbol_of(notice: Notice) -> str:
    """The symbol a notice is about: its own, or its position's or order's (opens, pending orders)."""
    for holder in (notice, getattr(notice, "position", None), getattr(notice, "order", None)):
        symbol = getattr(holder, "symbol", None)
        if isinstance(symbol, str) and symbol:
            return symbol
    return ""


def _through(platform: str, send: Send) -> Deliver:
    """An outbox's way out through a plain `send` callback (tests, simple integrations)."""

    async def deliver(chat: str, reply: Reply) -> None:
        await send(Outgoing(platform=platform, chat_id=chat, reply=reply))

    return deliver


async def _outcome(futures: list[asyncio.Future[Outcome]]) -> str | None:
    """None when every piece was sent, else how the first that was not ended."""
    for outcome in await asyncio.gather(*futures):
        if outcome is not Outcome.SENT:
            return outcome.value
    return None
