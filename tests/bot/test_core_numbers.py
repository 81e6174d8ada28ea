"""A signed, zero, ranged or unclearly separated number gets a clear reply and is never traded (issue 10.2).

Through the real chat core and the real trading core over the simulator, with every confirm mode.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.core import ChatCore
from mt5bridge.terminal.models import PositionSide
from nlu.llm import LLMParser
from nlu.settings import LLMSettings
from tests.bot.core_stand import Stand, only, running_stand
from tests.nlu.conftest import FakeLLM, fake_llm  # noqa: F401 - the fixture, reused

ZH_USER, EN_USER, NEVER_USER = "2", "5", "6"  # core_stand.USERS: "6" has confirm: never

# (message, text the reply must quote, words the reply must use)
REFUSED = [
    ("买入-1手黄金", "-1手", "负数"),
    ("卖出-0.5手黄金", "-0.5手", "负数"),
    ("buy -1 lot gold", "-1 lot", "负数"),
    ("買入－1手黃金", "-1手", "负数"),
    ("买入−1手黄金", "-1手", "负数"),
    ("买入负1手黄金", "负1手", "负数"),
    ("buy gold -1", "-1", "负数"),
    ("买入0手黄金", "0手", "不能为 0"),
    ("买入0.01-0.05手黄金", "0.01-0.05手", "范围"),
    ("buy 0.01~0.05 lots gold", "0.01~0.05 lots", "范围"),
    ("买入0,5手黄金", "0,5手", "逗号"),
    ("买入0.01手黄金 止损-1900", "止损-1900", "负数"),
    ("买入0.01手黄金 止损+20", "止损+20", "正负号"),
]


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        made.core.sim.set_price("XAUUSD.m", 2000.00, 2000.20)
        yield made


async def _nothing_traded(stand: Stand, user: str) -> None:
    assert stand.core.sim.positions_total() == 0
    assert stand.core.sim.orders_total() == 0
    entries = await stand.core.db.audit.recent(actor=user)
    actions = {entry.action for entry in entries}
    assert actions == {"chat.message"}, actions  # no preview, confirmation or execution was recorded
    assert all(e.outcome == "refused" and e.error_code for e in entries)  # refused, with the problem's code


@pytest.mark.parametrize(("text", "quoted", "words"), REFUSED)
@pytest.mark.parametrize("user", [ZH_USER, NEVER_USER])
async def test_refused_with_a_clear_reply_and_nothing_traded(
    stand: Stand, user: str, text: str, quoted: str, words: str
) -> None:
    reply = only(await stand.say(user, text))
    assert reply.confirmation_id is None and reply.buttons == []
    assert quoted in reply.text and words in reply.text and "什么也没有做" in reply.text
    assert "没看懂" not in reply.text  # the specific reply, not the generic one
    await _nothing_traded(stand, user)


async def test_english_user_gets_the_english_reply(stand: Stand) -> None:
    reply = only(await stand.say(EN_USER, "buy -1 lot gold"))
    assert reply.confirmation_id is None and reply.buttons == []
    assert reply.text.startswith("⚠️ A volume cannot be negative: -1 lot.")
    assert "nothing was done" in reply.text
    await _nothing_traded(stand, EN_USER)


async def test_a_held_position_is_not_touched_by_a_signed_close_or_modify(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", PositionSide.BUY, 0.05, sl=1900.0)
    for text in ("平仓-0.01手黄金", "把黄金止损改到-1950", "close -0.01 lots gold", f"平仓#-{ticket}"):
        reply = only(await stand.say(NEVER_USER, text))
        assert reply.confirmation_id is None and "负数" in reply.text, text
    (position,) = list(stand.core.sim.positions_get() or [])
    assert (position.ticket, position.volume, position.sl) == (ticket, 0.05, 1900.0)


async def test_a_thousands_comma_in_a_gold_stop_is_read_as_thousands(stand: Stand) -> None:
    done = only(await stand.say(NEVER_USER, "买入0.01手黄金 止损1,900"))
    assert "已执行" in done.text
    (position,) = list(stand.core.sim.positions_get() or [])
    assert (position.volume, position.sl) == (0.01, 1900.0)


async def test_the_llm_is_never_asked_to_read_a_signed_number(
    tmp_path: Path,
    fake_llm: FakeLLM,  # noqa: F811
) -> None:
    answer = json.dumps({"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 1})
    for text in ("买入-1手黄金", "黄金 -1", "buy gold -1"):
        fake_llm.command_answers[text] = answer  # what a careless model would say
    llm_settings = LLMSettings(
        base_url=fake_llm.base_url, model="fake", api_key=SecretStr("k"), timeout_sec=5
    )
    async with running_stand(tmp_path) as stand:
        llm = LLMParser(llm_settings)
        chat = ChatCore(stand.core.service, stand.core.db, stand.settings, llm=llm, clock=stand.clock)
        stand.chat = chat
        try:
            for text in ("买入-1手黄金", "黄金 -1", "buy gold -1"):
                reply = only(await stand.say(NEVER_USER, text))
                assert reply.confirmation_id is None and "已执行" not in reply.text, text
        finally:
            await llm.close()
        assert stand.core.sim.positions_total() == 0
        assert stand.core.sim.orders_total() == 0
        asked = [r["messages"][-1]["content"] for r in fake_llm.requests if "tools" in r]
        assert "买入-1手黄金" not in asked and "buy gold -1" not in asked
