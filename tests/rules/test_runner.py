"""The rule runner end to end: the real simulator on scripted prices, the trading core, SQLite, the bus."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.render import Renderer
from mt5bridge.common.rulespec import (
    BreakEven,
    Drawdown,
    EquityGuard,
    Scope,
    Stage,
    StagedTakeProfit,
    Trailing,
    Trigger,
)
from mt5bridge.common.vocab import Reference, TrailMode
from mt5bridge.terminal import constants as C
from mt5bridge.trading import risk
from mt5bridge.trading.errors import RiskRefused
from mt5bridge.trading.events import RuleAction, RuleActionKind, TickPoller
from mt5bridge.trading.models import CloseRequest, ModifyRequest
from mt5bridge.trading.rules.backoff import delay
from mt5bridge.trading.rules.models import RuleState
from mt5bridge.trading.rules.pausing import PAUSE_MARK
from mt5bridge.trading.rules.settle import MAX_FAILURES
from mt5bridge.trading.settings import RiskSettings

from .sim_desk import GOLD, TRADER, Crash, Desk

EURUSD = "EURUSD"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    made = await Desk.open(tmp_path)
    made.sim.set_price(GOLD, 3600.00, 3600.20)
    yield made
    await made.close()


def _of(desk: Desk, kind: RuleActionKind) -> list[RuleAction]:
    return [a for a in desk.actions if a.action is kind]


async def test_break_even_fires_on_its_tick_and_only_once(desk: Desk) -> None:
    ticket = await desk.buy(0.10)  # at the ask, 3600.20
    rule = await desk.add(BreakEven(trigger=Trigger(value=100)), Scope(symbol=GOLD))
    for bid in (3600.50, 3601.00, 3601.19):
        await desk.tick(bid)
        assert (await desk.position(ticket)).sl is None, bid
    await desk.tick(3601.20)  # 100 points above the entry
    assert (await desk.position(ticket)).sl == 3600.20
    for bid in (3601.50, 3600.90, 3602.40, 3601.30):
        await desk.tick(bid)
    assert (await desk.position(ticket)).sl == 3600.20
    [moved] = desk.actions
    assert (moved.action, moved.reason, moved.ticket, moved.old_sl, moved.new_sl) == (
        RuleActionKind.SL_MOVED, "break_even", ticket, None, 3600.20,
    )  # fmt: skip
    [sent] = desk.sent()
    assert sent.startswith(f"rule-{rule.id}-sl-{ticket}-")
    [line] = await desk.audited()  # the audit line names the rule in its request id and raw_input
    assert (line.request_id, line.user_id, line.raw_input) == (
        sent,
        "test:alice",
        f"rule {rule.id} (break_even)",
    )
    assert (await desk.rule(rule.id)).state is RuleState.ACTIVE  # a standing scope stays


async def test_a_trail_never_loosens_over_a_path(desk: Desk) -> None:
    desk.sim.set_price(EURUSD, 1.16000, 1.16002)
    gold = await desk.buy(0.10)
    euro = await desk.sell(0.10, EURUSD)
    await desk.add(Trailing(distance_points=50), Scope(symbol=GOLD))
    await desk.add(Trailing(distance_points=100, step_points=20), Scope(symbol=EURUSD))
    gold_path = [3600.30, 3600.80, 3600.50, 3601.40, 3600.95, 3601.00, 3602.20, 3601.75, 3601.71, 3602.00]
    euro_path = [1.15990, 1.15950, 1.15970, 1.15900, 1.15890, 1.15960, 1.15800, 1.15880, 1.15850, 1.15870]
    gold_sl, euro_sl = [], []
    for g, e in zip(gold_path, euro_path, strict=True):
        desk.sim.set_price(EURUSD, e, round(e + 0.00002, 5))
        await desk.tick(g)
        gold_sl.append((await desk.position(gold)).sl)
        euro_sl.append((await desk.position(euro)).sl)
    assert gold_sl == sorted(gold_sl) and gold_sl[-1] == 3601.70  # best bid 3602.20 - 0.50
    set_euro = [sl for sl in euro_sl if sl]
    assert (
        set_euro == sorted(set_euro, reverse=True) and set_euro[-1] == 1.15902
    )  # best ask 1.15802 + 100 pts
    moves = _of(desk, RuleActionKind.SL_MOVED)
    assert all(a.old_sl is None or (a.new_sl or 0) != a.old_sl for a in moves)
    assert len(desk.sent()) == len(moves)  # every modify sent went through, none twice


async def test_staged_closes_sum_to_the_shares_fifo_through_a_gap(desk: Desk) -> None:
    first = await desk.buy(0.60)
    second = await desk.buy(0.40)
    tp = StagedTakeProfit(
        stages=[
            Stage(price=3605.00, share=0.5),
            Stage(price=3610.00, share=0.3),
            Stage(price=3620.00, share=0.2),
        ]
    )
    rule = await desk.add(tp, Scope(symbol=GOLD))
    await desk.path([3601.00, 3604.99])
    assert desk.actions == []
    await desk.tick(3611.00)  # a gap through two levels: both stages, in order, on this tick
    assert [(a.stage, a.volume) for a in _of(desk, RuleActionKind.CLOSED)] == [(0, 0.5), (1, 0.3)]
    assert (await desk.position(first)) is None  # FIFO: 0.5 + 0.1 of the first, then 0.2 of the second
    assert (await desk.position(second)).volume == 0.20
    await desk.path([3615.00, 3609.00, 3619.99])
    assert len(_of(desk, RuleActionKind.CLOSED)) == 2
    await desk.tick(3620.00)
    closes = _of(desk, RuleActionKind.CLOSED)
    assert sum(a.volume or 0 for a in closes) == pytest.approx(1.00)
    assert await desk.client.positions() == []
    assert (await desk.rule(rule.id)).state is RuleState.DONE
    assert len(desk.sent()) == len(set(desk.sent())) == 3


async def test_equity_guard_warns_then_fires_once_closes_and_pauses_even_read_only(desk: Desk) -> None:
    desk.sim.set_price(EURUSD, 1.16000, 1.16002)
    gold = await desk.buy(1.00)  # 1 lot of gold: $1 per 0.01
    await desk.sell(0.10, EURUSD)
    equity = (await desk.client.account()).equity
    guard = EquityGuard(reference=Reference.FIXED, amount=round(equity, 2), limit=Drawdown(money=100),
                        warn_at=Drawdown(money=50))  # fmt: skip
    rule = await desk.add(guard)
    trail = await desk.add(Trailing(distance_points=30), Scope(ticket=gold))
    desk.trading.set_read_only(True)  # other rules do nothing; the guard may still reduce exposure
    await desk.path([3599.80, 3599.45])  # -20, then -55: the warning
    [warning] = desk.actions
    assert warning.action is RuleActionKind.EQUITY_WARNING and warning.level == pytest.approx(
        equity - 100, abs=0.01
    )
    await desk.path([3599.30, 3598.95])  # -70: nothing more; -105: fire
    assert [a.action for a in desk.actions[1:]] == [RuleActionKind.TRADING_PAUSED, RuleActionKind.CLOSED]
    assert await desk.client.positions() == []
    assert desk.trading.paused and await desk.db.settings.get(PAUSE_MARK) is not None
    await desk.path([3598.50, 3597.00, 3601.00])
    assert len(desk.actions) == 3 and len(desk.sent()) == 1  # fired once
    assert (await desk.rule(rule.id)).state is RuleState.DONE
    assert (await desk.rule(trail.id)).best == {}  # never evaluated while read-only
    [line] = await desk.audited()
    assert line.action == "close" and line.outcome == "ok" and line.request_id.startswith(f"rule-{rule.id}-")


async def test_the_pause_survives_a_restart_until_an_admin_resumes(desk: Desk, tmp_path: Path) -> None:
    await desk.buy(1.00)
    equity = (await desk.client.account()).equity
    await desk.add(EquityGuard(reference=Reference.FIXED, amount=round(equity, 2), limit=Drawdown(money=50)))
    await desk.tick(3599.40)
    assert desk.trading.paused
    desk = await desk.restart(tmp_path)
    try:
        assert desk.trading.paused  # a new TradingService starts unpaused: the runner put the pause back
        desk.trading.pause(False)  # an admin resumes (/pause off, from any front-end)
        await desk.round()
        assert await desk.db.settings.get(PAUSE_MARK) is None
    finally:
        await desk.close()


async def test_a_restart_mid_path_repeats_no_action(tmp_path: Path) -> None:
    path = [3600.50, 3601.30, 3602.00, 3605.10, 3603.00, 3608.00, 3610.20, 3609.00, 3612.00, 3611.00]

    async def run(cut: int | None, where: Path) -> tuple[list[str], float, float]:
        desk = await Desk.open(where)
        desk.sim.set_price(GOLD, 3600.00, 3600.20)
        ticket = await desk.buy(0.50)
        await desk.add(BreakEven(trigger=Trigger(value=100), offset_points=10), Scope(ticket=ticket))
        await desk.add(Trailing(distance_points=200, activation=Trigger(value=500)), Scope(symbol=GOLD))
        await desk.add(StagedTakeProfit(stages=[Stage(price=3605.00, share=0.4), Stage(price=3610.00, share=0.4)]),
                       Scope(symbol=GOLD))  # fmt: skip
        for i, bid in enumerate(path):
            if i == cut:
                desk = await desk.restart(where)
            await desk.tick(bid)
        p = await desk.position(ticket)
        lines = sorted(await desk.audited(), key=lambda line: line.id or 0)
        await desk.close()
        # An SL change's request id ends in a nonce: what it did is the part before it.
        return [f"{line.request_id.rsplit('-', 1)[0]} {line.outcome}" for line in lines], p.sl, p.volume

    straight = await run(None, tmp_path)
    for cut in (2, 4, 7):
        (tmp_path / str(cut)).mkdir()
        assert await run(cut, tmp_path / str(cut)) == straight, f"restart before tick {cut}"
    actions, sl, volume = straight
    assert volume == pytest.approx(0.10) and sl == 3610.00  # trail: 3612.00 - 2.00
    assert [a.split("-")[2] for a in actions] == ["sl", "stage", "sl", "stage", "sl", "sl"]


@pytest.mark.parametrize("crash", ["before", "after"])
async def test_a_close_lost_in_a_crash_is_sent_again_under_its_id_never_doubled(
    desk: Desk, tmp_path: Path, crash: str
) -> None:
    ticket = await desk.buy(1.00)
    rule = await desk.add(StagedTakeProfit(stages=[Stage(price=3605.00, share=0.5)]), Scope(symbol=GOLD))
    desk.sim.set_price(GOLD, 3605.00)
    setattr(desk.trading, f"crash_{crash}", True)  # the process dies before sending / before the answer
    with pytest.raises(Crash):
        await desk.round()
    stored = await desk.rule(rule.id)
    [pending] = stored.pending  # written ahead, before anything was sent
    expected = 0.50 if crash == "after" else 1.00
    assert (await desk.position(ticket)).volume == expected
    desk = await desk.restart(tmp_path)
    try:
        await desk.round()
        assert desk.sent() == [pending.key]  # the same request id
        assert (await desk.position(ticket)).volume == 0.50  # closed once
        assert (await desk.rule(rule.id)).state is RuleState.DONE
        await desk.tick(3606.00)
        assert desk.sent() == [pending.key]
    finally:
        await desk.close()


async def test_a_failing_modify_backs_off_and_pauses_the_rule_after_three(desk: Desk) -> None:
    ticket = await desk.buy(0.10)
    rule = await desk.add(Trailing(distance_points=50), Scope(ticket=ticket))
    desk.sim.set_trade_allowed(False)  # the terminal's Algo Trading button off: every order answers 10027
    sent_at = []
    for step in range(40):  # 0.5 s of the fake clock per tick, 20 s in all
        await desk.tick(3601.00 + step * 0.01)
        if len(desk.sent()) > len(sent_at):
            sent_at.append(desk.clock.now)
        desk.clock.advance(0.5)
    assert len(sent_at) == MAX_FAILURES
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert gaps == [delay(1), delay(2)]  # 2 s, then 4 s: never a tight loop
    stored = await desk.rule(rule.id)
    assert (stored.state, stored.failures, stored.paused_reason) == (
        RuleState.PAUSED, 3, "TRADE_RETCODE_CLIENT_DISABLES_AT",
    )  # fmt: skip
    [paused] = desk.actions
    assert paused.action is RuleActionKind.RULE_PAUSED and paused.error == "TRADE_RETCODE_CLIENT_DISABLES_AT"
    assert (await desk.position(ticket)).sl is None


async def test_two_rules_on_one_position_send_one_modify_the_tighter(desk: Desk) -> None:
    ticket = await desk.buy(0.10)
    await desk.add(BreakEven(trigger=Trigger(value=100), offset_points=20), Scope(ticket=ticket))
    await desk.add(Trailing(distance_points=80, activation=Trigger(value=50)), Scope(symbol=GOLD))
    expected = {3600.60: None, 3600.70: 3599.90, 3601.20: 3600.40, 3601.40: 3600.60, 3601.00: 3600.60,
                3602.00: 3601.20}  # fmt: skip
    for bid, sl in expected.items():
        before = len(desk.sent())
        await desk.tick(bid)
        assert (await desk.position(ticket)).sl == sl, bid
        assert len(desk.sent()) - before <= 1  # one modify per position per round
    reasons = [a.reason for a in _of(desk, RuleActionKind.SL_MOVED)]
    assert reasons == ["trailing", "break_even", "trailing", "trailing"]


async def test_the_loop_follows_new_positions_and_runs_on_ticks(desk: Desk) -> None:
    """The runner's own loop on the bus: a rule on a standing scope picks up a position opened after
    it, subscribes to its symbol's ticks, and moves its SL on the tick that reaches the trigger."""
    poller = TickPoller(desk.client, desk.bus, interval=0.01)
    poller.start()
    await desk.runner.stop()
    await desk.runner.start()
    try:
        await desk.add(BreakEven(trigger=Trigger(value=100)), Scope(symbol=GOLD))
        ticket = await desk.buy(0.10)
        desk.runner.changed()  # the watcher's position_opened would do it; no watcher runs here
        for _ in range(200):
            if GOLD in desk.runner.following:
                break
            await asyncio.sleep(0.01)
        desk.sim.set_price(GOLD, 3601.30)
        for _ in range(300):
            if (await desk.position(ticket)).sl:
                break
            await asyncio.sleep(0.01)
        assert (await desk.position(ticket)).sl == 3600.20
    finally:
        await poller.stop()


