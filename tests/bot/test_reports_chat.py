"""Reports in the chat: /report over Telegram (photo, text, suggestion buttons) and the schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import ChatCore
from bot.messages import Incoming, Outgoing, Reply
from bot.settings import UserEntry
from mt5bot.config import Settings
from mt5bridge.common.roles import Role
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.models import OpenRequest
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import AlertSettings, RiskSettings
from reports.models import Report, ReportKind
from reports.runs import Handed
from reports.schedule import ReportScheduler
from reports.service import ReportService
from reports.settings import ReportSettings
from tests.bot import fake_telegram, telegram_stand
from tests.bot.fake_telegram import FakeTelegram, markup_of
from tests.trading import conftest as trading
from tests.trading.conftest import ACTOR, Core

fake = fake_telegram.fake
core = trading.core
run_bot = telegram_stand.run_bot

TRADER, VIEWER = 42, 43
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def settings(**extra: object) -> Settings:
    return Settings.model_validate(
        {
            "users": [
                UserEntry(platform="telegram", id=str(TRADER), role=Role.TRADER, lang="en"),
                UserEntry(platform="telegram", id=str(VIEWER), role=Role.VIEWER, lang="zh"),
            ],
            # Any margin in use is "low": the hedge analysis always suggests cutting the worst position.
            "alerts": AlertSettings(margin_level_below=1e9),
            **extra,
        }
    )


async def _open(core: Core, side: PositionSide, volume: float, magic: int = 0) -> None:
    result = await core.service.execute(
        OpenRequest(symbol="XAUUSD", side=side, volume=volume, magic=magic), ACTOR
    )
    assert result.ok


def last_bot_message(fake: FakeTelegram, chat_id: int) -> int:
    return max(mid for (cid, mid), m in fake.messages.items() if cid == chat_id and m["from"]["is_bot"])


def gold_tickets(core: Core) -> set[int]:
    return {p.ticket for p in core.sim.positions_get() if p.symbol.startswith("XAUUSD")}


async def test_report_is_a_photo_with_text_and_suggestion_buttons(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await _open(core, PositionSide.BUY, 0.05, magic=1001)
    await _open(core, PositionSide.SELL, 0.02, magic=1001)
    await run_bot(ChatCore(core.service, core.db, settings()))
    await fake.send_text("/report daily", user_id=TRADER)
    [photo] = await fake.wait_for("sendPhoto")
    assert photo.files["photo"].startswith(PNG_SIGNATURE)
    text = photo.params.get("caption") or (await fake.wait_for("sendMessage"))[0].params["text"]
    assert "XAUUSD.m" in text
    rows = markup_of(photo) or markup_of((await fake.wait_for("sendMessage"))[-1])
    assert rows, "a trader gets a button per suggestion"
    actions = [b["callback_data"] for row in rows for b in row]
    assert all(a.startswith("s:") and len(a.encode()) <= 64 for a in actions)  # an id, never a command

    # The MARGIN suggestion, first: "Close #<worst ticket>". Pressing it previews; nothing closes before
    # confirming.
    label, margin = rows[0][0]["text"], rows[0][0]["callback_data"]
    ticket = int(label.split("#")[1].split()[0])
    before = gold_tickets(core)
    assert ticket in before
    sent = len(fake.sent("sendMessage"))
    await fake.press(TRADER, last_bot_message(fake, TRADER), margin, user_id=TRADER)
    preview = (await fake.wait_for("sendMessage", sent + 1))[-1]
    assert str(ticket) in preview.params["text"]
    assert gold_tickets(core) == before
    buttons = [b["callback_data"] for row in markup_of(preview) or [] for b in row]
    [confirm] = [action for action in buttons if action.endswith(":y")]
    await fake.press(TRADER, last_bot_message(fake, TRADER), confirm, user_id=TRADER)
    await fake.wait_for("editMessageText")
    assert gold_tickets(core) == before - {ticket}


async def test_viewer_gets_the_report_without_buttons_and_cannot_press_one(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await _open(core, PositionSide.BUY, 0.05)
    await run_bot(ChatCore(core.service, core.db, settings()))
    await fake.send_text("/report hedge", user_id=VIEWER)
    [photo] = await fake.wait_for("sendPhoto")
    assert not markup_of(photo)
    ticket = next(iter(gold_tickets(core)))
    # A trader's button, pressed by the viewer: refused, and nothing previewed or closed.
    await fake.send_text("/report hedge", user_id=TRADER)
    [_, trader_photo] = await fake.wait_for("sendPhoto", 2)
    [[button], *_] = markup_of(trader_photo)
    sent = len(fake.sent("sendMessage"))
    await fake.press(VIEWER, last_bot_message(fake, VIEWER), button["callback_data"], user_id=VIEWER)
    refusal = (await fake.wait_for("sendMessage", sent + 1))[-1]
    assert int(refusal.params["chat_id"]) == VIEWER and not markup_of(refusal)
    assert gold_tickets(core) == {ticket}


async def test_a_suggestion_button_of_another_run_is_no_longer_valid(
    core: Core, fake: FakeTelegram, run_bot: Callable
) -> None:
    await _open(core, PositionSide.BUY, 0.05)
    await run_bot(ChatCore(core.service, core.db, settings()))
    await fake.send_text("/report hedge", user_id=TRADER)
    await fake.wait_for("sendPhoto")
    before = gold_tickets(core)
    for stale in ("s:0123456789abcdef", f"do:close #{next(iter(before))}"):  # unknown id, old text form
        sent = len(fake.calls)
        await fake.press(TRADER, last_bot_message(fake, TRADER), stale, user_id=TRADER)
        for _ in range(200):
            answers = [c for c in fake.calls[sent:] if "no longer valid" in str(c.params.get("text", ""))]
            if answers:
                break
            await asyncio.sleep(0.05)
        assert answers and not markup_of(answers[0])
    assert gold_tickets(core) == before


async def ask(chat: ChatCore, user: int, text: str) -> Reply:
    [reply] = await chat.handle(
        Incoming(platform="telegram", user_id=str(user), chat_id=str(user), text=text)
    )
    return reply


async def test_one_eas_hedge_report_shows_only_that_eas_books(core: Core) -> None:
    await _open(core, PositionSide.BUY, 0.05, magic=1001)
    await _open(core, PositionSide.SELL, 0.02, magic=1001)
    await _open(core, PositionSide.BUY, 0.07, magic=2002)  # another EA on the same symbol
    other = await core.service.execute(
        OpenRequest(symbol="EURUSD", side=PositionSide.SELL, volume=0.3, magic=2002), ACTOR
    )
    assert other.ok
    ours = {p.ticket for p in core.sim.positions_get() if p.magic == 1001}
    chat = ChatCore(core.service, core.db, settings(reports=ReportSettings(ea_names={1001: "GridOne"})))

    whole = await ask(chat, VIEWER, "对冲报告")
    assert "EURUSD" in whole.text and "0.12" in whole.text  # the account: both EAs, 0.05 + 0.07 bought

    reply = await ask(chat, VIEWER, "EA 1001 的对冲情况")  # a viewer: zh, no buttons
    today = (await chat.deps.reports.today()).isoformat()
    assert reply.text.splitlines()[0] == f"⚖️ 对冲报告 {today} · EA 1001 (GridOne)"
    assert "XAUUSD" in reply.text and "0.05" in reply.text and "0.02" in reply.text
    assert "EURUSD" not in reply.text and "2002" not in reply.text
    assert "0.07" not in reply.text and "0.12" not in reply.text  # EA 2002's lots, alone or summed
    assert reply.image is not None and reply.image.startswith(PNG_SIGNATURE)
    assert not reply.buttons

    # A trader gets buttons for EA 1001's positions only (the margin rule names its most losing one).
    offered = await ask(chat, TRADER, "EA 1001 的对冲情况")
    labels = [button.text for row in offered.buttons for button in row]
    assert labels
    named = {int(label.split("#")[1].split()[0]) for label in labels if "#" in label}
    assert named and named <= ours


async def test_one_eas_report_without_deals_or_positions_says_so(core: Core) -> None:
    await _open(core, PositionSide.BUY, 0.05, magic=1001)
    chat = ChatCore(core.service, core.db, settings())
    for user, words in ((VIEWER, "没有持仓"), (TRADER, "no open positions")):
        reply = await ask(chat, user, "EA 4242 的对冲情况")
        assert "EA 4242" in reply.text and words in reply.text, reply.text
        assert "XAUUSD" not in reply.text and "0.05" not in reply.text
        assert reply.image is None and not reply.buttons
    daily = await ask(chat, TRADER, "EA 4242 的情况")
    assert "EA 4242" in daily.text and "no deals" in daily.text and daily.image is None


async def test_scheduled_report_reaches_every_subscriber_in_their_language(core: Core) -> None:
    await _open(core, PositionSide.BUY, 0.05, magic=7)
    chat = ChatCore(core.service, core.db, settings(reports=ReportSettings(daily_at="23:55")))
    notifier = chat.notifier()
    got: list[Outgoing] = []

    async def send(out: Outgoing) -> None:
        got.append(out)

    notifier.register("telegram", send)
    scheduler = ReportScheduler(chat.deps.reports, chat.deps.settings.reports, notifier.broadcast_report, UTC)
    scheduler.start()
    try:
        daily = scheduler.scheduler.get_job("report-daily")
        assert daily is not None
        daily.modify(next_run_time=datetime.now(UTC))  # fire now, through APScheduler
        for _ in range(200):
            if len(got) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert sorted(o.chat_id for o in got) == [str(TRADER), str(VIEWER)]
    by_user = {o.chat_id: o.reply for o in got}
    assert by_user[str(TRADER)].image is not None and by_user[str(TRADER)].image.startswith(PNG_SIGNATURE)
    assert by_user[str(TRADER)].buttons and not by_user[str(VIEWER)].buttons
    assert by_user[str(TRADER)].text != by_user[str(VIEWER)].text  # English and Chinese


async def test_schedule_runs_on_the_reporting_calendar(core: Core) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    chat = ChatCore(core.service, core.db, settings())
    rules = ReportSettings(daily_at="21:30", daily_days="mon-fri", monthly_day=2, monthly_at="07:15")

    async def deliver(*_: object, **__: object) -> list[Handed]:
        return []

    scheduler = ReportScheduler(chat.deps.reports, rules, deliver, tz)
    scheduler.start()
    try:
        runs = scheduler.next_runs()
    finally:
        scheduler.shutdown()
    daily, monthly = runs["report-daily"], runs["report-monthly"]
    assert daily is not None and monthly is not None
    daily, monthly = daily.astimezone(tz), monthly.astimezone(tz)
    now = datetime.now(tz)
    assert (daily.hour, daily.minute, daily.weekday() < 5) == (21, 30, True)
    assert now < daily <= now + timedelta(days=4)
    assert (monthly.day, monthly.hour, monthly.minute) == (2, 7, 15)


async def test_monthly_schedule_reports_the_month_before(core: Core) -> None:
    chat = ChatCore(core.service, core.db, settings())
    delivered: list[tuple[ReportKind, str]] = []

    async def deliver(report: Report, chart: bytes | None, **_: object) -> list[Handed]:
        delivered.append((report.kind, report.label))
        return [Handed("telegram", "1", asyncio.sleep(0, None))]

    scheduler = ReportScheduler(chat.deps.reports, ReportSettings(chart=False), deliver, UTC)
    assert await scheduler.fire(ReportKind.MONTHLY) == 1
    today = await chat.deps.reports.today()
    last = today.replace(day=1) - timedelta(days=1)
    [(kind, label)] = delivered
    assert kind is ReportKind.MONTHLY and label.startswith(f"{last:%Y-%m}-01")


async def test_monthly_days_end_at_the_terminals_today(core: Core) -> None:
    """The terminal's clock decides "now": a simulator started in the past has no day rows after its today."""
    reports = ChatCore(core.service, core.db, settings()).deps.reports
    today = await reports.today()
    report = await reports.build(ReportKind.MONTHLY)
    assert report.days[0].day == today.replace(day=1)
    assert report.days[-1].day == today


async def test_the_calendar_is_the_timezone_else_the_servers_offset(core: Core) -> None:
    reports = ChatCore(core.service, core.db, settings()).deps.reports
    offset = reports.calendar().utcoffset(None)
    assert offset == timedelta(seconds=core.client.server_utc_offset)
    zoned = TradingService(core.client, core.db, RiskSettings(), timezone="Asia/Shanghai")
    assert ReportService(zoned, settings()).calendar() == ZoneInfo("Asia/Shanghai")
