"""Events of every bridge reach the front's users named by account, and only the users of that account;
the front's audit rows say which account each chat line acted on."""

from __future__ import annotations

import asyncio

from mt5bot.keys import DATABASE
from tests.front.conftest import Front, confirm_of


async def _notices(front: Front, count: int) -> list[tuple[str, str]]:
    for _ in range(300):
        if len(front.sent) >= count:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # nothing more is on its way
    return [(out.chat_id, out.reply.text) for out in front.sent]


async def test_a_bridges_trade_is_notified_with_its_account_to_its_users_only(front: Front) -> None:
    for _ in range(200):  # every feed connected
        if all(e.feed is not None and e.feed.status.state.value == "connected" for e in front.directory):
            break
        await asyncio.sleep(0.02)
    await front.open_on("alpha")  # as an EA would, on the bridge itself
    sent = await _notices(front, 2)
    assert {chat for chat, _ in sent} == {"alice", "vic"}  # bob may see beta only
    assert all("alpha" in text and "XAUUSD" in text for _, text in sent)
    front.sent.clear()
    await front.open_on("beta", "EURUSD", 0.1)
    sent = await _notices(front, 3)
    assert {chat for chat, _ in sent} == {"alice", "bob", "vic"}
    assert all("IC实盘" in text and "EURUSD" in text for _, text in sent)


async def test_the_fronts_audit_rows_name_the_account_each_trade_went_to(front: Front) -> None:
    replies = await front.say("alice", "IC实盘 买入0.01手黄金")
    await front.tap("alice", confirm_of(replies))
    await front.say("alice", "alpha账户持仓")
    db = front.app[DATABASE]
    rows = await db.audit.recent(limit=50)
    confirmed = [r for r in rows if r.action == "chat.confirm"]
    assert [r.account for r in confirmed] == ["beta"]
    assert "alpha" in {r.account for r in rows if r.action == "chat.message"}
    assert await db.audit.recent(limit=50, account="gamma") == []
