"""The trading core's settings: risk rules (`risk`) and account alerts (`alerts`)."""

from __future__ import annotations

from pydantic import Field

from mt5bridge.common.settings_base import Section


class RiskSettings(Section):
    max_order_volume: float = Field(10.0, gt=0)
    max_total_positions: int = Field(50, ge=1)
    max_daily_loss: float = Field(0.0, ge=0, description="0 = no limit")
    allowed_symbols: tuple[str, ...] = ()
    read_only_mode: bool = False


class AlertSettings(Section):
    margin_level_below: float = Field(150.0, ge=0, description="warn when the margin level falls below (%)")
