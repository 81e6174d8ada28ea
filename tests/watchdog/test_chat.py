"""`/restart_terminal` through the chat core, over the real trading core and a real stand-in terminal;
the watchdog's news reaching admins (and only admins) through the notifier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import ChatCore
from bot.core.terminal_admin import WatchdogNotices
from bot.messages import Outgoing
from mt5bridge.terminal.heartbeat import Heartbeat
from mt5bridge.terminal.watchdog import TerminalWatchdog
from mt5bridge.trading.events import BusLinkListener, EventBus
from mt5bridge.trading.events.models import TerminalRestarted, WatchdogGaveUp
from mt5bridge.trading.events.watchdog import BusWatchdogListener
from tests.bot.core_stand import FakeClock, Stand, action, only, settings
from tests.trading.conftest import make_core
from tests.watchdog.stand import FakeTerminal, settings_for, wait_for

ADMIN, TRADER, VIEWER = "1", "2", "3"


@pytest.fixture
async def stand(tmp_path: Path, fake: FakeTerminal, request: pytest.FixtureRequest) -> AsyncIterator[Stand]:
    """A chat core with a watchdog pointed at the stand-in (not started: only the command restarts);
    `@pytest.mark.parametrize("stand", [False], indirect=True)` builds it without one."""
    core = await make_core(tmp_path)
    bus = EventBus()
    watchdog = None
    if getattr(request, "param", True):
        mt5 = settings_for(fake)
        heartbeat = Heartbeat(core.client, BusLinkListener(bus), mt5)
        watchdog = TerminalWatchdog(mt5, heartbeat, BusWatchdogListener(bus))
    clock, config = FakeClock(), settings()
    chat = ChatCore(core.service, core.db, config, clock=clock, watchdog=watchdog)
    try:
        yield Stand(core, chat, clock, config)
    finally:
        if watchdog is not None:
            await watchdog.stop()
        await bus.close()
        await core.db.close()
        await core.client.close()


async def running(fake: FakeTerminal) -> int:
    child = fake.launch()
    await asyncio.to_thread(wait_for, lambda: fake.started() == {child.pid})
    return child.pid


async def actions_of(stand: Stand, user: str) -> list[tuple[str, str, str | None]]:
    entries = await stand.core.db.audit.recent(limit=20, actor=user)
    return [(e.action, e.outcome.value, e.error_code) for e in reversed(entries)]


async def test_admin_confirms_and_the_terminal_is_restarted(stand: Stand, fake: FakeTerminal) -> None:
    old = await running(fake)
    ask = only(await stand.say(ADMIN, "/restart_terminal"))
    assert str(fake.path) in ask.text and "/portable" in ask.text and ask.confirmation_id
    assert fake.started() == {old}  # nothing happens before the tap
    done = only(await stand.tap(ADMIN, action(ask)))
    await asyncio.to_thread(wait_for, lambda: len(fake.started()) == 2)
    [new] = fake.started() - {old}
    assert done.edit and f"pid {new}" in done.text and fake.pids() == {new}
    assert fake.starts()[-1]["argv"] == ["/portable", "/config:start.ini"]
    again = only(await stand.tap(ADMIN, action(ask)))  # single use: the second tap shows the first result
    assert again.text == done.text and len(fake.starts()) == 2
    assert await actions_of(stand, ADMIN) == [
        ("chat.command.restart_terminal", "ok", None),
        ("chat.admin.restart_terminal", "pending", None),
        ("chat.admin.restart_terminal", "ok", None),
    ]


@pytest.mark.parametrize("user", [TRADER, VIEWER])
async def test_others_get_the_role_refusal(stand: Stand, fake: FakeTerminal, user: str) -> None:
    old = await running(fake)
    refused = only(await stand.say(user, "/restart_terminal"))
    assert not refused.buttons and refused.text == only(await stand.say(user, "/pause")).text
    assert await actions_of(stand, user) == [
        ("chat.command.restart_terminal", "ok", None),
        ("chat.admin.restart_terminal", "denied", "role"),
        ("chat.command.pause", "ok", None),
        ("chat.admin.pause", "denied", "role"),
    ]
    assert fake.started() == {old}


async def test_an_expired_confirmation_restarts_nothing(stand: Stand, fake: FakeTerminal) -> None:
    old = await running(fake)
    ask = only(await stand.say(ADMIN, "/restart_terminal"))
    stand.clock.now += 61  # confirm_ttl_sec is 60
    expired = only(await stand.tap(ADMIN, action(ask)))
    assert expired.edit and not expired.buttons
    assert ("chat.confirm", "expired", None) in await actions_of(stand, ADMIN)
    assert fake.started() == {old} and fake.pids() == {old}


async def test_cancel_and_someone_elses_tap_restart_nothing(stand: Stand, fake: FakeTerminal) -> None:
    old = await running(fake)
    ask = only(await stand.say(ADMIN, "/restart_terminal"))
    only(await stand.tap(TRADER, action(ask)))  # not theirs
    cancelled = only(await stand.tap(ADMIN, action(ask, col=1)))
    assert cancelled.edit and not cancelled.buttons
    assert fake.started() == {old}


@pytest.mark.parametrize("stand", [False], indirect=True)
async def test_without_a_watchdog_it_says_so(stand: Stand) -> None:
    reply = only(await stand.say(ADMIN, "/restart_terminal"))
    assert "mt5.watchdog.enabled" in reply.text and not reply.buttons
    reply = only(await stand.say(VIEWER, "/restart_terminal"))
    assert reply.text == only(await stand.say(VIEWER, "/pause")).text  # the role refusal comes first


async def test_admins_hear_the_watchdog_and_nobody_else(stand: Stand) -> None:
    notifier = stand.chat.notifier()
    sent: list[Outgoing] = []
    both = asyncio.Event()

    async def send(out: Outgoing) -> None:
        sent.append(out)
        if len(sent) == 2:
            both.set()

    notifier.register("telegram", send)
    bus = EventBus()
    WatchdogNotices(stand.settings, notifier).start(bus)
    now = datetime.now(UTC)
    bus.publish(WatchdogGaveUp(time=now, cause="process_gone", restarts=4))
    bus.publish(TerminalRestarted(time=now, restarts=2, downtime_sec=75.4, manual=False))
    try:
        async with asyncio.timeout(5):
            await both.wait()
        await asyncio.sleep(0.1)  # room for a wrong third message to show up
    finally:
        await bus.close()
    assert {out.chat_id for out in sent} == {ADMIN}
    gave_up, back = (out.reply.text for out in sent)
    assert "4" in gave_up and "放弃" in gave_up  # Ann writes in Chinese (the default language)
    assert "2" in back and "75" in back
