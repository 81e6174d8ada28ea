"""A chat core over the real trading core (simulator, async client, SQLite), with an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core import ChatCore
from bot.messages import Incoming, Reply
from mt5bot.config import Settings
from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, OpenRequest
from tests.trading.conftest import Core, make_core

USERS: list[dict[str, Any]] = [
    {"platform": "telegram", "id": "1", "role": "admin", "name": "Ann"},
    {"platform": "telegram", "id": "2", "role": "trader"},
    {"platform": "telegram", "id": "3", "role": "viewer"},
    {"platform": "telegram", "id": "4", "role": "trader", "allowed_symbols": ["XAUUSD"]},
    {"platform": "telegram", "id": "5", "role": "trader", "lang": "en"},
    {"platform": "telegram", "id": "6", "role": "trader", "confirm": "never"},
]
SETUP = Actor(platform="test", user_id="setup", role=Role.ADMIN)


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Stand:
    core: Core
    chat: ChatCore
    clock: FakeClock
    settings: Settings
    sent: list[Reply] = field(default_factory=list)

    async def say(self, user: str, text: str, **kw: Any) -> list[Reply]:
        return await self.chat.handle(msg(user, text=text, **kw))

    async def tap(self, user: str, action: str, **kw: Any) -> list[Reply]:
        return await self.chat.handle(msg(user, action=action, **kw))

    async def open(self, symbol: str, side: PositionSide, volume: float, **kw: Any) -> int:
        result = await self.core.service.execute(
            OpenRequest(symbol=symbol, side=side, volume=volume, **kw), SETUP
        )
        assert result.ok
        return result.outcomes[0].order

    def volumes(self) -> dict[int, float]:
        return {p.ticket: p.volume for p in self.core.sim.positions_get() or ()}


def msg(user: str, *, text: str | None = None, action: str | None = None, **kw: Any) -> Incoming:
    fields: dict[str, Any] = {"platform": "telegram", "user_id": user, "chat_id": user}
    fields.update(kw)
    return Incoming(text=text, action=action, **fields)


def settings(**chat: Any) -> Settings:
    return Settings(users=USERS, chat={"confirm_ttl_sec": 60, "notify_batch_sec": 0.05, **chat})


async def make_stand(tmp_path: Path, **chat: Any) -> Stand:
    core = await make_core(tmp_path)
    clock = FakeClock()
    config = settings(**chat)
    return Stand(core, ChatCore(core.service, core.db, config, clock=clock), clock, config)


@asynccontextmanager
async def running_stand(tmp_path: Path, **chat: Any) -> AsyncIterator[Stand]:
    """A stand for one test, closed afterwards (each test module wraps it in its `stand` fixture)."""
    made = await make_stand(tmp_path, **chat)
    try:
        yield made
    finally:
        await made.core.db.close()
        await made.core.client.close()


def only(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def action(reply: Reply, row: int = 0, col: int = 0) -> str:
    return reply.buttons[row][col].action