async def test_protective_closes_pass_read_only_and_nothing_else_does(desk: Desk) -> None:
    ticket = await desk.buy(0.10)
    desk.trading.set_read_only(True)
    with pytest.raises(RiskRefused):
        await desk.trading.execute(ModifyRequest(ticket=ticket, sl=3590.0), TRADER, protective=True)
    with pytest.raises(RiskRefused):
        await desk.trading.execute(CloseRequest(ticket=ticket), TRADER)
    result = await desk.trading.execute(CloseRequest(ticket=ticket), TRADER, protective=True)
    assert result.ok
    state = risk.RiskState(RiskSettings(read_only_mode=True), False, True, 0, 0, 0.0, True)
    for kind in risk.ActionKind:
        refused = risk.check(kind, state, symbol=GOLD, canonical=GOLD, protective=True)
        assert (refused is None) == (kind is risk.ActionKind.CLOSE)


@pytest.mark.parametrize(("lang", "text"), [("zh", "🔒 XAUUSD #123 SL → 3612.40 (保本)"),
                                            ("en", "🔒 XAUUSD #123 SL → 3612.40 (break-even)")])  # fmt: skip
def test_rule_actions_are_notified(lang: str, text: str) -> None:
    event = RuleAction(time=datetime(2026, 11, 25, 10, tzinfo=UTC), rule_id=7, action=RuleActionKind.SL_MOVED, reason="break_even",
                       symbol=GOLD, ticket=123, old_sl=3600.0, new_sl=3612.4)  # fmt: skip
    rendered = Renderer().render(lang, "notify", "batch", items=[event], digits={GOLD: 2}, currency="USD")
    assert rendered.text.strip() == text


