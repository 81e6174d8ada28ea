"""A message the parser does not understand gets the short help in the language it was written in.

Through the real chat core over the simulator. A user whose language is configured always gets that
language; otherwise the script of the message decides (QQ and WeCom send no language hint).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.text import written_in
from tests.bot.core_stand import Stand, only, running_stand

NO_LANG_USER, EN_USER = "2", "5"  # core_stand.USERS: "2" has no language set, "5" has lang: en


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what is the meaning of life", "I did not understand"),
        ("tell me a joke about gold bugs", "I did not understand"),
        ("随便聊聊天气", "没看懂"),
        ("今日天氣幾好", "没看懂"),
        ("gold 今天 天气", "没看懂"),  # any Chinese character: written in Chinese
    ],
)
async def test_not_understood_follows_the_message_script(stand: Stand, text: str, expected: str) -> None:
    reply = only(await stand.say(NO_LANG_USER, text))
    assert expected in reply.text


async def test_a_configured_language_wins_over_the_script(stand: Stand) -> None:
    reply = only(await stand.say(EN_USER, "随便聊聊天气"))
    assert "I did not understand" in reply.text


@pytest.mark.parametrize(
    ("text", "lang"), [("hello there", "en"), ("你好", "zh"), ("123 456", None), ("", None), ("a", None)]
)
def test_written_in(text: str, lang: str | None) -> None:
    assert written_in(text) == lang
