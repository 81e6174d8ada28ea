"""What real implementations do beyond one Universal socket: API+Event sockets, several accounts,
Token auth, `async` answers, offline heartbeats, and a reply to the bot recognised after a restart.

All through the real aiohttp server and fake NapCat clients over real WebSockets.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.messages import Outgoing, Reply
from bot.onebot.adapter import NotConnected
from bot.onebot.connections import AccountState
from bot.onebot.protocol import Role
from tests.bot import onebot_samples as spec
from tests.bot import test_onebot
from tests.bot.fake_onebot import BOT_QQ, FakeOneBot, at, reply_to, text
from tests.bot.test_onebot import GROUP, OTHER, USER, Stand, StandInCore, _settings, _stand, _wait

SECOND_QQ = 10002


def _note(chat: int | str, words: str) -> Outgoing:
    return Outgoing(platform="qq", chat_id=str(chat), reply=Reply(text=words))


def _sends(bot: FakeOneBot) -> list[str]:
    return [c.text for c in bot.actions if c.action.startswith("send_")]


async def _wait_sends(bot: FakeOneBot, count: int) -> None:
    await _wait(lambda: len(_sends(bot)) >= count)


async def _wait_unable(stand: Stand) -> None:
    await _wait(lambda: not stand.adapter.connected)


# -- API and Event sockets --------------------------------------------------------------------------


async def test_api_and_event_sockets_pair_and_replies_go_out_on_the_api_socket(stand: Stand) -> None:
    bot = stand.bot(split=True)
    await bot.connect()
    assert stand.adapter.accounts() == [AccountState(str(BOT_QQ), frozenset({Role.API, Role.EVENT}), True)]
    await bot.send_event(bot.private(USER, [text("持仓")]))
    [call] = await bot.wait_actions(1)
    assert (call.role, call.action, call.text) == ("API", "send_private_msg", "echo: 持仓")
    await stand.adapter.send(_note(USER, "成交"))
    assert [c.role for c in await bot.wait_actions(2)] == ["API", "API"]
    await bot.close()


async def test_without_an_api_socket_actions_wait_for_it(stand: Stand) -> None:
    bot = stand.bot(split=True)
    await bot.connect(roles=("Event",))
    [state] = stand.adapter.accounts()
    assert (state.roles, state.can_receive, state.can_send) == (frozenset({Role.EVENT}), True, False)
    await bot.send_event(bot.private(USER, [text("hi")]))
    await _wait(lambda: len(stand.core.seen) == 1)  # read from the Event socket; its answer waits
    with pytest.raises(NotConnected, match="no API or Universal connection"):
        await stand.adapter.send(_note(USER, "early"))
    await bot.connect(roles=("API",))
    await stand.adapter.send(_note(USER, "now"))
    await stand.adapter.drain()  # the answer held while there was no API socket goes out now
    assert sorted((c.role, c.text) for c in bot.actions) == [("API", "echo: hi"), ("API", "now")]
    await bot.close()


async def test_events_on_an_api_socket_are_ignored(stand: Stand) -> None:
    bot = stand.bot(split=True)
    await bot.connect()
    await bot.send_raw_on("API", json.dumps(bot.private(USER, [text("wrong socket")])))
    await bot.send_event(bot.private(USER, [text("right socket")]))
    await bot.wait_actions(1)
    assert [i.text for i in stand.core.seen] == ["right socket"]
    await bot.close()


async def test_a_second_socket_of_the_same_role_replaces_only_that_one(stand: Stand) -> None:
    first, second = stand.bot(split=True), stand.bot(split=True)
    await first.connect()
    await second.connect(roles=("API",))
    await _wait(lambda: not first.is_open("API"))
    assert "replaced by a new API connection" in first.close_reasons["API"]
    assert first.is_open("Event")
    await first.send_event(first.private(USER, [text("hi")]))  # read on the old Event socket
    [call] = await second.wait_actions(1)  # answered on the new API socket
    assert call.text == "echo: hi"
    await first.close()
    await second.close()


async def test_universal_socket_is_one_account_with_both_roles(stand: Stand, napcat: FakeOneBot) -> None:
    assert stand.adapter.accounts() == [AccountState(str(BOT_QQ), frozenset({Role.UNIVERSAL}), True)]
    await napcat.send_event(napcat.private(USER, [text("hi")]))
    assert (await napcat.wait_actions(1))[0].role == "Universal"


async def test_unknown_client_role_is_refused(stand: Stand) -> None:
    bot = stand.bot()
    async with aiohttp.ClientSession() as session:
        headers = {**bot.headers(), "X-Client-Role": "Both"}
        async with session.get(stand.url, headers=headers) as response:
            assert response.status == 400


# -- authorization ----------------------------------------------------------------------------------


async def test_token_scheme_is_accepted_and_a_wrong_token_refused(stand: Stand) -> None:
    bot = stand.bot(scheme="Token")
    await bot.connect()
    await bot.send_event(bot.private(USER, [text("hi")]))
    assert (await bot.wait_actions(1))[0].text == "echo: hi"
    await bot.close()
    for wrong in (stand.bot(scheme="Token", token="wrong-token-wrong"), stand.bot(scheme="Basic")):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await wrong.connect()
        assert refused.value.status == 401


# -- several accounts -------------------------------------------------------------------------------


core, stand, napcat = test_onebot.core, test_onebot.stand, test_onebot.napcat  # the same fixtures


Two = tuple[Stand, FakeOneBot, FakeOneBot]


@pytest.fixture
async def two(core: StandInCore) -> AsyncIterator[Two]:
    settings = _settings(self_id=None, self_ids=[str(BOT_QQ), str(SECOND_QQ)])
    async for stand in _stand(core, settings):
        first = stand.bot()
        second = stand.bot(self_id=SECOND_QQ, split=True, first_message_id=7000)
        await first.connect()
        await second.connect()
        yield stand, first, second
        await first.close()
        await second.close()


async def test_two_accounts_each_answer_their_own_users(two: Two) -> None:
    stand, first, second = two
    assert [a.self_id for a in stand.adapter.accounts()] == [str(BOT_QQ), str(SECOND_QQ)]
    await first.send_event(first.private(USER, [text("to one")]))
    await second.send_event(second.private(OTHER, [text("to two")]))
    [one] = await first.wait_actions(1)
    [two_] = await second.wait_actions(1)
    assert (one.params["user_id"], one.text) == (USER, "echo: to one")
    assert (two_.params["user_id"], two_.text) == (OTHER, "echo: to two")
    # Notifications go through the account the chat last wrote to; an unknown chat through the first.
    await stand.adapter.send(_note(OTHER, "for other"))
    await stand.adapter.send(_note(USER, "for user"))
    await stand.adapter.send(_note(55555, "never wrote"))
    assert _sends(first) == ["echo: to one", "for user", "never wrote"]
    assert _sends(second) == ["echo: to two", "for other"]
    await second.send_event(second.private(USER, [text("now via two")]))
    await second.wait_actions(3)
    await stand.adapter.send(_note(USER, "follows"))
    assert _sends(second)[-1] == "follows"


async def test_an_account_not_listed_is_refused(two: Two) -> None:
    stand = two[0]
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await stand.bot(self_id=10003).connect()
    assert refused.value.status == 403
    assert len(stand.adapter.accounts()) == 2


async def test_an_account_that_closed_cannot_send_and_the_other_still_can(
    two: Two,
) -> None:
    stand, first, second = two
    await second.send_event(second.private(OTHER, [text("hi")]))
    await second.wait_actions(1)
    await second.close()
    await _wait(lambda: not stand.adapter.accounts()[1].roles)
    with pytest.raises(NotConnected, match=str(SECOND_QQ)):
        await stand.adapter.send(_note(OTHER, "lost"))  # not silently through another account
    await stand.adapter.send(_note(USER, "fine"))
    assert _sends(first) == ["fine"]


# -- online state -----------------------------------------------------------------------------------


async def test_offline_heartbeat_stops_sends_until_online_again(two: Two) -> None:
    stand, first, second = two
    await second.send_event(second.private(OTHER, [text("hi")]))
    await second.wait_actions(1)
    await second.send_event(second.heartbeat(online=False))
    await _wait(lambda: not stand.adapter.accounts()[1].online)
    assert not stand.adapter.accounts()[1].can_send and stand.adapter.connected  # the first still can
    with pytest.raises(NotConnected, match="offline"):
        await stand.adapter.send(_note(OTHER, "held"))
    await second.send_event(second.heartbeat(online=None))  # "cannot tell" changes nothing
    await second.send_event(second.heartbeat(online=True))
    await _wait(lambda: stand.adapter.accounts()[1].online)
    await stand.adapter.send(_note(OTHER, "back"))
    assert _sends(second) == ["echo: hi", "back"]
    # The first account offline: a chat that never wrote goes through the one that is online.
    await first.send_event(first.heartbeat(online=False))
    await _wait(lambda: not stand.adapter.accounts()[0].online)
    await stand.adapter.send(_note(55555, "via two"))
    assert _sends(second)[-1] == "via two"
    await first.send_event(first.lifecycle("connect"))  # a lifecycle connect says online, too
    await _wait(lambda: stand.adapter.accounts()[0].online)


async def test_no_account_online_means_not_connected(stand: Stand, napcat: FakeOneBot) -> None:
    await napcat.send_event(napcat.heartbeat(online=False))
    await _wait(lambda: not stand.adapter.connected)
    with pytest.raises(NotConnected):
        await stand.adapter.send(_note(55555, "nobody"))


# -- async answers ----------------------------------------------------------------------------------


async def test_async_answer_is_a_success(stand: Stand, napcat: FakeOneBot) -> None:
    napcat.async_actions = {"send_private_msg"}
    await stand.adapter.send(_note(USER, "queued by the implementation"))
    await napcat.send_event(napcat.private(USER, [text("hi")]))
    calls = await napcat.wait_actions(2)
    assert [c.text for c in calls] == ["queued by the implementation", "echo: hi"]


# -- a reply to the bot after a restart -------------------------------------------------------------


async def test_reply_to_a_message_sent_before_a_restart_is_detected_via_get_msg(core: StandInCore) -> None:
    history: dict[int, dict[str, object]] = {}  # the implementation's store outlives our restart
    async for before in _stand(core, _settings()):
        bot = before.bot(history=history)
        await bot.connect()
        await bot.send_event(bot.group(GROUP, USER, [at(BOT_QQ), text("报价")]))
        [quote] = await bot.wait_actions(1)
        await bot.close()
    assert history[5000]["sender"] == {"user_id": BOT_QQ, "nickname": "bot"}
    async for after in _stand(core, _settings()):
        bot = after.bot(history=history, split=True, first_message_id=6000)
        await bot.connect()
        await bot.send_event(bot.group(GROUP, OTHER, [reply_to(424242), text("unknown id")]))
        await bot.send_event(bot.group(GROUP, OTHER, [reply_to(100), text("to a user")]))  # the user's 100
        await bot.send_event(bot.group(GROUP, USER, [reply_to(5000), text("1")]))
        await _wait(lambda: len(core.seen) == 2)
        calls = await bot.wait_actions(4)
        assert [c.params["message_id"] for c in calls if c.action == "get_msg"] == [424242, 100, 5000]
        assert all(c.role == "API" for c in calls)
        assert core.seen[-1].text == "1" and core.seen[-1].addressed
        assert _sends(bot) == ["echo: 1"]
        # A second reply to the same message is answered from the cache.
        await bot.send_event(bot.group(GROUP, USER, [reply_to(5000), text("2")]))
        await _wait_sends(bot, 2)
        assert [c.action for c in bot.actions].count("get_msg") == 3
        await bot.close()
    assert quote.action == "send_group_msg"


async def test_a_slow_get_msg_holds_only_its_own_chat(core: StandInCore) -> None:
    async for stand in _stand(core, _settings(action_timeout_sec=0.3)):
        bot = stand.bot()
        await bot.connect()
        bot.silent_actions = {"get_msg"}
        await bot.send_event(bot.group(GROUP, USER, [reply_to(5000), text("waits")]))
        await bot.send_event(bot.private(OTHER, [text("meanwhile")]))
        await bot.send_event(bot.group(GROUP, USER, [at(BOT_QQ), text("behind it")]))
        await _wait_sends(bot, 2)
        assert _sends(bot) == ["echo: meanwhile", "echo: behind it"]
        # The unanswered check timed out: that message counts as not addressed to the bot.
        assert [i.text for i in core.seen] == ["meanwhile", "behind it"]
        await bot.close()


# -- the spec's own samples -------------------------------------------------------------------------


async def test_spec_samples_replayed(core: StandInCore) -> None:
    async for stand in _stand(core, _settings(self_id=str(spec.SPEC_BOT))):
        bot = stand.bot(self_id=spec.SPEC_BOT, split=True)
        bot.history[int(spec.SPEC_REPLY_ID)] = spec.get_msg_response("x", sender=spec.SPEC_BOT)["data"]
        await bot.connect()
        await bot.send_raw(json.dumps(spec.LIFECYCLE_CONNECT))
        await bot.send_raw(json.dumps(spec.HEARTBEAT))
        await bot.send_raw(json.dumps(spec.PRIVATE_MESSAGE))
        await bot.send_raw(json.dumps(spec.GROUP_MESSAGE_AT_AND_REPLY))
        await bot.send_raw(json.dumps(spec.GROUP_MESSAGE_REPLY_ONLY))
        await _wait_sends(bot, 3)
        [private] = [i for i in core.seen if not i.is_group]
        mention, reply = [i for i in core.seen if i.is_group]  # one chat: in order
        assert (private.text, private.user_name, private.is_group) == ("你好", "小明", False)
        assert (mention.text, mention.chat_id, mention.addressed) == ("持仓", f"g{spec.SPEC_GROUP}", True)
        assert (reply.text, reply.addressed) == ("确认", True)  # via get_msg: the bot wrote 123456
        group_sends = [c for c in bot.actions if c.action == "send_group_msg"]
        assert [c.segments[0] for c in group_sends] == [
            {"type": "reply", "data": {"id": "12"}},
            {"type": "reply", "data": {"id": "13"}},
        ]
        await bot.send_raw(json.dumps(spec.HEARTBEAT_OFFLINE))
        await _wait_unable(stand)
        with pytest.raises(NotConnected, match="offline"):
            await stand.adapter.send(_note(spec.SPEC_USER, "held"))
        await bot.close()
