"""A chat trade lands on the account the message means, and only there; a user reaches only theirs."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from mt5bot.keys import SIMULATOR
from mt5bridge.trading.models import CloseRequest
from mt5bridge.trading.selectors import Selector
from tests.api.conftest import TOKEN, Api
from tests.front.conftest import Front, confirm_of, start_front


async def test_a_named_account_trades_there_and_only_there(front: Front) -> None:
    replies = await front.say("alice", "IC实盘 买入0.01手黄金")
    assert "IC实盘" in replies[0].text  # the preview names the account
    assert all(front.positions(name) == 0 for name in ("alpha", "beta", "gamma"))  # a preview sends nothing
    done = await front.tap("alice", confirm_of(replies))
    assert "IC实盘" in done[0].text and "✅" in done[0].text, done[0].text
    assert front.positions("beta") == 1
    assert front.positions("alpha") == 0 and front.positions("gamma") == 0


async def test_no_account_named_means_the_users_default_then_the_switched_one(front: Front) -> None:
    replies = await front.say("alice", "买入0.01手黄金")
    assert "alpha" in replies[0].text
    await front.tap("alice", confirm_of(replies))
    assert front.positions("alpha") == 1
    switched = await front.say("alice", "/use gamma")
    assert "gamma" in switched[0].text
    replies = await front.say("alice", "买入0.02手黄金")
    await front.tap("alice", confirm_of(replies))
    assert front.positions("gamma") == 1 and front.positions("alpha") == 1
    (position,) = await front.core("gamma").positions()
    assert position.volume == 0.02


async def test_switch_without_a_name_lists_the_users_accounts_as_buttons(front: Front) -> None:
    (reply,) = await front.say("alice", "切换账户")
    actions = [b.action for row in reply.buttons for b in row]
    assert actions == ["a:alpha", "a:beta", "a:gamma"]
    (switched,) = await front.tap("alice", "a:beta")
    assert "IC实盘" in switched.text
    (bob_choice,) = await front.say("bob", "切换账户")
    assert [b.action for row in bob_choice.buttons for b in row] == ["a:beta"]


async def test_a_user_allowed_one_account_cannot_reach_another_by_naming_it(front: Front) -> None:
    await front.open_on("alpha")
    (refused,) = await front.say("bob", "alpha账户持仓")
    assert "alpha" in refused.text and "IC实盘" in refused.text  # his accounts are listed, nothing else
    assert "gamma" not in refused.text
    (trade,) = await front.say("bob", "在alpha账户买0.01手黄金")
    assert not trade.buttons and front.positions("alpha") == 1  # no preview, nothing sent
    (switch,) = await front.say("bob", "/use alpha")
    assert "IC实盘" in switch.text and "gamma" not in switch.text
    (press,) = await front.tap("bob", "a:alpha")
    assert "alpha" in press.text and not press.buttons
    # what he may do goes to his one account
    replies = await front.say("bob", "买入0.01手黄金")
    assert "IC实盘" in replies[0].text
    await front.tap("bob", confirm_of(replies))
    assert front.positions("beta") == 1 and front.positions("alpha") == 1


async def test_an_unknown_account_name_is_refused_with_the_users_accounts(front: Front) -> None:
    (reply,) = await front.say("alice", "切换到foo")
    assert "foo" in reply.text and "alpha" in reply.text and "IC实盘" in reply.text
    assert not reply.buttons


async def test_queries_on_all_accounts_answer_a_section_per_account(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("gamma", "EURUSD", 0.1)
    (reply,) = await front.say("alice", "所有账户持仓")
    text = reply.text
    assert text.index("alpha") < text.index("IC实盘") < text.index("gamma")
    assert "XAUUSD" in text and "EURUSD" in text
    (bobs,) = await front.say("bob", "所有账户持仓")
    assert "IC实盘" in bobs.text and "alpha" not in bobs.text and "gamma" not in bobs.text


async def test_viewer_cannot_trade_on_any_account(front: Front) -> None:
    (reply,) = await front.say("vic", "IC实盘 买入0.01手黄金")
    assert not reply.buttons
    (everywhere,) = await front.say("vic", "所有账户平仓黄金")
    assert not everywhere.buttons
    assert all(front.positions(name) == 0 for name in ("alpha", "beta", "gamma"))


async def test_a_question_keeps_the_account_the_message_named(front: Front) -> None:
    first = await front.open_on("beta")
    second = await front.open_on("beta")
    await front.open_on("alpha")  # the default account's position must not be offered
    (ask,) = await front.say("alice", "IC实盘 平仓")
    options = [b.action for row in ask.buttons for b in row]
    assert len(options) == 2, ask.text  # beta's two positions, not alpha's
    assert f"#{first}" in ask.text and f"#{second}" in ask.text and "IC实盘" in ask.text
    preview = await front.tap("alice", options[0])
    assert "IC实盘" in preview[0].text
    await front.tap("alice", confirm_of(preview))
    assert front.positions("beta") == 1 and front.positions("alpha") == 1


async def test_a_front_with_its_own_terminal_counts_it_as_one_more_account(
    tmp_path: Path, bridges: dict[str, Api]
) -> None:
    front = await start_front(
        tmp_path / "front", {"beta": bridges["beta"]}, account={"name": "home", "terminal": True},
        users=[{"platform": "telegram", "id": "alice", "role": "trader"}],
    )  # fmt: skip
    try:
        assert front.directory.names == ["home", "beta"]
        replies = await front.say("alice", "买入0.01手黄金")  # the first account: the own terminal
        assert "home" in replies[0].text
        await front.tap("alice", confirm_of(replies))
        assert front.app[SIMULATOR].positions_total() == 1 and front.positions("beta") == 0
        replies = await front.say("alice", "IC实盘 买入0.01手黄金")
        await front.tap("alice", confirm_of(replies))
        assert front.positions("beta") == 1 and front.app[SIMULATOR].positions_total() == 1
        (both,) = await front.say("alice", "所有账户持仓")
        assert "home" in both.text and "IC实盘" in both.text
    finally:
        await front.runner.cleanup()


async def test_the_fronts_rest_chat_and_parser_know_every_account(front: Front) -> None:
    site = front.runner.addresses[0]
    url = f"http://{site[0]}:{site[1]}/api/v1"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async with http.post(url + "/parse", json={"text": "IC实盘 平仓黄金"}) as resp:
            parsed = (await resp.json())["data"]
        assert parsed["account"] == "beta" and parsed["intent"] == "close"
        async with http.post(url + "/chat", json={"text": "gamma账户持仓"}) as resp:
            answer = (await resp.json())["data"]
        assert answer["text"].startswith("🏦 账户：gamma")  # a query on one account says whose it is


async def test_a_suggestion_acts_on_its_reports_account_and_only_for_its_users(front: Front) -> None:
    await front.open_on("alpha")
    action = CloseRequest(symbol="XAUUSD", selector=Selector.EARLIEST)
    offer = front.chat.deps.suggestions.offer(action, account="alpha")
    (refused,) = await front.tap("bob", f"s:{offer}")  # bob may not use alpha
    assert not refused.buttons and front.positions("alpha") == 1
    preview = await front.tap("alice", f"s:{offer}")
    assert "alpha" in preview[0].text
    await front.tap("alice", confirm_of(preview))
    assert front.positions("alpha") == 0
