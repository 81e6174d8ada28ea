"""Selectors and close planning: every selector, FIFO partial closes, volume grid refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mt5bridge.terminal.models import PositionSide
from mt5bridge.trading.selectors import (
    AmbiguousSelection,
    CloseFilter,
    CloseLeg,
    SelectionCode,
    SelectionError,
    Selector,
    VolumeRule,
    plan_close,
    select_positions,
    target_positions,
)
from tests.trading_logic.builders import T0, position

BUY, SELL = PositionSide.BUY, PositionSide.SELL
RULES = {
    "EURUSD": VolumeRule(volume_min=0.01, volume_step=0.01, volume_max=100.0),
    "XAUUSD": VolumeRule(volume_min=0.1, volume_step=0.1, volume_max=5.0),
}


@pytest.fixture
def book() -> list:
    """Hedging book, deliberately unsorted: tickets 1..5 opened at T0+ticket minutes except 3 (oldest)."""
    return [
        position("EURUSD", BUY, 0.3, profit=12.0, swap=-1.0, ticket=2, at=T0 + 120, magic=7),
        position("EURUSD", SELL, 0.2, profit=-5.0, ticket=5, at=T0 + 300),
        position("EURUSD", BUY, 0.1, profit=-3.0, swap=-0.5, ticket=3, at=T0),
        position("XAUUSD", BUY, 1.0, profit=40.0, ticket=1, at=T0 + 60, magic=7),
        position("EURUSD", BUY, 0.5, profit=3.0, swap=-3.0, ticket=4, at=T0 + 240),
    ]


def tickets(found: list) -> list[int]:
    return [p.ticket for p in found]


def legs(planned: list[CloseLeg]) -> list[tuple[int, float, bool]]:
    return [(leg.ticket, leg.volume, leg.full) for leg in planned]


def code_of(excinfo: pytest.ExceptionInfo[SelectionError]) -> SelectionCode:
    return excinfo.value.code


def test_select_filters_in_fifo_order(book: list) -> None:
    assert tickets(select_positions(book, CloseFilter())) == [3, 1, 2, 4, 5]
    assert tickets(select_positions(book, CloseFilter(symbol="EURUSD", side=BUY))) == [3, 2, 4]
    assert tickets(select_positions(book, CloseFilter(magic=7))) == [1, 2]
    assert select_positions(book, CloseFilter(symbol="GBPUSD")) == []


def test_same_open_time_falls_back_to_ticket() -> None:
    twins = [position(ticket=9, at=T0), position(ticket=8, at=T0)]
    assert tickets(select_positions(twins, CloseFilter())) == [8, 9]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (Selector.ALL, [3, 2, 4, 5]),
        (Selector.EARLIEST, [3]),
        (Selector.LATEST, [5]),
        (Selector.PROFITABLE, [2]),  # 4 nets exactly 0: neither profitable nor losing
        (Selector.LOSING, [3, 5]),
        (Selector.MOST_PROFITABLE, [2]),
        (Selector.MOST_LOSING, [5]),
    ],
)
def test_each_selector_closes_whole_positions(book: list, selector: Selector, expected: list[int]) -> None:
    planned = plan_close(book, CloseFilter(symbol="EURUSD", selector=selector), RULES)
    assert tickets(planned) == expected
    assert all(leg.full for leg in planned)
    by_ticket = {p.ticket: p for p in book}
    assert [leg.volume for leg in planned] == [by_ticket[t].volume for t in expected]


def test_most_profitable_ties_go_to_the_earliest() -> None:
    twins = [position(profit=5.0, ticket=20, at=T0 + 60), position(profit=5.0, ticket=21, at=T0)]
    assert tickets(plan_close(twins, CloseFilter(selector=Selector.MOST_PROFITABLE), RULES)) == [21]


def test_most_profitable_picks_the_best_even_when_all_lose() -> None:
    losers = [position(profit=-5.0, ticket=30), position(profit=-1.0, ticket=31)]
    assert tickets(plan_close(losers, CloseFilter(selector=Selector.MOST_PROFITABLE), RULES)) == [31]


def test_single_match_without_selector(book: list) -> None:
    planned = plan_close(book, CloseFilter(symbol="XAUUSD"), RULES)
    assert legs(planned) == [(1, 1.0, True)]
    assert (planned[0].symbol, planned[0].side) == ("XAUUSD", BUY)


def test_several_matches_without_selector_or_volume_is_ambiguous(book: list) -> None:
    with pytest.raises(AmbiguousSelection) as caught:
        plan_close(book, CloseFilter(symbol="EURUSD", side=BUY), RULES)
    assert caught.value.code is SelectionCode.AMBIGUOUS
    assert tickets(list(caught.value.candidates)) == [3, 2, 4]
    assert "3 positions match (3, 2, 4)" in caught.value.message


def test_target_positions_for_modify_uses_the_same_rules(book: list) -> None:
    assert tickets(target_positions(book, CloseFilter(magic=7, selector=Selector.ALL))) == [1, 2]
    with pytest.raises(AmbiguousSelection):
        target_positions(book, CloseFilter(magic=7))


def test_volume_without_selector_is_fifo_with_partial_last(book: list) -> None:
    planned = plan_close(book, CloseFilter(symbol="EURUSD", side=BUY, volume=0.35), RULES)
    assert legs(planned) == [(3, 0.1, True), (2, 0.25, False)]


def test_volume_float_sums_are_exact(book: list) -> None:
    # 0.1 + 0.2 != 0.3 in floats; on the step grid it is exactly the two first positions.
    twins = [position(volume=0.1, ticket=40, at=T0), position(volume=0.2, ticket=41, at=T0 + 1)]
    assert legs(plan_close(twins, CloseFilter(volume=0.3), RULES)) == [(40, 0.1, True), (41, 0.2, True)]
    planned = plan_close(book, CloseFilter(symbol="EURUSD", side=BUY, volume=0.7), RULES)
    assert legs(planned) == [(3, 0.1, True), (2, 0.3, True), (4, 0.3, False)]


def test_all_with_volume_is_fifo_across_matches(book: list) -> None:
    planned = plan_close(book, CloseFilter(symbol="EURUSD", selector=Selector.ALL, volume=0.15), RULES)
    assert legs(planned) == [(3, 0.1, True), (2, 0.05, False)]


def test_losing_with_volume_is_fifo_among_losers(book: list) -> None:
    planned = plan_close(book, CloseFilter(symbol="EURUSD", selector=Selector.LOSING, volume=0.2), RULES)
    assert legs(planned) == [(3, 0.1, True), (5, 0.1, False)]


def test_latest_with_volume_is_a_partial_of_that_one(book: list) -> None:
    planned = plan_close(book, CloseFilter(symbol="EURUSD", selector=Selector.LATEST, volume=0.05), RULES)
    assert legs(planned) == [(5, 0.05, False)]


def test_ticket_with_partial_volume(book: list) -> None:
    assert legs(plan_close(book, CloseFilter(ticket=1, volume=0.4), RULES)) == [(1, 0.4, False)]
    assert legs(plan_close(book, CloseFilter(ticket=1, selector=Selector.TICKET), RULES)) == [(1, 1.0, True)]


def test_ticket_errors(book: list) -> None:
    with pytest.raises(SelectionError) as missing:
        plan_close(book, CloseFilter(ticket=99), RULES)
    assert code_of(missing) is SelectionCode.TICKET_NOT_FOUND and "99" in missing.value.message
    with pytest.raises(SelectionError) as mismatch:
        plan_close(book, CloseFilter(ticket=1, symbol="EURUSD"), RULES)
    assert code_of(mismatch) is SelectionCode.NO_MATCH and "ticket 1, symbol EURUSD" in mismatch.value.message
    with pytest.raises(SelectionError) as bare:
        plan_close(book, CloseFilter(selector=Selector.TICKET), RULES)
    assert code_of(bare) is SelectionCode.INVALID_FILTER
    with pytest.raises(SelectionError) as clash:
        plan_close(book, CloseFilter(ticket=1, selector=Selector.ALL), RULES)
    assert code_of(clash) is SelectionCode.INVALID_FILTER


def test_no_match(book: list) -> None:
    with pytest.raises(SelectionError) as caught:
        plan_close(book, CloseFilter(symbol="XAUUSD", selector=Selector.LOSING), RULES)
    assert code_of(caught) is SelectionCode.NO_MATCH
    with pytest.raises(SelectionError) as empty:
        plan_close([], CloseFilter(selector=Selector.ALL), RULES)
    assert code_of(empty) is SelectionCode.NO_MATCH


@pytest.mark.parametrize(
    ("flt", "code", "numbers"),
    [
        (CloseFilter(symbol="EURUSD", side=BUY, volume=1.0), SelectionCode.VOLUME_EXCEEDS, ["1", "0.9"]),
        (CloseFilter(symbol="EURUSD", volume=0.005), SelectionCode.INVALID_VOLUME, ["0.005", "0.01"]),
        (CloseFilter(symbol="EURUSD", volume=0.0), SelectionCode.INVALID_VOLUME, ["0", "0.01"]),
        (CloseFilter(symbol="EURUSD", volume=-0.1), SelectionCode.INVALID_VOLUME, ["-0.1"]),
        (CloseFilter(ticket=1, volume=0.25), SelectionCode.INVALID_VOLUME, ["0.25", "0.1"]),
        (CloseFilter(magic=7, volume=0.1), SelectionCode.INVALID_VOLUME, ["EURUSD, XAUUSD"]),
    ],
)
def test_volume_refusals_name_the_numbers(
    book: list, flt: CloseFilter, code: SelectionCode, numbers: list[str]
) -> None:
    with pytest.raises(SelectionError) as caught:
        plan_close(book, flt, RULES)
    assert code_of(caught) is code
    assert all(n in caught.value.message for n in numbers), caught.value.message


def test_partial_must_leave_and_take_the_minimum() -> None:
    gold = [position("XAUUSD", volume=1.0, ticket=50), position("XAUUSD", volume=0.5, ticket=51, at=T0 + 9)]
    rules = {"XAUUSD": VolumeRule(volume_min=0.3, volume_step=0.1, volume_max=5.0)}
    with pytest.raises(SelectionError) as remainder:
        plan_close(gold, CloseFilter(ticket=50, volume=0.8), rules)
    assert code_of(remainder) is SelectionCode.INVALID_VOLUME
    assert "leave 0.2" in remainder.value.message and "0.3" in remainder.value.message
    with pytest.raises(SelectionError) as tail:  # FIFO: 1.0 full, then only 0.1 of the next
        plan_close(gold, CloseFilter(selector=Selector.ALL, volume=1.1), rules)
    assert "closing 0.1 of position 51" in tail.value.message
    assert legs(plan_close(gold, CloseFilter(ticket=50, volume=0.7), rules)) == [(50, 0.7, False)]


def test_volume_max_refuses_one_oversized_order() -> None:
    big = [position("XAUUSD", volume=8.0, ticket=60)]
    with pytest.raises(SelectionError) as caught:
        plan_close(big, CloseFilter(symbol="XAUUSD"), RULES)
    assert code_of(caught) is SelectionCode.INVALID_VOLUME and "8" in caught.value.message
    assert "maximum of 5" in caught.value.message
    assert legs(plan_close(big, CloseFilter(symbol="XAUUSD", volume=5.0), RULES)) == [(60, 5.0, False)]


def test_missing_rule_is_refused() -> None:
    with pytest.raises(SelectionError) as caught:
        plan_close([position("GBPUSD")], CloseFilter(symbol="GBPUSD"), RULES)
    assert code_of(caught) is SelectionCode.INVALID_VOLUME and "GBPUSD" in caught.value.message


def test_netting_account_one_position_per_symbol() -> None:
    netting = [position("EURUSD", SELL, 1.3, ticket=70), position("XAUUSD", BUY, 2.0, ticket=71)]
    assert legs(plan_close(netting, CloseFilter(symbol="EURUSD", volume=0.3), RULES)) == [(70, 0.3, False)]
    assert legs(plan_close(netting, CloseFilter(symbol="EURUSD"), RULES)) == [(70, 1.3, True)]
    assert tickets(plan_close(netting, CloseFilter(selector=Selector.ALL), RULES)) == [70, 71]


@given(
    volumes=st.lists(st.integers(1, 300), min_size=1, max_size=6),
    wanted=st.integers(1, 2000),
)
def test_fifo_split_property(volumes: list[int], wanted: int) -> None:
    """Legs sum to the request exactly, only the last may be partial, every leg is on the grid."""
    book = [position(volume=v / 100, ticket=100 + i, at=T0 + i) for i, v in enumerate(volumes)]
    flt = CloseFilter(selector=Selector.ALL, volume=wanted / 100)
    if wanted > sum(volumes):
        with pytest.raises(SelectionError) as caught:
            plan_close(book, flt, RULES)
        assert code_of(caught) is SelectionCode.VOLUME_EXCEEDS
        return
    planned = plan_close(book, flt, RULES)
    steps = [round(leg.volume * 100) for leg in planned]
    assert sum(steps) == wanted
    assert all(abs(leg.volume * 100 - s) < 1e-9 for leg, s in zip(planned, steps, strict=True))
    assert all(leg.full for leg in planned[:-1])
    assert [leg.ticket for leg in planned] == [100 + i for i in range(len(planned))]
    assert planned[-1].full == (steps[-1] == volumes[len(planned) - 1])


def test_the_parser_and_the_core_share_one_vocabulary() -> None:
    # Declared once in the shared leaf, which nlu may import: the parser's enums are the core's, and the
    # leaf imports nothing but the standard library, so nlu stays pure.
    import ast
    import inspect

    import nlu
    from mt5bridge.common import vocab
    from mt5bridge.trading.periods import Period
    from reports.models import ReportKind

    assert (nlu.Selector, nlu.Period, nlu.Report) == (vocab.Selector, vocab.Period, vocab.ReportKind)
    assert (Selector, Period, ReportKind) == (vocab.Selector, vocab.Period, vocab.ReportKind)
    tree = ast.parse(inspect.getsource(vocab))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported == {"__future__", "enum"}
