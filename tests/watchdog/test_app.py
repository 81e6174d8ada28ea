"""The composition root: with `mt5.watchdog.enabled` the watchdog runs under its AppKey and the chat core
offers `/restart_terminal`; by default there is none."""

from __future__ import annotations

from pathlib import Path

from bot.keys import CHAT_CORE
from bot.messages import Incoming
from mt5bot.keys import WATCHDOG
from tests.api.conftest import start_api
from tests.watchdog.stand import FakeTerminal

ADMIN = [{"platform": "telegram", "id": "1", "role": "admin", "lang": "en"}]


async def test_enabled_watchdog_is_wired_to_the_chat_core(tmp_path: Path, fake: FakeTerminal) -> None:
    watchdog = {"enabled": True, "terminal_path": str(fake.path), "check_interval_sec": 0.05}
    api = await start_api(tmp_path, mt5={"watchdog": watchdog}, users=ADMIN)
    try:
        assert api.app[WATCHDOG].rules.enabled
        ask = await api.app[CHAT_CORE].handle(
            Incoming(platform="telegram", user_id="1", chat_id="1", text="/restart_terminal")
        )
        assert ask[0].confirmation_id and str(fake.path) in ask[0].text
        assert fake.starts() == []  # the link is up (the simulator): no stand-in is started behind it
    finally:
        await api.runner.cleanup()


async def test_off_by_default(tmp_path: Path) -> None:
    api = await start_api(tmp_path, users=ADMIN)
    try:
        assert WATCHDOG not in api.app
        [reply] = await api.app[CHAT_CORE].handle(
            Incoming(platform="telegram", user_id="1", chat_id="1", text="/restart_terminal")
        )
        assert "watchdog is off" in reply.text
    finally:
        await api.runner.cleanup()
