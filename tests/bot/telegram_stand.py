"""The bot side of the Telegram tests: a scripted chat core, settings for the fake, and a runner fixture."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr

from bot.messages import Button, Incoming, Reply
from bot.telegram.app import TelegramRunner
from bot.telegram.settings import TelegramSettings
from tests.bot.fake_telegram import FakeTelegram


class ScriptedCore:
    """A test double of the chat core's interface: fixed replies per text or action, inputs recorded."""

    def __init__(
        self,
        script: Callable[[Incoming], list[Reply]] | None = None,
        menus: dict[str, list[tuple[str, str]]] | None = None,
        admin_menus: list[tuple[str, list[tuple[str, str]]]] | None = None,
    ) -> None:
        self.seen: list[Incoming] = []
        self._script = script or default_script
        self._menus = menus or {}
        self._admin_menus = admin_menus or []

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        return self._script(incoming)

    def command_menus(self) -> dict[str, list[tuple[str, str]]]:
        return self._menus

    def admin_menus(self, platform: str) -> list[tuple[str, list[tuple[str, str]]]]:
        return self._admin_menus if platform == "telegram" else []


def default_script(incoming: Incoming) -> list[Reply]:
    """A preview with two buttons; pressing one edits the preview into a result without buttons."""
    if incoming.action == "cf:abc123":
        return [Reply(text="已平仓 #1001 0.01手 XAUUSD", edit=True)]
    if incoming.action == "cx:abc123":
        return [Reply(text="已取消", edit=True)]
    if incoming.text == "boom":
        raise RuntimeError("the core broke")
    buttons = [[Button(text="✅ 确认", action="cf:abc123"), Button(text="❌ 取消", action="cx:abc123")]]
    return [
        Reply(
            text=f"平仓预览: {incoming.text}",
            html=f"<b>平仓预览</b>: {incoming.text}",
            buttons=buttons,
            confirmation_id="abc123",
        )
    ]


def settings_for(fake: FakeTelegram, **extra: object) -> TelegramSettings:
    return TelegramSettings.model_validate(
        {"token": SecretStr(fake.token), "base_url": fake.base_url, "poll_timeout_sec": 1, **extra}
    )


@pytest.fixture
async def run_bot(fake: FakeTelegram) -> AsyncIterator[Callable[..., object]]:
    """Start a runner against the fake (polling) and stop it after the test."""
    runners: list[TelegramRunner] = []

    async def start(core: object, wait: bool = True, **extra: object) -> TelegramRunner:
        runner = TelegramRunner(settings_for(fake, **extra), core, retry_initial_sec=0.05, retry_cap_sec=0.2)  # type: ignore[arg-type]
        runners.append(runner)
        await runner.start()
        if wait:
            await asyncio.wait_for(runner.receiving.wait(), 10)
        return runner

    yield start
    for runner in runners:
        await runner.stop()
