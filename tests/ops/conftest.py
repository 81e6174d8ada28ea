"""Builders for the ops tests: a simulator config in a folder of its own, and a spec for it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mt5bot.autostart.spec import ServiceSpec, build


def write_config(folder: Path) -> Path:
    """A config that runs anywhere: simulator, any free port, everything under `folder`."""
    path = folder / "config.yaml"
    path.write_text(
        f"""
server: {{host: 127.0.0.1, port: 0}}
mt5:
  backend: simulator
  simulator: {{demo_days: 2, market_hours: always}}
database: {{url: "sqlite+aiosqlite:///{folder}/data/mt5bot.db"}}
logging: {{file: "{folder}/logs/mt5bot.log"}}
"""
    )
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def spec(config: Path) -> ServiceSpec:
    return build("mt5bot", config, "trader", python=sys.executable)
