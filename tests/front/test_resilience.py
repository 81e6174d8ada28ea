"""A retried confirmation trades once; a bridge that goes away leaves the others usable and rejoins."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mt5bot.keys import SIMULATOR
from mt5bridge.remote.feed import FeedState
from mt5bridge.remote.status import BridgeState
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import Actor, OpenRequest
from tests.api.conftest import Api
from tests.front.conftest import Front, bridge_overrides, confirm_of, start_front
from tests.remote.conftest import start_on_port
from tests.remote.proxy import LossyProxy


async def test_a_second_tap_shows_the_first_result_and_sends_nothing(front: Front) -> None:
    replies = await front.say("alice", "IC实盘 买入0.01手黄金")
    action = confirm_of(replies)
    (first,) = await front.tap("alice", action)
    (second,) = await front.tap("alice", action)
    assert second.text == first.text
    assert front.positions("beta") == 1


async def test_the_confirmation_id_is_the_bridges_request_id(front: Front) -> None:
    """Should the front lose its memory of a tap (a restart) and send again, the bridge replays."""
    replies = await front.say("alice", "IC实盘 买入0.01手黄金")
    action = confirm_of(replies)
    await front.tap("alice", action)
    conf_id = action.split(":")[1]
    beta = front.directory.get("beta").port
    again = await beta.execute(
        OpenRequest(symbol="XAUUSD", side=PositionSide.BUY, volume=0.01),
        Actor(platform="telegram", user_id="alice", role="trader"),
        request_id=conf_id,
    )
    assert again.replayed and again.ok
    assert front.positions("beta") == 1


async def test_a_lost_answer_is_asked_again_under_the_same_id_and_trades_once(
    tmp_path: Path, bridges: dict[str, Api]
) -> None:
    proxy = LossyProxy(int(bridges["beta"].url.rsplit(":", 1)[1]))
    await proxy.start()
    front = await start_front(tmp_path / "front", bridges, urls={"beta": proxy.url})
    try:
        replies = await front.say("alice", "IC实盘 买入0.01手黄金")
        proxy.drop_answers = True  # the order reaches the bridge; its answer is cut
        tap = asyncio.create_task(front.tap("alice", confirm_of(replies)))
        for _ in range(500):
            if proxy.dropped:
                break
            await asyncio.sleep(0.01)
        assert proxy.dropped == 1
        proxy.drop_answers = False  # the second ask (same id) comes back: the bridge replays
        (done,) = await tap
        assert "✅" in done.text, done.text
        assert front.positions("beta") == 1
        (position,) = await front.core("beta").positions()
        assert position.volume == 0.01
    finally:
        await front.runner.cleanup()
        await proxy.close()


async def test_a_bridge_that_goes_away_leaves_the_others_usable_and_rejoins(
    tmp_path: Path, front: Front
) -> None:
    beta = front.bridges["beta"]
    port = int(beta.url.rsplit(":", 1)[1])
    await front.open_on("alpha")
    await beta.runner.cleanup()

    (down,) = await front.say("alice", "IC实盘 持仓")
    assert "无法连接" in down.text  # says plainly this account cannot be reached
    (everything,) = await front.say("alice", "所有账户持仓")
    assert "XAUUSD" in everything.text and "IC实盘" in everything.text.split("\n")[-1]  # named at the end
    replies = await front.say("alice", "买入0.01手黄金")  # alpha, the default, trades as ever
    await front.tap("alice", confirm_of(replies))
    assert front.positions("alpha") == 2
    entry = front.directory.get("beta")
    assert entry.feed is not None
    for _ in range(300):
        if entry.feed.status.state is FeedState.RECONNECTING:
            break
        await asyncio.sleep(0.01)
    assert entry.feed.status.state is FeedState.RECONNECTING

    runner = await start_on_port(tmp_path / "beta", port, **bridge_overrides("beta"))
    try:
        for _ in range(500):  # the feed reconnects (backoff capped at 1 s here) and the probe follows
            up = entry.status is not None and entry.status.state is BridgeState.UP
            if up and entry.feed.status.state is FeedState.CONNECTED:
                break
            await asyncio.sleep(0.02)
        assert entry.status is not None and entry.status.state is BridgeState.UP
        (back,) = await front.say("alice", "IC实盘 持仓")
        assert "无法连接" not in back.text
        replies = await front.say("alice", "IC实盘 买入0.01手黄金")
        await front.tap("alice", confirm_of(replies))
        assert runner.app[SIMULATOR].positions_total() == 1
    finally:
        await runner.cleanup()
