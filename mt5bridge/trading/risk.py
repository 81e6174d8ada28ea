"""The risk guard: config limits and runtime switches checked before any trading action is sent.

`check` is a pure function of the action and a snapshot of the state the service gathered. It returns the
first rule that refuses (in the order of `_RULES`), or None. Rule semantics are documented in
docs/trading-core.md ("Risk rules").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mt5bridge.trading.settings import RiskSettings

_EPS = 1e-9


class RiskRule(StrEnum):
    READ_ONLY = "read_only"
    PAUSED = "paused"
    MAX_ORDER_VOLUME = "max_order_volume"
    MAX_TOTAL_POSITIONS = "max_total_positions"
    MAX_DAILY_LOSS = "max_daily_loss"
    ALLOWED_SYMBOLS = "allowed_symbols"
    MARKET_CLOSED = "market_closed"


class ActionKind(StrEnum):
    OPEN = "open"  # a market order or a pending order placement
    CLOSE = "close"
    MODIFY = "modify"  # SL/TP of a position, or a pending order's prices
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class RiskState:
    """What the guard needs to know now; `daily_pnl` = realised + floating for the server day."""

    settings: RiskSettings
    paused: bool
    read_only: bool
    open_positions: int
    pending_orders: int
    daily_pnl: float
    market_open: bool


@dataclass(frozen=True, slots=True)
class RiskRefusal:
    """Why an action is refused: the rule, a message naming the numbers, and the numbers themselves."""

    rule: RiskRule
    message: str
    limit: float | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class _Action:
    kind: ActionKind
    state: RiskState
    symbol: str
    canonical: str
    volume: float
    opening: int
    protective: bool = False


def _read_only(a: _Action) -> RiskRefusal | None:
    if a.protective and a.kind is ActionKind.CLOSE:
        return None  # an equity guard's close only reduces exposure (docs/rules.md, "Runner")
    if a.state.settings.read_only_mode:
        return RiskRefusal(
            RiskRule.READ_ONLY, "read_only: trading is disabled by configuration (risk.read_only_mode)"
        )
    if a.state.read_only:
        return RiskRefusal(RiskRule.READ_ONLY, "read_only: trading has been switched to read-only")
    return None


def _paused(a: _Action) -> RiskRefusal | None:
    if a.kind is ActionKind.OPEN and a.state.paused:
        return RiskRefusal(
            RiskRule.PAUSED,
            "paused: opening positions and placing orders is paused; closes are still allowed",
        )
    return None


def _allowed_symbols(a: _Action) -> RiskRefusal | None:
    allowed = {name.upper() for name in a.state.settings.allowed_symbols}
    if a.kind is not ActionKind.OPEN or not allowed:
        return None
    if a.symbol.upper() in allowed or a.canonical.upper() in allowed:
        return None
    names = ", ".join(a.state.settings.allowed_symbols)
    return RiskRefusal(
        RiskRule.ALLOWED_SYMBOLS, f"allowed_symbols: {a.canonical} ({a.symbol}) is not in {names}"
    )


def _market_closed(a: _Action) -> RiskRefusal | None:
    if a.kind in (ActionKind.OPEN, ActionKind.MODIFY) and not a.state.market_open:
        return RiskRefusal(
            RiskRule.MARKET_CLOSED,
            f"market_closed: {a.symbol} is outside its trading session, nothing was sent",
        )
    return None


def _max_order_volume(a: _Action) -> RiskRefusal | None:
    limit = a.state.settings.max_order_volume
    # Written so that a NaN volume is refused too.
    if a.kind is ActionKind.OPEN and not a.volume <= limit + _EPS:
        return RiskRefusal(
            RiskRule.MAX_ORDER_VOLUME,
            f"max_order_volume: {a.volume:g} lots requested, the limit is {limit:g}",
            limit=limit,
            value=a.volume,
        )
    return None


def _max_total_positions(a: _Action) -> RiskRefusal | None:
    if a.kind is not ActionKind.OPEN:
        return None
    limit = a.state.settings.max_total_positions
    # Pending orders count: each can fill into a position later without passing this guard again.
    held = a.state.open_positions + a.state.pending_orders
    if held + a.opening <= limit:
        return None
    return RiskRefusal(
        RiskRule.MAX_TOTAL_POSITIONS,
        f"max_total_positions: {a.state.open_positions} open positions + {a.state.pending_orders} pending "
        f"orders + {a.opening} new would make {held + a.opening}, the limit is {limit}",
        limit=float(limit),
        value=float(held + a.opening),
    )


def _max_daily_loss(a: _Action) -> RiskRefusal | None:
    limit = a.state.settings.max_daily_loss
    if a.kind is not ActionKind.OPEN or limit <= 0 or a.state.daily_pnl > -limit:
        return None
    return RiskRefusal(
        RiskRule.MAX_DAILY_LOSS,
        f"max_daily_loss: today's P&L is {a.state.daily_pnl:.2f}, the limit is -{limit:.2f}; "
        "new positions are refused until the next server day, closes are allowed",
        limit=limit,
        value=a.state.daily_pnl,
    )


_RULES: tuple[Callable[[_Action], RiskRefusal | None], ...] = (
    _read_only,
    _paused,
    _allowed_symbols,
    _market_closed,
    _max_order_volume,
    _max_total_positions,
    _max_daily_loss,
)


def check(
    action: ActionKind,
    state: RiskState,
    *,
    symbol: str,
    canonical: str,
    volume: float = 0.0,
    opening_positions: int = 1,
    protective: bool = False,
) -> RiskRefusal | None:
    """The first rule refusing `action` on `symbol` (broker name; `canonical` e.g. XAUUSD), or None.

    `protective`: an equity guard's close, which read-only lets through (it only reduces exposure)."""
    subject = _Action(action, state, symbol, canonical, volume, opening_positions, protective)
    for rule in _RULES:
        refusal = rule(subject)
        if refusal is not None:
            return refusal
    return None


def check_all(
    action: ActionKind,
    state: RiskState,
    *,
    symbol: str,
    canonical: str,
    volume: float = 0.0,
    opening_positions: int = 1,
) -> list[RiskRefusal]:
    """Every rule refusing the action, in check order (for previews that list all problems at once)."""
    subject = _Action(action, state, symbol, canonical, volume, opening_positions)
    return [refusal for rule in _RULES if (refusal := rule(subject)) is not None]
