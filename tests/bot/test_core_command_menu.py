"""The chat core's command menu (what a platform shows under "/"), from the templates, per language."""

from __future__ import annotations

import re
from pathlib import Path

from nlu import Intent, parse
from tests.bot.core_stand import running_stand


async def test_every_menu_command_is_one_the_core_answers(tmp_path: Path) -> None:
    async with running_stand(tmp_path) as stand:
        menus = stand.chat.command_menus()
    assert set(menus) == {"zh", "en"}
    assert [c for c, _ in menus["zh"]] == [c for c, _ in menus["en"]]  # the same commands in both
    for command, description in menus["zh"] + menus["en"]:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command)  # Telegram's rule for a command
        assert 1 <= len(description) <= 256
        assert parse(f"/{command}").intent is not Intent.UNKNOWN, command  # the core answers it
    assert any("持仓" in d for _, d in menus["zh"]) and any("positions" in d.lower() for _, d in menus["en"])
