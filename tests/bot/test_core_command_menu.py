"""The chat core's command menu (what a platform shows under "/"), from the templates, per language."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.commands import Slash, parse_slash
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


async def test_admins_get_the_admin_commands_in_their_own_language(tmp_path: Path) -> None:
    async with running_stand(tmp_path) as stand:
        full = stand.chat.command_menus(admin=True)
        everyone = stand.chat.command_menus()
        admins = stand.chat.admin_menus("telegram")
        nobody = stand.chat.admin_menus("qq")
    for lang in ("zh", "en"):
        assert full[lang][: len(everyone[lang])] == everyone[lang]  # the common menu first, unchanged
        extra = [c for c, _ in full[lang][len(everyone[lang]) :]]
        assert {"status", "loglevel", "restart_terminal", "pause", "resume", "readonly"} == set(extra)
        for command in extra:
            assert parse_slash(f"/{command}") is not None and Slash(command)  # the core answers each
    assert admins == [("1", full["zh"])]  # Ann, the one admin, in the default language (zh)
    assert nobody == []
