"""Rules from a front's chat go to the account the message names (RemoteRules over the bridge's REST),
previewed there and confirmed once, and are listed and removed there too."""

from __future__ import annotations

from api.keys import RULES
from mt5bridge.trading.rules.models import RuleState
from tests.front.conftest import Front, confirm_of


async def test_a_rule_goes_to_the_named_account_and_is_removed_there(front: Front) -> None:
    ticket = await front.open_on("beta", volume=0.10)
    preview = await front.say("alice", "IC实盘 黄金保本")
    text = preview[-1].text
    assert "请确认规则：保本" in text and f"#{ticket}" in text, text
    confirm = confirm_of(preview)
    done = await front.tap("alice", confirm)
    again = await front.tap("alice", confirm)  # a double tap: one rule
    assert "规则 #1 已设置" in done[-1].text and again[-1].text == done[-1].text
    beta, alpha = front.bridges["beta"].app[RULES], front.bridges["alpha"].app[RULES]
    [rule] = await beta.list()
    assert rule.spec.scope.symbol is not None and await alpha.list() == []
    listed = await front.say("alice", "IC实盘的规则")
    assert "#1" in listed[-1].text and listed[-1].buttons
    removal = await front.tap("alice", listed[-1].buttons[0][0].action)
    await front.tap("alice", confirm_of(removal))
    assert [r.state for r in await beta.list()] == [RuleState.REMOVED]
