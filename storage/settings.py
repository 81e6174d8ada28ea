"""The storage layer's settings (`database` in config.yaml)."""

from __future__ import annotations

from pydantic import Field

from mt5bridge.common.settings_base import Section


class DatabaseSettings(Section):
    """`retention_days`: account snapshots, audit lines and settled request ids older than this are
    archived to `archive_dir` and then removed, daily (null keeps everything forever; docs/storage.md).
    `archive_dir` defaults to `archive/` beside the SQLite database (`data/archive` with PostgreSQL)."""

    url: str = "sqlite+aiosqlite:///data/mt5bot.db"
    snapshot_interval_sec: float = Field(60.0, gt=0)
    retention_days: int | None = Field(None, ge=1)
    archive_dir: str | None = None
