"""The simulator's settings (`mt5.simulator` in config.yaml) and the account and market modes they name."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from mt5bridge.common.settings_base import Section


class MarginMode(StrEnum):
    """How the demo account keeps positions: several per symbol (hedging) or one (netting)."""

    HEDGING = "hedging"
    NETTING = "netting"


class MarketHours(StrEnum):
    """`real`: sessions and weekends as a broker has them; `always`: every symbol trades around the clock."""

    REAL = "real"
    ALWAYS = "always"


class SimulatorSettings(Section):
    seed: int = 0
    balance: float = Field(10000.0, gt=0)
    leverage: int = Field(100, ge=1, le=5000)
    margin_mode: MarginMode = MarginMode.HEDGING
    currency: str = Field("USD", min_length=3, max_length=3)
    suffix: str = Field("", max_length=8)
    demo_days: int = Field(30, ge=0, le=365)
    market_hours: MarketHours = MarketHours.REAL
    realtime: bool = True
    state_file: str | None = None
    journal_fsync: bool = Field(
        True, description="fdatasync each journaled trade: it survives a power cut, not only a crash"
    )
