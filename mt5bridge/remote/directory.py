"""The accounts a service can reach: its own terminal and the bridges of `accounts:`, by name.

Each entry holds a `TradingPort` (the local `TradingService` or a `RemoteTrading`) and, for a bridge,
its last `BridgeStatus` and its feed's state. The chat core and the front's REST routes look accounts up
here; `AccountWatch` keeps the statuses fresh. Contract: docs/accounts.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from mt5bridge.common.errors import ErrorKind, MT5BotError
from mt5bridge.remote.client import RemoteTrading
from mt5bridge.remote.feed import BridgeFeed, FeedState
from mt5bridge.remote.status import BridgeState, BridgeStatus, probe
from mt5bridge.trading.port import RulePort, TradingPort

log = logging.getLogger(__name__)

# Said of every account in a request for all of them ("所有账户", "all accounts", `?account=*`).
ALL = "*"


class UnknownAccount(MT5BotError):
    """A name that is no configured account, or one the caller may not use."""

    kind = ErrorKind.INVALID
    code = "unknown_account"

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"no account {name!r}; accounts: {', '.join(known) or '(none)'}")
        self.name = name
        self.known = list(known)


@dataclass
class AccountEntry:
    """One account: its name, what people call it, how to reach it and, for a bridge, how it is."""

    name: str
    label: str | None
    port: TradingPort
    remote: RemoteTrading | None = None  # None: this service's own terminal
    status: BridgeStatus | None = None
    feed: BridgeFeed | None = None
    rules: RulePort | None = None  # its trade-management rules; None: not reachable from here (yet)

    @property
    def shown(self) -> str:
        """The name people see: the label when there is one."""
        return self.label or self.name

    @property
    def reachable(self) -> bool:
        """False when the last probe found the bridge down or refusing the token (local: always True)."""
        return self.status is None or self.status.state is BridgeState.UP

    @property
    def feed_state(self) -> FeedState | None:
        return None if self.feed is None else self.feed.status.state


@dataclass
class AccountDirectory:
    """Every account in configured order (the first is the default of anyone who names none)."""

    entries: list[AccountEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [e.name for e in self.entries]
        if len(set(names)) != len(names):
            raise ValueError(f"account names must be unique: {names}")

    def __iter__(self) -> Iterator[AccountEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    @property
    def several(self) -> bool:
        """More than one account: previews and notices then name theirs."""
        return len(self.entries) > 1

    @property
    def default(self) -> AccountEntry:
        return self.entries[0]

    def get(self, name: str) -> AccountEntry:
        """The account called `name` (case-insensitive); `UnknownAccount` when there is none."""
        for entry in self.entries:
            if entry.name.lower() == name.lower():
                return entry
        raise UnknownAccount(name, self.names)

    def labels(self) -> dict[str, str]:
        """Name -> label, for the accounts that have one (the parser reads labels as names)."""
        return {e.name: e.label for e in self.entries if e.label}


def parser_words(accounts: Iterable[tuple[str, str | None]]) -> dict[str, list[str]] | None:
    """What the parser reads as account names, from (name, label) pairs: name -> its label; None with one
    account (nothing to name, and every message parses as it always did)."""
    pairs = list(accounts)
    return {name: [label] if label else [] for name, label in pairs} if len(pairs) > 1 else None


class AccountWatch:
    """Probes every bridge in a directory now and then; `on_change` hears each change of state."""

    def __init__(
        self,
        directory: AccountDirectory,
        *,
        interval: float = 15.0,
        on_change: Callable[[AccountEntry, BridgeStatus | None], None] | None = None,
    ) -> None:
        self.directory = directory
        self.interval = interval
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> None:
        """Probe every bridge once, concurrently."""
        remote = [e for e in self.directory if e.remote is not None]
        fresh = await asyncio.gather(*(probe(e.remote, e.status) for e in remote if e.remote is not None))
        for entry, status in zip(remote, fresh, strict=True):
            before, entry.status = entry.status, status
            if before is None or before.state is not status.state:
                log.log(
                    logging.INFO if status.state is BridgeState.UP else logging.WARNING,
                    "account %s: %s%s", entry.name, status.state.value,
                    f" ({status.last_error})" if status.last_error else "",
                )  # fmt: skip
                if self._on_change is not None:
                    self._on_change(entry, before)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="account-watch")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # a probe never raises for a bridge; this is a bug, logged, and it goes on
                log.exception("account watch failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
