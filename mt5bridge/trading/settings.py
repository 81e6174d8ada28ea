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
    """Warnings pushed to chat: margin to subscribed users; the service's own health to admins."""

    margin_level_below: float = Field(150.0, ge=0, description="warn when the margin level falls below (%)")
    rejections_repeat: int = Field(
        3, ge=0, description="warn admins when one retcode rejects this many orders in the window; 0 = off"
    )
    rejections_window_min: float = Field(10.0, gt=0, le=1440, description="the window of rejections_repeat")
    disk_free_below_mb: float = Field(
        1024.0, ge=0, description="warn admins when the data directory's disk has less free space; 0 = off"
    )
    check_interval_sec: float = Field(
        60.0, ge=0.05, le=3600, description="how often the service checks disk, database and rejections"
    )
