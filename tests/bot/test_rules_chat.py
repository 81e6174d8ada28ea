"""Trade-management rules from chat (issue 19) with the real chat core, trading core, rule service, rule
runner, simulator and SQLite: a phrase -> its preview with today's numbers -> Confirm -> the rule stored,
the runner acting on it, and the user notified once; cancel, double taps, a changed preview, questions,
/rules with remove and resume, roles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core import ChatCore, Notifier
from bot.messages import Outgoing, Reply
from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.events import EventBus, TradeWatcher
from mt5bridge.trading.models import ModifyRequest, OpenRequest
from mt5bridge.trading.rules.models import Rule, RuleState
from mt5bridge.trading.rules.repository import RuleRepository
from mt5bridge.trading.rules.runner import RuleRunner
from mt5bridge.trading.rules.service import RuleService
from mt5bridge.trading.rules.snapshot import SnapshotSource
from storage.models import Outcome
from tests.bot.core_stand import SETUP, FakeClock, action, msg, only, settings
from tests.trading.conftest import Core, make_core

GOLD, EURO = "XAUUSD.m", "EURUSD.m"
BUY, SELL = PositionSide.BUY, PositionSide.SELL
ADMIN, TRADER, VIEWER, EN = "1", "2", "3", "5"


@dataclass
class RuleStand:
    core: Core
    chat: ChatCore
    clock: FakeClock
    rules: RuleService
    runner: RuleRunner
    bus: EventBus
    watcher: TradeWatcher
    sent: list[Outgoing] = field(default_factory=list)

    async def say(self, user: str, text: str) -> Reply:
        return only(await self.chat.handle(msg(user, text=text)))

    async def tap(self, user: str, act: str) -> Reply:
        return only(await self.chat.handle(msg(user, action=act)))

    async def open(self, symbol: str, side: PositionSide, volume: float) -> int:
        result = await self.core.service.execute(OpenRequest(symbol=symbol, side=side, volume=volume), SETUP)
        assert result.ok
        return result.outcomes[0].order

    async def stored(self) -> list[Rule]:
        return await self.rules.list()

    def sl(self, ticket: int) -> float:
        [pos] = [p for p in self.core.sim.positions_get() or () if p.ticket == ticket]
        return pos.sl

    def to(self, user: str) -> list[str]:
        return [o.reply.text for o in self.sent if o.chat_id == user]


@pytest.fixture
async def stand(tmp_path: Path) -> AsyncIterator[RuleStand]:
    core = await make_core(tmp_path)
    core.sim.set_price(GOLD, 3600.00, 3600.20)
    core.sim.set_price(EURO, 1.16000, 1.16002)
    source = SnapshotSource(core.client, snapshots=core.db.snapshots)
    rules = RuleService(core.service, core.db, source)
    clock = FakeClock()
    chat = ChatCore(core.service, core.db, settings(), clock=clock, rules=rules)
    bus = EventBus()
    runner = RuleRunner(core.service, bus, RuleRepository(core.db.rules), source, marks=core.db.settings)
    await runner.start(loop=False)
    unlisten = rules.listen(runner.changed)
    watcher = TradeWatcher(core.client, bus, interval=60)
    await watcher.prime()
    made = RuleStand(core, chat, clock, rules, runner, bus, watcher)
    notifier: Notifier = chat.notifier()

    async def send(out: Outgoing) -> None:
        made.sent.append(out)

    notifier.register("telegram", send)
    notifier.start(bus)
    yield made
    unlisten()
    await runner.stop()
    await notifier.close()
    await bus.close()
    await core.db.close()
    await core.client.close()


async def wait_for(check: Callable[[], bool], within: float = 3.0) -> None:
    for _ in range(int(within / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def _audit(stand: RuleStand, action_name: str) -> list[Outcome]:
    lines = await stand.core.db.audit.recent(action=action_name)
    return [line.outcome for line in lines]


# --- break-even and trailing, end to end ---------------------------------------------------------------
@pytest.mark.parametrize(("text", "user", "words"), [
    ("黄金保本", TRADER, ("请确认规则：保本", "确认后立即把止损设为 3600.20", "止损移到开仓价")),
    ("move my gold stop to breakeven", EN, ("Please confirm the rule: Break-even", "SL set to 3600.20")),
])  # fmt: skip
async def test_break_even_from_chat_moves_the_stop_and_tells_the_user_once(
    stand: RuleStand, text: str, user: str, words: tuple[str, ...]
) -> None:
    ticket = await stand.open("XAUUSD", BUY, 0.10)  # at the ask, 3600.20
    stand.core.sim.set_price(GOLD, 3601.00, 3601.20)  # 80 points up: the entry is a valid stop
    await stand.watcher.poll_once()  # the open's own notice goes out first
    preview = await stand.say(user, text)
    for word in (*words, f"#{ticket} XAUUSD.m", "0.10 @ 3600.20"):
        assert word in preview.text, (word, preview.text)
    assert [b.text for b in preview.buttons[0]] in (["✅ 确认", "✖ 取消"], ["✅ Confirm", "✖ Cancel"])
    assert await stand.stored() == []  # nothing before the tap
    done = await stand.tap(user, action(preview))
    assert done.edit and ("规则 #1 已设置" in done.text or "Rule #1 set" in done.text)
    [rule] = await stand.stored()
    assert rule.spec.scope.symbol == GOLD and rule.created_by == f"telegram:{user}"
    stand.sent.clear()
    await stand.runner.round()  # the runner acts on the confirmed rule at once
    assert stand.sl(ticket) == 3600.20
    await stand.watcher.poll_once()  # the terminal's own position_modified for the same change
    reason = "保本" if user == TRADER else "break-even"
    await wait_for(lambda: any("SL → 3600.20" in t for t in stand.to(user)))
    await asyncio.sleep(0.1)
    texts = stand.to(user)
    assert texts == [f"🔒 XAUUSD.m #{ticket} SL → 3600.20 ({reason})"], texts  # once, not twice
    assert await _audit(stand, "rule.create") == [Outcome.OK]
    assert await _audit(stand, "chat.rule.preview") == [Outcome.PENDING]
    assert await _audit(stand, "chat.rule.confirm") == [Outcome.OK]


@pytest.mark.parametrize("text", ["欧美移动止损20点", "trail EURUSD 20 points"])
async def test_a_trail_from_chat_follows_the_price(stand: RuleStand, text: str) -> None:
    ticket = await stand.open("EURUSD", SELL, 0.10)  # at the bid, 1.16000
    stand.core.sim.set_price(EURO, 1.15950, 1.15952)
    preview = await stand.say(TRADER, text)
    assert "移动止损" in preview.text and "1.15972" in preview.text, preview.text  # ask 1.15952 + 20 points
    await stand.tap(TRADER, action(preview))
    await stand.runner.round()
    assert stand.sl(ticket) == 1.15972
    stand.core.sim.set_price(EURO, 1.15900, 1.15902)
    await stand.runner.round()
    assert stand.sl(ticket) == 1.15922
    stand.core.sim.set_price(EURO, 1.15910, 1.15912)  # back up (not to the stop): it never loosens
    await stand.runner.round()
    assert stand.sl(ticket) == 1.15922


async def test_a_staged_take_profit_preview_shows_the_lots_per_stage(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.30)
    preview = await stand.say(TRADER, "黄金到3700平一半，到3750再平30%")
    text = preview.text
    assert "分批止盈" in text and "基准 0.30 手，均价 3600.20" in text, text
    assert "1. 3700.00 平 50%：0.15 手" in text and "2. 3750.00 平 30%：0.09 手" in text, text
    await stand.tap(TRADER, action(preview))
    [rule] = await stand.stored()
    assert rule.base_volume == 0.30 and rule.staged_symbol == GOLD


async def test_a_stage_that_rounds_to_nothing_says_so(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.01)
    text = (await stand.say(TRADER, "黄金到3700平一半，到3750再平30%")).text
    assert text.count("不足最小手数，这一档不平") == 2, text


async def test_an_equity_guard_shows_its_reference_and_levels(stand: RuleStand) -> None:
    account = await stand.core.service.account()
    preview = await stand.say(TRADER, "账户今天亏损超过3%就全部平仓并暂停")
    text = preview.text
    fire = account.equity * 0.97
    assert "净值保护" in text and "今日开始时的净值" in text and "并暂停交易" in text, text
    assert f"{fire:,.2f} {account.currency}" in text, text
    assert "估计值" in text  # no snapshot at the day's start in this test: the reference is estimated
    await stand.tap(TRADER, action(preview))
    [rule] = await stand.stored()
    assert rule.spec.action.kind == "equity_guard"


# --- confirmation semantics ------------------------------------------------------------------------------
async def test_cancel_creates_nothing_and_a_double_confirm_creates_one(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    cancelled = await stand.say(TRADER, "黄金保本")
    assert "已取消" in (await stand.tap(TRADER, action(cancelled, 0, 1))).text
    assert await stand.stored() == []
    preview = await stand.say(TRADER, "黄金保本")
    first = await stand.tap(TRADER, action(preview))
    second = await stand.tap(TRADER, action(preview))
    assert first.text == second.text
    assert len(await stand.stored()) == 1
    assert await _audit(stand, "rule.create") == [Outcome.OK]


async def test_a_changed_preview_is_refused_and_shown_again(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    preview = await stand.say(TRADER, "黄金保本")
    second = await stand.open("XAUUSD", BUY, 0.20)  # another position in scope since the preview
    fresh = await stand.tap(TRADER, action(preview))
    assert fresh.edit and "确认之后情况有变" in fresh.text and f"#{second}" in fresh.text, fresh.text
    assert await stand.stored() == []
    assert await _audit(stand, "chat.rule.confirm") == [Outcome.REFUSED]
    await stand.tap(TRADER, action(fresh))
    assert len(await stand.stored()) == 1


async def test_a_viewer_cannot_set_or_confirm(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    denied = await stand.say(VIEWER, "黄金保本")
    assert not denied.buttons and await _audit(stand, "chat.trade") == [Outcome.DENIED]
    preview = await stand.say(TRADER, "黄金保本")
    refused = await stand.tap(VIEWER, action(preview))  # someone else's confirmation
    assert "不是您的" in refused.text and not refused.buttons
    assert await stand.stored() == []


async def test_refusals_are_said_plainly(stand: RuleStand) -> None:
    text = (await stand.say(TRADER, "黄金到3700平一半，到3750再平30%")).text  # no gold position
    assert "分批止盈需要现在就有持仓" in text and "rule_empty_scope" in text, text
    text = (await stand.say(TRADER, "#99999 保本")).text
    assert "找不到这个单号" in text, text
    stand.core.service.set_read_only(True)
    text = (await stand.say(TRADER, "黄金保本")).text
    assert "只读" in text, text


# --- questions -------------------------------------------------------------------------------------------
async def test_a_guard_without_reference_asks_with_buttons(stand: RuleStand) -> None:
    asked = await stand.say(TRADER, "亏损3%就全平")
    assert "回撤从哪里算起" in asked.text
    assert [b.text for b in asked.buttons[0]] == ["今日开始时的净值", "净值最高点"]
    preview = await stand.tap(TRADER, action(asked, 0, 1))
    assert "净值最高点" in preview.text and "全部平仓" in preview.text and "暂停" not in preview.text
    await stand.tap(TRADER, action(preview))
    [rule] = await stand.stored()
    assert rule.spec.action.reference == "peak" and rule.spec.action.pause is False


async def test_a_trail_without_distance_asks_and_reads_the_typed_answer(stand: RuleStand) -> None:
    ticket = await stand.open("EURUSD", SELL, 0.10)
    asked = await stand.say(TRADER, "欧美移动止损")
    assert "距离是多少" in asked.text and not asked.buttons
    preview = await stand.say(TRADER, "20点")
    assert "距离 20 点" in preview.text and f"#{ticket}" in preview.text, preview.text


async def test_a_scope_question_offers_the_symbols_held_and_all(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    asked = await stand.say(TRADER, "保本")
    assert [b.text for b in asked.buttons[0]] == ["XAUUSD", "所有持仓"]
    preview = await stand.tap(TRADER, action(asked))
    assert "保本 · XAUUSD" in preview.text.replace(".m", ""), preview.text


# --- /rules, remove, resume ------------------------------------------------------------------------------
async def _make(stand: RuleStand, text: str) -> None:
    await stand.tap(TRADER, action(await stand.say(TRADER, text)))


async def test_rules_lists_them_with_remove_and_a_confirmed_removal(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    await stand.open("EURUSD", BUY, 0.10)
    await _make(stand, "黄金保本")
    await _make(stand, "欧美移动止损20点")
    listed = await stand.say(TRADER, "/rules")
    assert "规则（2）" in listed.text and "#1 等待触发 · 保本" in listed.text, listed.text
    assert [row[0].text for row in listed.buttons] == ["🗑 删除规则 #1", "🗑 删除规则 #2"]
    confirm = await stand.tap(TRADER, action(listed, 1))
    assert "这条规则将停止" in confirm.text and "#2" in confirm.text
    done = await stand.tap(TRADER, action(confirm))
    assert "已删除规则 #2" in done.text
    assert [r.state for r in await stand.stored()] == [RuleState.WAITING, RuleState.REMOVED]
    assert "规则（1）" in (await stand.say(TRADER, "我的规则")).text  # removed ones are not listed


async def test_remove_by_id_all_and_scope(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    await stand.open("EURUSD", BUY, 0.10)
    await _make(stand, "黄金保本")
    await _make(stand, "欧美移动止损20点")
    await _make(stand, "黄金移动止损30点")
    by_id = await stand.say(TRADER, "删除规则2")
    assert "这条规则将停止" in by_id.text
    await stand.tap(TRADER, action(by_id))
    which = await stand.say(TRADER, "取消黄金保本")  # gold has two rules: which?
    assert "删除哪一条规则" in which.text and len(which.buttons) == 2
    confirm = await stand.tap(TRADER, action(which, 1))
    await stand.tap(TRADER, action(confirm))
    assert [r.state for r in await stand.stored()] == [
        RuleState.WAITING,
        RuleState.REMOVED,
        RuleState.REMOVED,
    ]
    every = await stand.say(TRADER, "删除所有规则")
    assert "删除全部 1 条规则" in every.text
    again = await stand.tap(TRADER, action(every))
    assert "再次确认" in again.text and again.buttons
    await stand.tap(TRADER, action(again))
    assert {r.state for r in await stand.stored()} == {RuleState.REMOVED}


async def test_admins_resume_a_paused_rule_from_the_list(stand: RuleStand) -> None:
    await stand.open("XAUUSD", BUY, 0.10)
    await _make(stand, "黄金保本")
    repo = RuleRepository(stand.core.db.rules)
    rule = await repo.get(1)
    assert rule is not None
    await repo.save(
        rule.model_copy(update={"state": RuleState.PAUSED, "paused_reason": "TRADE_RETCODE_INVALID_STOPS"})
    )
    traders = await stand.say(TRADER, "/rules")
    assert "已暂停" in traders.text and [[b.text for b in r] for r in traders.buttons] == [["🗑 删除规则 #1"]]
    admins = await stand.say(ADMIN, "/rules")
    assert [b.text for b in admins.buttons[0]] == ["🗑 删除规则 #1", "▶ 恢复 #1"]
    resumed = await stand.tap(ADMIN, action(admins, 0, 1))
    assert "规则 #1 已恢复" in resumed.text
    assert (await stand.rules.get(1)).state is RuleState.WAITING
    viewers = await stand.say(VIEWER, "/rules")
    assert "#1" in viewers.text and not viewers.buttons


async def test_an_sl_change_by_hand_is_still_told(stand: RuleStand) -> None:
    """Only a rule's own move hides the watcher's notice: a trader's modify is told as before."""
    ticket = await stand.open("XAUUSD", BUY, 0.10)
    await stand.watcher.poll_once()
    stand.sent.clear()
    await stand.core.service.execute(ModifyRequest(ticket=ticket, sl=3590.00), SETUP)
    await stand.watcher.poll_once()
    await wait_for(lambda: bool(stand.to(TRADER)))
    assert "3590.00" in stand.to(TRADER)[0]
