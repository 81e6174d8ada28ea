"""Trailing stops on scripted paths: points, ATR and candles; activation, step, never loosening, levels."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mt5bridge.common.rulespec import Scope, Trailing, Trigger
from mt5bridge.common.vocab import TrailMode
from mt5bridge.trading.rules.decisions import HoldCode, SetStopLoss
from mt5bridge.trading.rules.evaluate import needs
from mt5bridge.trading.rules.inputs import AtrKey, BarExtremes, BarsKey, SymbolFacts
from mt5bridge.trading.rules.models import RuleState

from .broker import BUY, SELL, Broker, Desk, rule

RISE_AND_FALL = [3000.00, 3001.00, 3003.00, 3002.00, 3002.50, 3005.00, 3004.00, 3003.60, 3006.00, 3004.90]


def _sls(rounds: list[list]) -> list[float]:
    return [d.sl for r in rounds for d in r if isinstance(d, SetStopLoss)]


def test_points_trail_follows_the_best_bid_and_never_loosens() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(Trailing(distance_points=150, activation=Trigger(value=100))))
    sls = _sls(desk.path("XAUUSD", RISE_AND_FALL))
    assert sls == [2999.50, 3001.50, 3003.50, 3004.50]  # activated at 3001.00; only new highs move it
    assert sls == sorted(sls)
    assert desk.broker.positions[p.ticket].sl == 3004.50
    (r,) = desk.rules.values()
    assert r.best == {p.ticket: 3006.00} and r.state is RuleState.ACTIVE


def test_sell_trail_follows_the_best_ask() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", SELL, 0.10, 3000.00)
    desk.add(rule(Trailing(distance_points=100)))  # activation 0: trails from the first round
    sls = _sls(desk.path("XAUUSD", [2999.00, 2999.50, 2998.00, 2998.70]))
    # Asks: 2999.20, 2999.70, 2998.20, 2998.90.
    assert sls == [3000.20, 2999.20]


def test_step_holds_small_moves_back() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=2990.00)
    desk.add(rule(Trailing(distance_points=100, step_points=50)))
    sls = _sls(desk.path("XAUUSD", [3000.00, 3000.30, 3000.50, 3000.90, 3001.00]))
    assert sls == [2999.00, 2999.50, 3000.00]


def test_position_stopped_out_on_the_way_back_drops_its_figures() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(Trailing(distance_points=100), Scope(ticket=p.ticket)))
    desk.path("XAUUSD", [3003.00, 3001.90])  # SL 3002.00 is hit at 3001.90
    assert p.ticket not in desk.broker.positions
    (r,) = desk.rules.values()
    assert r.best == {} and r.state is RuleState.DONE
    assert desk.broker.balance == 10_000.0 + 0.10 * 190  # closed at 3001.90 by the broker


def test_atr_trail_reads_the_figure_it_needs() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    r = rule(Trailing(mode=TrailMode.ATR, atr_k=2, atr_period=14, timeframe="M15"))
    desk.add(r)
    key = AtrKey("XAUUSD", "M15", 14)
    assert needs(r, desk.broker.snapshot().positions) == {key}
    assert desk.path("XAUUSD", [3001.00]) == [[]]
    assert [h.code for h in desk.holds] == [HoldCode.NO_FIGURE]
    sls = _sls(desk.path("XAUUSD", [3002.00, 3004.00], atr={key: 1.234}))
    assert sls == [2999.53, 3001.53]  # best - 2 x 1.234, on the 0.01 grid


def test_candle_trail_sits_one_tick_beyond_the_range() -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    buy = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, magic=1)
    sell = desk.broker.open("XAUUSD", SELL, 0.10, 3000.00, magic=2)
    desk.add(rule(Trailing(mode=TrailMode.CANDLES, candles=3), Scope(magic=1)))
    desk.add(rule(Trailing(mode=TrailMode.CANDLES, candles=3), Scope(magic=2)))
    key = BarsKey("XAUUSD", "H1", 3)
    rounds = desk.path("XAUUSD", [3000.00], extremes={key: BarExtremes(low=2995.00, high=3004.00)})
    got = {d.ticket: d.sl for d in rounds[0] if isinstance(d, SetStopLoss)}
    assert got == {buy.ticket: 2994.99, sell.ticket: 3004.21}  # the sell's: + spread 0.20 + one tick
    # A lower low later would loosen it: nothing is sent.
    assert desk.path("XAUUSD", [3000.00], extremes={key: BarExtremes(low=2990.00, high=3009.00)}) == [[]]


def test_stops_level_clamps_a_trail_to_the_nearest_allowed_price() -> None:
    facts = {"XAUUSD": SymbolFacts(point=0.01, tick_size=0.01, digits=2, stops_level=30, volume_min=0.01,
                                   volume_step=0.01)}  # fmt: skip
    desk = Desk(Broker(symbols=facts))
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=2999.00)
    desk.add(rule(Trailing(distance_points=10)))
    sls = _sls(desk.path("XAUUSD", [3000.00, 3000.50]))
    assert sls == [2999.70, 3000.20]  # 30 points below the bid, not 10
    assert desk.refusals == []


def test_freeze_level_waits_then_sends() -> None:
    facts = {"XAUUSD": SymbolFacts(point=0.01, tick_size=0.01, digits=2, freeze_level=20, volume_min=0.01,
                                   volume_step=0.01)}  # fmt: skip
    desk = Desk(Broker(symbols=facts))
    desk.broker.tick("XAUUSD", 3000.00)
    desk.broker.open("XAUUSD", BUY, 0.10, 3000.00, sl=2995.00, tp=3001.00)
    desk.add(rule(Trailing(distance_points=100)))
    rounds = desk.path("XAUUSD", [3000.80])  # the TP is 20 points away: frozen
    assert rounds == [[]] and [h.code for h in desk.holds] == [HoldCode.FROZEN]
    assert _sls(desk.path("XAUUSD", [3000.70])) == [2999.80]  # 30 points away: free, sent from the best
    assert desk.refusals == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=-300, max_value=300), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=400),
    st.integers(min_value=0, max_value=50),
)
def test_trail_never_loosens_on_any_path(moves: list[int], distance: int, step: int) -> None:
    desk = Desk(Broker())
    desk.broker.tick("XAUUSD", 3000.00)
    p = desk.broker.open("XAUUSD", BUY, 0.10, 3000.00)
    desk.add(rule(Trailing(distance_points=distance, step_points=step)))
    bid, seen = 3000.00, []
    for m in moves:
        bid = round(bid + m * 0.01, 2)
        desk.path("XAUUSD", [bid])
        if p.ticket not in desk.broker.positions:
            break
        seen.append(desk.broker.positions[p.ticket].sl)
    assert seen == sorted(seen)
    assert desk.refusals == []
