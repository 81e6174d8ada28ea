"""The storage layer's settings (`database` in config.yaml)."""

from __future__ import annotations

from pydantic import Field

from mt5bridge.common.settings_base import Section


class DatabaseSettings(Section):
    url: str = "sqlite+aiosqlite:///data/mt5bot.db"
    snapshot_interval_sec: float = Field(60.0, gt=0)