async def test_a_candle_trail_reads_the_closed_bars(desk: Desk) -> None:
    ticket = await desk.buy(0.10, EURUSD)  # at the simulator's own price, with its own bar history
    await desk.add(Trailing(mode=TrailMode.CANDLES, candles=3, timeframe="M1"), Scope(ticket=ticket))
    await desk.round()
    bars = await desk.client.rates_from_pos(EURUSD, C.TIMEFRAME_M1, 0, 4)
    lowest = float(min(bars["low"][:-1]))  # the three closed bars; the last one is forming
    assert (await desk.position(ticket)).sl == pytest.approx(round(lowest - 0.00001, 5))
    assert desk.actions[0].reason == "trailing"


async def test_a_round_evaluates_only_the_rules_whose_inputs_moved(desk: Desk) -> None:
    desk.sim.set_price(EURUSD, 1.16000, 1.16002)
    await desk.buy(0.10)
    euro = await desk.buy(0.10, EURUSD)  # at 1.16002
    await desk.add(BreakEven(trigger=Trigger(value=100)), Scope(symbol=GOLD))
    await desk.add(BreakEven(trigger=Trigger(value=100)), Scope(symbol=EURUSD))
    await desk.add(EquityGuard(reference=Reference.FIXED, amount=10_000, limit=Drawdown(percent=90)))
    assert (await desk.round()).evaluated == 3
    assert (await desk.round()).evaluated == 1  # nothing moved: only the guard (it reads money)
    assert (await desk.round()).evaluated == 1  # nothing moved: only the guard (it reads money)
    assert (await desk.tick(3600.30)).evaluated == 2  # gold moved: its rule and the guard
    desk.trading.set_read_only(True)
    desk.sim.set_price(EURUSD, 1.16102, 1.16104)  # the euro break-even's trigger, while read-only
    assert (await desk.round()).evaluated == 1
    assert (await desk.position(euro)).sl is None
    desk.trading.set_read_only(False)
    assert (await desk.round()).evaluated == 3  # back from read-only: evaluated though nothing moved since
    assert (await desk.position(euro)).sl == 1.16002


async def test_the_loop_outlives_a_terminal_outage(desk: Desk) -> None:
    poller = TickPoller(desk.client, desk.bus, interval=0.01)
    poller.start()
    ticket = await desk.buy(0.10)
    await desk.add(Trailing(distance_points=50), Scope(ticket=ticket))
    await desk.runner.stop()
    desk.sim.disconnect()  # every call fails: the first rounds are skipped
    await desk.runner.start()
    try:
        await asyncio.sleep(0.1)
        desk.sim.reconnect()
        assert await desk.client.connect()  # the heartbeat's reconnection, in the service
        desk.sim.set_price(GOLD, 3601.00)
        for _ in range(300):
            if (await desk.position(ticket)).sl:
                break
            await asyncio.sleep(0.01)
        assert (await desk.position(ticket)).sl == 3600.50
    finally:
        await poller.stop()
