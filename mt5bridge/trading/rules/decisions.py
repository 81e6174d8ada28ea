"""What an evaluation decides: typed actions for the trading core, notices for people, and holds.

Actions and notices carry codes and numbers, never English: the user's words live in templates. A `Hold`
says why nothing was sent for a position on this round (frozen, inside the stops level, no quote); it is
for logs and metrics, not for users, and is repeated every round the reason lasts.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

from mt5bridge.common.vocab import Selector
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import CloseRequest, ModifyRequest


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecisionKind(StrEnum):
    SET_SL = "set_sl"
    CLOSE_VOLUME = "close_volume"
    CLOSE_ALL = "close_all"
    PAUSE = "pause"
    WARN = "warn"
    NOTICE = "notice"


class SlReason(StrEnum):
    BREAK_EVEN = "break_even"
    TRAILING = "trailing"


class CloseReason(StrEnum):
    STAGED_TP = "staged_tp"
    EQUITY_GUARD = "equity_guard"
    PROFIT_LOCK = "profit_lock"


class NoticeCode(StrEnum):
    # A stage's share, rounded down to the volume step and capped at what is held, is below volume_min:
    # nothing is closed and the stage is done.
    SHARE_ROUNDS_TO_NOTHING = "share_rounds_to_nothing"
    # A position had no SL (or one not on its losing side) when the rule first saw it: a risk trigger
    # never fires for it.
    NO_RISK = "no_risk"


class HoldCode(StrEnum):
    NO_QUOTE = "no_quote"
    NO_SYMBOL = "no_symbol"  # no SymbolFacts for the position's symbol
    NO_FIGURE = "no_figure"  # the trail's ATR or bar extremes are not in the snapshot
    FROZEN = "frozen"  # within the freeze level: MT5 would answer 10029
    STOPS_LEVEL = "stops_level"  # the target is inside the stops level and no allowed price is tighter
    NO_PRICE = "no_price"  # the target is at or below zero (a buy trailing further than its price)
    NO_REFERENCE = "no_reference"  # an equity guard without a usable reference (start-of-day equity)
    EMPTY_SCOPE = "empty_scope"  # a staged TP cannot start: nothing in scope
    MIXED_SCOPE = "mixed_scope"  # a staged TP cannot start: several symbols or both sides in scope


class SetStopLoss(_Model):
    """Move position `ticket`'s SL to `sl` (already on the tick grid, tighter, outside the stops level)."""

    kind: Literal[DecisionKind.SET_SL] = DecisionKind.SET_SL
    rule_id: int
    ticket: int
    symbol: str
    side: PositionSide
    sl: float
    previous: float | None
    reason: SlReason

    def request(self) -> ModifyRequest:
        return ModifyRequest(ticket=self.ticket, sl=self.sl)


class CloseVolume(_Model):
    """Close `volume` lots FIFO over the scope's positions (a staged TP's `stage`, counted from 0).

    `key` is the request id for the trading core: the same decision sent again after a lost answer is the
    same request. `full` lists the tickets this close should close whole, FIFO, as seen when decided."""

    kind: Literal[DecisionKind.CLOSE_VOLUME] = DecisionKind.CLOSE_VOLUME
    rule_id: int
    key: str
    stage: int
    symbol: str
    side: PositionSide
    magic: int | None = None
    ticket: int | None = None
    volume: float
    full: tuple[int, ...] = ()

    def request(self) -> CloseRequest:
        selector = None if self.ticket is not None else Selector.ALL
        return CloseRequest(
            ticket=self.ticket, symbol=self.symbol, side=self.side, magic=self.magic, selector=selector,
            volume=self.volume,
        )  # fmt: skip


class CloseAll(_Model):
    """Close every position matching the scope's filters; `tickets` are those in scope when decided.

    `day` is the reporting day a day_start equity guard fired for (it fires once per day)."""

    kind: Literal[DecisionKind.CLOSE_ALL] = DecisionKind.CLOSE_ALL
    rule_id: int
    key: str
    reason: CloseReason
    ticket: int | None = None
    symbol: str | None = None
    side: PositionSide | None = None
    magic: int | None = None
    tickets: tuple[int, ...] = ()
    day: date | None = None

    def request(self) -> CloseRequest:
        selector = None if self.ticket is not None else Selector.ALL
        return CloseRequest(
            ticket=self.ticket, symbol=self.symbol, side=self.side, magic=self.magic, selector=selector
        )


class PauseTrading(_Model):
    """Pause the bridge's trading until an admin resumes it (an equity guard with `pause`). Pausing twice
    is harmless; `key` lets the runner tell a resend after a lost answer from a new pause."""

    kind: Literal[DecisionKind.PAUSE] = DecisionKind.PAUSE
    rule_id: int
    key: str


class EquityWarning(_Model):
    """Equity fell to the guard's warning level; it fires at `fire_at`."""

    kind: Literal[DecisionKind.WARN] = DecisionKind.WARN
    rule_id: int
    equity: float
    reference: float
    warn_at: float
    fire_at: float


class Notice(_Model):
    """Something the trader should know, by code; sent once (see NoticeCode)."""

    kind: Literal[DecisionKind.NOTICE] = DecisionKind.NOTICE
    rule_id: int
    code: NoticeCode
    ticket: int | None = None
    symbol: str | None = None
    stage: int | None = None
    volume: float | None = None  # SHARE_ROUNDS_TO_NOTHING: the share in lots before rounding


class Hold(_Model):
    """Nothing was sent for `ticket` (or the rule) on this round, and why."""

    rule_id: int
    code: HoldCode
    ticket: int | None = None
    symbol: str | None = None


Decision = Annotated[
    SetStopLoss | CloseVolume | CloseAll | PauseTrading | EquityWarning | Notice,
    Field(discriminator="kind"),
]
# What a rule writes ahead into its state before anything is sent (Rule.pending, docs/rules.md).
Pending = Annotated[CloseVolume | CloseAll | PauseTrading | Notice, Field(discriminator="kind")]


def guard_close(d: Decision) -> TypeGuard[CloseAll]:
    """An equity guard's close of its scope: it wins a merged round, and read-only lets it through (it
    only reduces exposure)."""
    return isinstance(d, CloseAll) and d.reason is CloseReason.EQUITY_GUARD
