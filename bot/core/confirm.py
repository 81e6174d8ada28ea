"""Confirmations: a small single-use state machine held in the core; adapters only pass the id back.

A confirmation has an id, an owner (platform, chat, user) and the owner's role when it asked, the
command and the trading request, the preview the user saw, an expiry and a state. `claim` moves
PENDING -> EXECUTING exactly once, so a second tap (or a tap after expiry, or by someone else, or by the
same subject under another role, such as a read-only JWT of the same account) never executes; the id is
also the trading core's request id, so the database refuses a repeat even if this memory were lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.messages import Reply
from mt5bridge.common.errors import MT5BotError
from mt5bridge.common.roles import Role
from mt5bridge.trading.models import CancelRequest, CloseRequest, ModifyRequest, OpenRequest, Preview
from mt5bridge.trading.rules.models import Rule
from mt5bridge.trading.rules.preview import RulePreview
from nlu import Command

TradeRequest = OpenRequest | CloseRequest | ModifyRequest | CancelRequest
Owner = tuple[str, str, str]  # platform, chat id, user id
KEEP_FINISHED_SEC = 3600.0  # remember outcomes this long, to answer a late second tap with the result


class ConfirmState(StrEnum):
    PENDING = "pending"
    EXECUTING = "executing"
    DONE = "done"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"  # the price moved: a new confirmation replaced this one


class AdminAction(StrEnum):
    """A confirmed admin action that is not a trade (no request, no preview from the trading core)."""

    RESTART_TERMINAL = "restart_terminal"


class Verdict(StrEnum):
    """What a tap on a confirmation may do."""

    GO = "go"  # claimed: the caller executes (or cancels) now
    UNKNOWN = "unknown"
    NOT_OWNER = "not_owner"
    EXPIRED = "expired"
    BUSY = "busy"
    FINISHED = "finished"


def new_id() -> str:
    """16 hex characters: unique enough to serve as the trading core's request id."""
    return secrets.token_hex(8)


@dataclass
class AccountPart:
    """One account's part of a trade on all accounts: its preview, or why it does not trade."""

    account: str
    shown: str
    command: Command  # the trade with `account` set to this one
    preview: Preview | None
    skipped: MT5BotError | None = None  # why it does not trade
    request_id: str = ""  # derived from the first confirmation's id: one per account, stable on retries


@dataclass(frozen=True)
class RuleOffer:
    """A rule change offered for confirmation (rules.py): a rule to create as previewed, or rules to
    remove (every rule: confirmed twice, `Confirmation.stage`)."""

    preview: RulePreview | None = None  # create this rule; `expected` at the tap
    remove: tuple[Rule, ...] = ()  # remove these rules
    every: bool = False  # the removal of every rule ("删除所有规则")


@dataclass
class Confirmation:
    id: str
    owner: Owner
    role: Role
    command: Command
    raw: str
    request: TradeRequest | None  # None: a query under `confirm: always`
    preview: Preview | None
    expires: float
    state: ConfirmState = ConfirmState.PENDING
    outcome: Reply | None = None  # what the user was shown when it finished
    finished: float = 0.0
    admin: AdminAction | None = None  # set: an admin action (terminal_admin.py), not a trade or query
    parts: list[AccountPart] | None = None  # set: a trade on all accounts (trade_all.py)
    stage: int = 1  # a trade on all accounts is confirmed twice: 1 the previews, 2 the list of accounts
    rule: RuleOffer | None = None  # set: a rule to create or remove (rules.py), not a trade or query


@dataclass
class ConfirmationBook:
    """Every open confirmation, keyed by id; expired and old finished entries are swept."""

    ttl: float
    clock: Callable[[], float]
    _items: dict[str, Confirmation] = field(default_factory=dict)

    def create(
        self,
        owner: Owner,
        role: Role,
        command: Command,
        raw: str,
        request: TradeRequest | None,
        preview: Preview | None,
        *,
        admin: AdminAction | None = None,
        parts: list[AccountPart] | None = None,
        stage: int = 1,
        rule: RuleOffer | None = None,
    ) -> Confirmation:
        expires = self.clock() + self.ttl
        conf = Confirmation(
            new_id(),
            owner,
            role,
            command,
            raw,
            request,
            preview,
            expires,
            admin=admin,
            parts=parts,
            stage=stage,
            rule=rule,
        )
        self._items[conf.id] = conf
        return conf

    def get(self, conf_id: str) -> Confirmation | None:
        return self._items.get(conf_id)

    def claim(self, conf_id: str, owner: Owner, role: Role) -> tuple[Verdict, Confirmation | None]:
        """Take the confirmation for execution (or cancellation): GO at most once per id, and only for the
        principal who asked for it (same owner, same role)."""
        conf = self._items.get(conf_id)
        if conf is None:
            return Verdict.UNKNOWN, None
        if conf.owner != owner or conf.role is not role:
            return Verdict.NOT_OWNER, conf
        if conf.state is ConfirmState.PENDING and self.clock() >= conf.expires:
            self._finish(conf, ConfirmState.EXPIRED, None)
            return Verdict.EXPIRED, conf
        if conf.state is ConfirmState.EXPIRED:
            return Verdict.EXPIRED, conf
        if conf.state is ConfirmState.EXECUTING:
            return Verdict.BUSY, conf
        if conf.state is not ConfirmState.PENDING:
            return Verdict.FINISHED, conf
        conf.state = ConfirmState.EXECUTING
        return Verdict.GO, conf

    def finish(self, conf: Confirmation, state: ConfirmState, shown: Reply | None) -> None:
        """Record how a claimed confirmation ended and what the user saw."""
        self._finish(conf, state, shown)

    def _finish(self, conf: Confirmation, state: ConfirmState, shown: Reply | None) -> None:
        conf.state, conf.outcome, conf.finished = state, shown, self.clock()

    def sweep(self) -> list[Confirmation]:
        """Expire what timed out (returned, for the audit) and forget long-finished entries."""
        now = self.clock()
        expired = [c for c in self._items.values() if c.state is ConfirmState.PENDING and now >= c.expires]
        for conf in expired:
            self._finish(conf, ConfirmState.EXPIRED, None)
        stale = [
            c.id
            for c in self._items.values()
            if c.state not in (ConfirmState.PENDING, ConfirmState.EXECUTING)
            and now - c.finished > KEEP_FINISHED_SEC
        ]
        for conf_id in stale:
            del self._items[conf_id]
        return expired

    def __len__(self) -> int:
        return len(self._items)
