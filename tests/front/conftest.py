"""A front and three bridges on 127.0.0.1, each bridge a whole `mt5bot serve` on its own simulator.

alpha: hedging, seed 1, 10 000 USD; beta (label IC实盘): hedging, seed 2, 25 000 USD; gamma: netting, seed
3, 5 000 USD. The front has no terminal of its own (`account.terminal: false`) and routes to the three.
Users: alice (trader, all accounts, default alpha), bob (trader, beta only), vic (viewer, all).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from api.keys import ACCOUNTS, TRADING
from bot.core import ChatCore
from bot.keys import CHAT_CORE, NOTIFIER
from bot.messages import Incoming, Outgoing, Reply
from mt5bot.app import create_app
from mt5bridge.common.roles import Role
from mt5bridge.remote.directory import AccountDirectory
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, OpenRequest
from mt5bridge.trading.service import TradingService
from tests.api.conftest import TOKEN, Api, api_settings, start_api

SETUP = Actor(platform="test", user_id="setup", role=Role.ADMIN)
BRIDGES: dict[str, dict[str, Any]] = {
    "alpha": {"seed": 1, "balance": 10000.0},
    "beta": {"seed": 2, "balance": 25000.0},
    "gamma": {"seed": 3, "balance": 5000.0, "margin_mode": "netting"},
}
LABELS = {"beta": "IC实盘"}
USERS: list[dict[str, Any]] = [
    {"platform": "telegram", "id": "alice", "role": "trader", "default_account": "alpha"},
    {"platform": "telegram", "id": "bob", "role": "trader", "accounts": ["beta"]},
    {"platform": "telegram", "id": "vic", "role": "viewer"},
]


def bridge_overrides(name: str) -> dict[str, Any]:
    return {"mt5": {"simulator": BRIDGES[name]}, "account": {"name": name}}


def account_entry(name: str, url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "url": url, "token": TOKEN, "reconnect_max": 1.0}
    if name in LABELS:
        entry["label"] = LABELS[name]
    return entry


@dataclass
class Front:
    app: web.Application
    runner: web.AppRunner
    bridges: dict[str, Api]
    sent: list[Outgoing] = field(default_factory=list)

    @property
    def chat(self) -> ChatCore:
        return self.app[CHAT_CORE]

    @property
    def directory(self) -> AccountDirectory:
        return self.app[ACCOUNTS]

    async def say(self, user: str, text: str) -> list[Reply]:
        return await self.chat.handle(Incoming(platform="telegram", user_id=user, chat_id=user, text=text))

    async def tap(self, user: str, action: str) -> list[Reply]:
        return await self.chat.handle(
            Incoming(platform="telegram", user_id=user, chat_id=user, action=action)
        )

    def core(self, name: str) -> TradingService:
        return self.bridges[name].app[TRADING]

    def positions(self, name: str) -> int:
        return self.bridges[name].sim.positions_total()

    async def open_on(self, name: str, symbol: str = "XAUUSD", volume: float = 0.01) -> int:
        """A trade placed on a bridge directly (as its EA or another client would)."""
        request = OpenRequest(symbol=symbol, side=PositionSide.BUY, volume=volume)
        result = await self.core(name).execute(request, SETUP)
        assert result.ok, result
        ticket = result.outcomes[0].order
        assert ticket is not None
        return ticket


def confirm_of(replies: list[Reply]) -> str:
    """The confirm button's action of the last reply that has one."""
    for reply in reversed(replies):
        for row in reply.buttons:
            for button in row:
                if button.action.startswith("c:") and button.action.endswith(":y"):
                    return button.action
    raise AssertionError(f"no confirm button in {[r.text for r in replies]}")


async def start_front(
    tmp_path: Path, bridges: dict[str, Api], *, urls: dict[str, str] | None = None, **overrides: Any
) -> Front:
    """The front over `bridges` (no terminal of its own), started as `mt5bot serve` starts it; `urls`
    reaches some bridges another way (through a proxy)."""
    reach = {name: api.url for name, api in bridges.items()} | (urls or {})
    raw: dict[str, Any] = {
        "account": {"name": "front", "terminal": False},
        "accounts": [account_entry(name, reach[name]) for name in bridges],
        "users": USERS,
        "chat": {"confirm_ttl_sec": 120, "notify_batch_sec": 0.05},
        **overrides,
    }
    app = create_app(api_settings(tmp_path, **raw))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    front = Front(app, runner, bridges)

    async def capture(out: Outgoing) -> None:
        front.sent.append(out)

    app[NOTIFIER].register("telegram", capture)
    return front


async def start_bridges(
    tmp_path: Path, names: tuple[str, ...] = ("alpha", "beta", "gamma")
) -> dict[str, Api]:
    # one after another: the migrations of databases opened at once in one process share Alembic's state
    return {name: await start_api(tmp_path / name, **bridge_overrides(name)) for name in names}


@pytest.fixture
async def bridges(tmp_path: Path) -> AsyncIterator[dict[str, Api]]:
    started = await start_bridges(tmp_path)
    yield started
    for api in started.values():
        await api.runner.cleanup()


@pytest.fixture
async def front(tmp_path: Path, bridges: dict[str, Api]) -> AsyncIterator[Front]:
    started = await start_front(tmp_path / "front", bridges)
    yield started
    await started.runner.cleanup()
