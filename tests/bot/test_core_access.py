"""The gate, roles, groups, per-user symbols and admin switches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mt5bridge.terminal.models import PositionSide
from storage.models import Outcome
from tests.bot.core_stand import Stand, action, only, running_stand

BUY, SELL = PositionSide.BUY, PositionSide.SELL


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[Stand]:
    async with running_stand(tmp_path) as made:
        yield made


async def test_unknown_user_gets_one_polite_refusal_and_every_attempt_is_audited(stand: Stand) -> None:
    first = only(await stand.say("999", "/positions"))
    assert "没有使用本机器人的权限" in first.text
    assert await stand.say("999", "平仓0.01手黄金") == []
    assert await stand.say("999", "hello") == []
    entries = await stand.core.db.audit.recent(limit=10, actor="999")
    assert [e.outcome for e in entries] == [Outcome.DENIED] * 3
    assert entries[-1].raw_input == "/positions"


async def test_unknown_user_pressing_a_button_executes_nothing(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    preview = only(await stand.say("2", "平仓0.01手黄金"))
    assert "权限" in only(await stand.tap("999", action(preview), chat_id="2")).text
    assert stand.volumes() == {ticket: 0.05}


async def test_same_user_id_on_another_platform_is_unknown(stand: Stand) -> None:
    refused = only(await stand.say("2", "/positions", platform="onebot"))
    assert "权限" in refused.text


async def test_viewer_may_query_but_not_trade(stand: Stand) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.05)
    assert f"#{ticket}" in only(await stand.say("3", "/positions")).text
    refused = only(await stand.say("3", "平仓0.01手黄金"))
    assert refused.confirmation_id is None and "观察者" in refused.text
    assert stand.volumes() == {ticket: 0.05}
    (entry, *_) = await stand.core.db.audit.recent(limit=5, actor="3")
    assert (entry.action, entry.outcome, entry.error_code) == ("chat.trade", Outcome.DENIED, "role")


async def test_group_message_without_mention_is_ignored(stand: Stand) -> None:
    group = {"chat_id": "-100", "is_group": True}
    assert await stand.say("2", "/positions", addressed=False, **group) == []
    assert await stand.say("999", "/positions", addressed=False, **group) == []
    assert await stand.core.db.audit.recent(limit=5) == []
    assert "当前没有持仓" in only(await stand.say("2", "/positions", addressed=True, **group)).text


async def test_group_checks_the_sender_not_the_group(stand: Stand) -> None:
    group = {"chat_id": "-100", "is_group": True, "addressed": True}
    assert "权限" in only(await stand.say("999", "/positions", **group)).text
    assert "观察者" in only(await stand.say("3", "买入0.01手黄金", **group)).text
    assert only(await stand.say("2", "买入0.01手黄金", **group)).confirmation_id


async def test_admin_switches_and_role_checks(stand: Stand) -> None:
    assert "管理" in only(await stand.say("2", "/pause")).text
    assert not stand.core.service.paused
    assert "暂停" in only(await stand.say("1", "/pause")).text
    assert stand.core.service.paused
    paused = only(await stand.say("2", "买入0.01手黄金"))
    assert "risk_paused" in paused.text and paused.confirmation_id is None
    only(await stand.say("1", "/resume"))
    assert not stand.core.service.paused
    assert "/readonly on|off" in only(await stand.say("1", "/readonly maybe")).text
    only(await stand.say("1", "/readonly@mt5bot on"))
    assert stand.core.service.read_only
    assert "risk_read_only" in only(await stand.say("2", "买入0.01手黄金")).text
    only(await stand.say("1", "/readonly off"))
    assert not stand.core.service.read_only
    actions = [e.action for e in await stand.core.db.audit.recent(limit=50, actor="1")]
    assert "chat.admin.pause.on" in actions and "chat.admin.readonly.off" in actions


async def test_per_user_symbols_are_enforced_for_trades(stand: Stand) -> None:
    euro = await stand.open("EURUSD", SELL, 0.1)
    refused = only(await stand.say("4", "买入0.01手欧美"))
    assert "EURUSD" in refused.text and refused.confirmation_id is None
    question = only(await stand.say("4", "平仓"))  # choosing the EURUSD position is refused at preview
    denied = only(await stand.tap("4", action(question)))
    assert denied.confirmation_id is None and "XAUUSD" in denied.text
    assert stand.volumes() == {euro: 0.1}
    assert only(await stand.say("4", "买入0.01手黄金")).confirmation_id


async def test_global_never_still_confirms_traders(tmp_path: Path) -> None:
    async with running_stand(tmp_path, confirm="never") as made:
        preview = only(await made.say("2", "买入0.01手黄金"))
        assert preview.confirmation_id is not None
        assert made.core.sim.positions_total() == 0


async def test_always_mode_confirms_queries_too(tmp_path: Path) -> None:
    async with running_stand(tmp_path, confirm="always") as made:
        asked = only(await made.say("3", "/account"))
        assert asked.confirmation_id and "余额" not in asked.text
        answer = only(await made.tap("3", action(asked)))
        assert answer.edit and "余额" in answer.text


async def test_whoami_and_language_choice(stand: Stand) -> None:
    who = only(await stand.say("4", "/whoami"))
    assert "交易员" in who.text and "XAUUSD" in who.text
    assert "Hello" in only(await stand.say("2", "/start", lang="en-US")).text  # the platform's hint
    assert "Hello" in only(await stand.say("5", "/start", lang="zh-hans")).text  # config wins over the hint
    assert "您好" in only(await stand.say("2", "/start", lang="de")).text  # then the default
