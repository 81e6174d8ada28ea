"""Builders for the doctor's tests: a config file in tmp_path on the simulator, and the checks by name."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from mt5bot.doctor import Check, run_checks
from storage.database import Database

TOKEN = "doctor-api-token-Kq83-Zmv0-Lw21"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


class Setup:
    """A config file on the simulator with its database and state in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "data" / "mt5bot.db"
        self.config = folder / "config.yaml"
        self.env: dict[str, str] = {"MT5BOT_SECURITY__TOKEN": TOKEN}
        self.raw: dict[str, Any] = {
            "server": {"host": "127.0.0.1", "port": free_port()},
            "mt5": {"backend": "simulator", "simulator": {"demo_days": 1, "market_hours": "always"}},
            "database": {"url": f"sqlite+aiosqlite:///{self.db}"},
            "logging": {"file": None},
        }
        self.write()

    def write(self, **extra: Any) -> Path:
        self.raw = merge(self.raw, extra)
        self.config.write_text(yaml.safe_dump(self.raw), encoding="utf-8")
        return self.config

    async def migrate(self) -> None:
        db = await Database.open(f"sqlite+aiosqlite:///{self.db}")
        await db.close()

    async def checks(self) -> dict[str, Check]:
        found = await run_checks(str(self.config), self.env)
        names = [c.name for c in found]
        assert len(names) == len(set(names)), names  # one line per check
        return {c.name: c for c in found}


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)
