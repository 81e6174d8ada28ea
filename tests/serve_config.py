"""The config file the tests that start a real `mt5bot serve` give it."""

from __future__ import annotations

from pathlib import Path


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
