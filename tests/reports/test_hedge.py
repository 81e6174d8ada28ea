"""Hedge analysis: books and every suggestion rule, on hand-built positions with hand-computed numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mt5bridge.terminal.models import Account, AccountTradeMode, MarginMode, Position, PositionSide, Reason
from mt5bridge.trading.models import CloseRequest
from mt5bridge.trading.selectors import CloseFilter, Selector, select_positions
from reports.hedge import analyze_hedge
from reports.models import HedgeAnalysis, Severity, Suggestion, SuggestionKind
from reports.settings import HedgeRules

OFFSET = 7200  # server clock = UTC+2
NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
BUY, SELL = PositionSide.BUY, PositionSide.SELL
OFF = HedgeRules(take_profit_above=0, exposure_loss_above=0, stale_days=0, max_suggestions=20)


def position(
    ticket: int,
    side: PositionSide,
    volume: float,
    profit: float,
    *,
    swap: float = 0.0,
    symbol: str = "XAUUSD",
    magic: int = 111,
    age: timedelta = timedelta(hours=1),
) -> Position:
    """An open position; `age` is how long before NOW it opened."""
    opened = NOW - age
    server = int(opened.timestamp()) + OFFSET
    return Position(
        ticket=ticket, identifier=ticket, symbol=symbol, side=side, volume=volume, price_open=1.0,
        price_current=1.0, sl=None, tp=None, swap=swap, profit=profit, magic=magic, comment="",
        external_id="", reason=Reason.EXPERT, time=opened, time_server=server, time_msc=server * 1000,
        time_update=opened, time_update_server=server,
    )  # fmt: skip


def account(*, margin: float = 0.0, margin_level: float = 0.0, profit: float = 0.0) -> Account:
    return Account(
        login=5000123, name="Trader", server="Demo", company="Broker", currency="USD", currency_digits=2,
        leverage=100, trade_mode=AccountTradeMode.DEMO, margin_mode=MarginMode.RETAIL_HEDGING,
        trade_allowed=True, trade_expert=True, limit_orders=200, fifo_close=False, balance=10000.0,
        credit=0.0, profit=profit, equity=10000.0 + profit, margin=margin, margin_free=10000.0 - margin,
        margin_level=margin_level, margin_so_call=100.0, margin_so_so=50.0,
    )  # fmt: skip


def analyze(
    positions: list[Position], rules: HedgeRules = OFF, *, acct: Account | None = None, below: float = 0.0
) -> HedgeAnalysis:
    result = analyze_hedge(positions, acct or account(), rules, now=NOW, margin_level_below=below)
    for suggestion in result.suggestions:
        assert_exact(suggestion, positions)
    return result


def assert_exact(suggestion: Suggestion, positions: list[Position]) -> None:
    """The action is the trading core's request that closes exactly the suggestion's tickets, never more."""
    action = suggestion.action
    if action is None:
        return
    assert isinstance(action, CloseRequest)
    assert action.side is None and action.volume is None
    if action.ticket is not None:
        assert action.symbol is None and action.magic is None and action.selector is Selector.TICKET
        assert [action.ticket] == suggestion.tickets
        return
    assert action.symbol == suggestion.symbol and action.magic == suggestion.magic
    assert action.selector is not None
    flt = CloseFilter(symbol=action.symbol, magic=action.magic, selector=action.selector)
    assert sorted(p.ticket for p in select_positions(positions, flt)) == suggestion.tickets


def ticket(number: int) -> CloseRequest:
    return CloseRequest(ticket=number, selector=Selector.TICKET)


def kinds(result: HedgeAnalysis) -> list[SuggestionKind]:
    return [s.kind for s in result.suggestions]


# --- books ---
def test_books_per_symbol_and_ea() -> None:
    positions = [
        position(1001, BUY, 0.1, 40.0, swap=-1.0, age=timedelta(days=3)),
        position(1002, BUY, 0.2, -10.0, swap=-0.5),
        position(1003, SELL, 0.1, -20.0, swap=0.25, age=timedelta(days=5)),
        position(1004, SELL, 0.3, 7.0, magic=0),
        position(1005, BUY, 1.0, -3.0, symbol="EURUSD", magic=0),
    ]
    result = analyze(positions)
    assert [(b.symbol, b.magic) for b in result.books] == [("EURUSD", 0), ("XAUUSD", 0), ("XAUUSD", 111)]
    ea = result.books[2]
    # 0.1 + 0.2 is 0.30000000000000004 in floats: the book says 0.3.
    assert (ea.buy_volume, ea.sell_volume, ea.buy_count, ea.sell_count) == (0.3, 0.1, 2, 1)
    assert (ea.net_volume, ea.locked_volume) == (0.2, 0.1)
    assert (ea.buy_floating, ea.sell_floating, ea.floating, ea.swap) == (28.5, -19.75, 8.75, -1.25)
    assert ea.oldest == NOW - timedelta(days=5)
    gold = result.symbols[1]
    assert (gold.symbol, gold.magic) == ("XAUUSD", None)
    assert (gold.buy_volume, gold.sell_volume, gold.net_volume, gold.locked_volume) == (0.3, 0.4, -0.1, 0.3)
    assert (gold.floating, gold.swap) == (15.75, -1.25)
    assert [b.symbol for b in result.symbols] == ["EURUSD", "XAUUSD"]
    assert result.suggestions == []


def test_no_positions_no_books() -> None:
    result = analyze([], HedgeRules(), below=150.0, acct=account())
    assert (result.books, result.symbols, result.suggestions) == ([], [], [])


# --- MARGIN ---
@pytest.mark.parametrize(
    ("level", "below", "margin", "fires"),
    [
        (149.99, 150.0, 500.0, True),
        (150.0, 150.0, 500.0, False),
        (20.0, 0.0, 500.0, False),
        (0.0, 150, 0, False),
    ],
)
def test_margin_rule_threshold(level: float, below: float, margin: float, fires: bool) -> None:
    positions = [position(1001, BUY, 0.1, -30.0, swap=-5.0), position(1002, SELL, 0.1, -34.0)]
    result = analyze(positions, acct=account(margin=margin, margin_level=level), below=below)
    if not fires:
        assert result.suggestions == []
        return
    (alert,) = result.suggestions
    assert (alert.kind, alert.severity, alert.margin_level) == (SuggestionKind.MARGIN, Severity.ALERT, 149.99)
    assert (alert.tickets, alert.amount, alert.volume, alert.action) == ([1001], -35.0, 0.1, ticket(1001))


def test_margin_alert_without_a_losing_position_names_none() -> None:
    result = analyze([position(1001, BUY, 0.1, 5.0)], acct=account(margin=900, margin_level=90), below=100)
    (alert,) = result.suggestions
    assert (alert.kind, alert.tickets, alert.action, alert.margin_level) == (
        SuggestionKind.MARGIN,
        [],
        None,
        90,
    )


# --- CUT_EXPOSURE ---
@pytest.mark.parametrize(("worst", "fires"), [(-150.0, False), (-150.01, True)])
def test_cut_exposure_at_threshold(worst: float, fires: bool) -> None:
    rules = OFF.model_copy(update={"exposure_loss_above": 200.0})
    positions = [
        position(1001, BUY, 0.2, -50.0),
        position(1002, BUY, 0.1, worst),  # heavy side floating: -200 (not beyond) or -200.01
        position(1003, SELL, 0.1, 190.0),
        position(1004, SELL, 0.5, -900.0, magic=222),  # another EA's group: one-sided, sells heavy
        position(1005, BUY, 0.5, 300.0, magic=222),  # net 0: nothing to cut, however it loses
    ]
    result = analyze(positions, rules)
    if not fires:
        assert result.suggestions == []
        return
    (cut,) = result.suggestions
    assert (cut.kind, cut.severity, cut.symbol, cut.magic) == (
        SuggestionKind.CUT_EXPOSURE,
        Severity.WARN,
        "XAUUSD",
        111,
    )
    assert (cut.tickets, cut.amount, cut.volume, cut.action) == ([1002], -150.01, 0.1, ticket(1002))


def test_cut_exposure_sell_heavy_and_off_at_zero() -> None:
    positions = [
        position(1001, SELL, 0.3, -120.0),
        position(1002, SELL, 0.1, -130.0),
        position(1003, BUY, 0.1, 5),
    ]
    (cut,) = analyze(positions, OFF.model_copy(update={"exposure_loss_above": 200.0})).suggestions
    assert (cut.tickets, cut.amount) == ([1002], -130.0)
    assert analyze(positions, OFF).suggestions == []


# --- UNLOCK and TAKE_PROFIT ---
def test_unlock_a_hedged_group_in_profit_at_threshold() -> None:
    rules = OFF.model_copy(update={"take_profit_above": 50.0})
    positions = [
        position(1001, BUY, 0.1, 80.0, magic=0),
        position(1002, SELL, 0.1, -31.0, swap=1.0, magic=0),
        position(1003, BUY, 0.1, 500.0, magic=111),  # another EA's positions stay out of the action
    ]
    result = analyze(positions, rules)
    unlock = next(s for s in result.suggestions if s.kind is SuggestionKind.UNLOCK)
    assert (unlock.severity, unlock.symbol, unlock.magic) == (Severity.INFO, "XAUUSD", 0)
    assert (unlock.tickets, unlock.amount, unlock.volume) == ([1001, 1002], 50.0, 0.2)
    assert unlock.action == CloseRequest(symbol="XAUUSD", magic=0, selector=Selector.ALL)


def test_below_unlock_threshold_the_winners_are_taken_instead() -> None:
    rules = OFF.model_copy(update={"take_profit_above": 50.0})
    positions = [position(1001, BUY, 0.1, 80.0), position(1002, SELL, 0.1, -30.01)]  # together 49.99
    (take,) = analyze(positions, rules).suggestions
    assert (take.kind, take.tickets, take.amount, take.volume) == (
        SuggestionKind.TAKE_PROFIT,
        [1001],
        80.0,
        0.1,
    )
    assert take.action == CloseRequest(symbol="XAUUSD", magic=111, selector=Selector.PROFITABLE)


@pytest.mark.parametrize(("second", "fires"), [(20.0, True), (19.99, False)])
def test_take_profit_threshold(second: float, fires: bool) -> None:
    rules = OFF.model_copy(update={"take_profit_above": 50.0})
    positions = [
        position(1001, BUY, 0.1, 30.0),
        position(1002, BUY, 0.2, second + 1.0, swap=-1.0),  # profit + swap counts, as the selector sees it
        position(1003, BUY, 0.1, -40.0),  # losing: not closed by "close profitable"
        position(1004, BUY, 0.1, 0.5, swap=-0.5),  # exactly 0: not profitable
    ]
    result = analyze(positions, rules)
    if not fires:
        assert result.suggestions == []
        return
    (take,) = result.suggestions
    assert (take.tickets, take.amount, take.volume) == ([1001, 1002], 50.0, 0.3)
    assert analyze(positions, OFF).suggestions == []


# --- STALE_LOSS ---
def test_stale_loss_only_after_stale_days() -> None:
    rules = OFF.model_copy(update={"stale_days": 14})
    positions = [
        position(1001, BUY, 0.1, -5.0, age=timedelta(days=14)),  # exactly 14 days: not longer
        position(1002, SELL, 0.2, -7.0, age=timedelta(days=14, seconds=1)),
        position(1003, BUY, 0.1, 9.0, age=timedelta(days=40)),  # old but profitable
        position(1004, BUY, 0.1, -1.0, age=timedelta(days=30), symbol="EURUSD", magic=0),
    ]
    result = analyze(positions, rules)
    assert [(s.kind, s.tickets, s.days, s.amount) for s in result.suggestions] == [
        (SuggestionKind.STALE_LOSS, [1002], 14, -7.0),
        (SuggestionKind.STALE_LOSS, [1004], 30, -1.0),
    ]
    assert [s.action for s in result.suggestions] == [ticket(1002), ticket(1004)]
    assert analyze(positions, OFF).suggestions == []


# --- ordering, cap, dedupe ---
def _mixed() -> list[Position]:
    return [
        position(1001, BUY, 0.3, -400.0, age=timedelta(days=20)),  # MARGIN (worst), CUT, STALE
        position(1002, SELL, 0.1, 20.0),
        position(1003, BUY, 0.1, -10.0, age=timedelta(days=30), symbol="EURUSD", magic=0),  # STALE
        position(1004, SELL, 0.2, -260.0, symbol="GBPUSD", magic=7),  # CUT
        position(1005, BUY, 0.1, 60.0, symbol="GBPUSD", magic=8),  # TAKE_PROFIT
        position(1006, BUY, 0.1, 90.0, symbol="EURUSD", magic=9),  # UNLOCK (90 - 5 = 85)
        position(1007, SELL, 0.1, -5.0, symbol="EURUSD", magic=9),
    ]


def test_most_severe_first_then_largest_amount() -> None:
    rules = HedgeRules(take_profit_above=50, exposure_loss_above=200, stale_days=14, max_suggestions=20)
    result = analyze(_mixed(), rules, acct=account(margin=1000, margin_level=120), below=150)
    assert [(s.kind, s.tickets) for s in result.suggestions] == [
        (SuggestionKind.MARGIN, [1001]),  # the same position's CUT and STALE are not repeated
        (SuggestionKind.CUT_EXPOSURE, [1004]),
        (SuggestionKind.STALE_LOSS, [1003]),
        (SuggestionKind.UNLOCK, [1006, 1007]),
        (SuggestionKind.TAKE_PROFIT, [1005]),
    ]
    assert [s.amount for s in result.suggestions] == [-400.0, -260.0, -10.0, 85.0, 60.0]


def test_cap_keeps_the_most_severe() -> None:
    rules = HedgeRules(take_profit_above=50, exposure_loss_above=200, stale_days=14, max_suggestions=2)
    result = analyze(_mixed(), rules, acct=account(margin=1000, margin_level=120), below=150)
    assert kinds(result) == [SuggestionKind.MARGIN, SuggestionKind.CUT_EXPOSURE]
    none = analyze(_mixed(), rules.model_copy(update={"max_suggestions": 0}), below=150)
    assert none.suggestions == [] and len(none.books) == 5


def test_without_margin_rule_cut_comes_before_stale_for_the_same_position() -> None:
    rules = HedgeRules(take_profit_above=0, exposure_loss_above=200, stale_days=14, max_suggestions=20)
    result = analyze(_mixed(), rules)
    assert [(s.kind, s.tickets) for s in result.suggestions] == [
        (SuggestionKind.CUT_EXPOSURE, [1001]),
        (SuggestionKind.CUT_EXPOSURE, [1004]),
        (SuggestionKind.STALE_LOSS, [1003]),
    ]


# --- exact actions ---
def test_group_action_names_the_broker_symbol_exactly() -> None:
    rules = OFF.model_copy(update={"take_profit_above": 50.0})
    positions = [position(1001, BUY, 0.1, 60.0, symbol="XAUUSD.m", magic=5)]
    (take,) = analyze(positions, rules).suggestions
    assert take.action == CloseRequest(symbol="XAUUSD.m", magic=5, selector=Selector.PROFITABLE)


def test_group_actions_never_reach_a_symbol_that_reads_alike() -> None:
    # Text once made XAUUSD and XAUUSD.pro one name; the typed request keeps the broker's exact name,
    # and every symbol, known to the parser or not, however long its name, gets its action.
    rules = OFF.model_copy(update={"take_profit_above": 50.0})
    positions = [
        position(1001, BUY, 0.1, 60.0, symbol="XAUUSD", magic=5),
        position(1002, BUY, 0.1, 60.0, symbol="XAUUSD.pro", magic=5),
        position(1003, BUY, 0.1, 60.0, symbol="FOOBAR", magic=5),
        position(1004, BUY, 0.1, 60.0, symbol="EURUSD.averyveryverylongsuffix", magic=5),
    ]
    result = analyze(positions, rules)
    assert [(s.symbol, s.action and s.action.symbol, s.tickets) for s in result.suggestions] == [
        ("EURUSD.averyveryverylongsuffix", "EURUSD.averyveryverylongsuffix", [1004]),
        ("FOOBAR", "FOOBAR", [1003]),
        ("XAUUSD", "XAUUSD", [1001]),
        ("XAUUSD.pro", "XAUUSD.pro", [1002]),
    ]


def test_any_ticket_gets_its_action() -> None:
    (stale,) = analyze(
        [position(7, BUY, 0.1, -5.0, age=timedelta(days=20))], OFF.model_copy(update={"stale_days": 1})
    ).suggestions
    assert (stale.tickets, stale.action) == ([7], ticket(7))
