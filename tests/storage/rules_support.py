"""What the rule store's tests share (tests/storage/test_rules_store*.py): who writes, one spec per rule kind
and variant with the extremes the models allow, a database opened on an account, and its row count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    ProfitLock,
    RuleSpec,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import ProfitUnit, Reference, Side, TrailMode
from storage import Database
from tests.storage.conftest import Target

BY = "telegram:42"
GOLD_BE = RuleSpec(scope=Scope(symbol="XAUUSD"), action=BreakEven(trigger=Trigger(value=30), offset_points=5))

# One spec per kind and variant, with the extremes the models allow.
SPECS: dict[str, RuleSpec] = {
    "break_even_points": GOLD_BE,
    "break_even_risk_ticket": RuleSpec(
        scope=Scope(ticket=2**62),
        action=BreakEven(trigger=Trigger(unit=ProfitUnit.RISK, value=1.5), offset_points=-1e6),
    ),
    "trailing_points": RuleSpec(
        scope=Scope(symbol="EURUSD", side=Side.BUY), action=Trailing(distance_points=20)
    ),
    "trailing_atr": RuleSpec(
        scope=Scope(symbol="XAUUSD.m"),
        action=Trailing(
            mode=TrailMode.ATR,
            atr_k=2.5,
            atr_period=500,
            timeframe="H4",
            activation=Trigger(unit=ProfitUnit.MONEY, value=50.25),
            step_points=3,
        ),
    ),
    "trailing_candles": RuleSpec(
        scope=Scope(magic=2**63 - 1), action=Trailing(mode=TrailMode.CANDLES, candles=3, timeframe="M15")
    ),
    "staged_tp_prices": RuleSpec(
        scope=Scope(symbol="XAUUSD", side=Side.BUY),
        action=StagedTakeProfit(stages=[Stage(price=3700, share=0.5), Stage(price=3750.55, share=0.3)]),
    ),
    "staged_tp_points": RuleSpec(
        scope=Scope(symbol="USDJPY", side=Side.SELL),
        action=StagedTakeProfit(stages=[Stage(points=p, share=0.2) for p in (1e-9, 10, 100, 1e3, 1e11)]),
    ),
    "equity_guard_day_start": RuleSpec(
        action=EquityGuard(limit=Drawdown(percent=3), warn_at=Drawdown(percent=2.5))
    ),
    "equity_guard_fixed": RuleSpec(
        scope=Scope(magic=20250101),
        action=EquityGuard(reference=Reference.FIXED, amount=10_000, limit=Drawdown(money=200)),
    ),
    "equity_guard_peak": RuleSpec(
        scope=Scope(symbol="XAUUSD"),
        action=EquityGuard(reference=Reference.PEAK, limit=Drawdown(money=999_999_999_999.5), pause=False),
    ),
    "profit_lock": RuleSpec(action=ProfitLock(activate_at=100, give_back=1)),
}


async def open_db(target: Target, account: str | None = "ic-live") -> Database:
    return await Database.open(target.url, schema=target.schema, account=account)


@pytest.fixture(name="live")
async def live_db(target: Target) -> AsyncIterator[Database]:
    """The target's database, opened on the account "ic-live"."""
    db = await open_db(target)
    try:
        yield db
    finally:
        await db.close()


async def count_rules(db: Database) -> int:
    async with db.connector.read() as conn:
        return int((await conn.exec_driver_sql("SELECT COUNT(*) FROM rules")).scalar_one())
