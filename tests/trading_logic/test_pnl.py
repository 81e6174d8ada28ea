"""P&L over hand-built deals: which deals count, trades and wins, magic attribution, filters, rounding."""

from __future__ import annotations

import pytest

from mt5bridge.terminal.models import DealEntry, DealType
from mt5bridge.trading.periods import Window
from mt5bridge.trading.pnl import PnLLine, entry_magics, pnl_report
from tests.trading_logic.builders import T0, deal, position

IN, OUT = DealEntry.IN, DealEntry.OUT
WINDOW = Window(T0, T0 + 86400, "day")
EA = 20250101


def test_realized_sums_trade_deals_and_excludes_money_movements() -> None:
    deals = [
        deal(IN, 10000.0, type=DealType.BALANCE, symbol="", position_id=0),
        deal(IN, 500.0, type=DealType.CREDIT, symbol="", position_id=0),
        deal(IN, 50.0, type=DealType.BONUS, symbol="", position_id=0),
        deal(IN, -20.0, type=DealType.CORRECTION, symbol="", position_id=0),
        deal(IN, type=DealType.BUY, commission=-3.5, fee=-0.1, position_id=1),
        deal(OUT, 25.0, type=DealType.SELL, commission=-3.5, swap=-1.2, position_id=1),
        deal(IN, -2.0, type=DealType.COMMISSION_DAILY, symbol="", position_id=0),
    ]
    report = pnl_report(deals, [], WINDOW, entry_magic={})
    assert report.total == PnLLine(
        realized=14.7,
        profit=23.0,
        commission=-7.0,
        swap=-1.2,
        fee=-0.1,
        floating=0.0,
        total=14.7,
        trades=1,
        wins=1,
        losses=0,
        win_rate=1.0,
    )
    assert report.by_symbol["EURUSD"].realized == 16.7
    assert report.by_symbol[""].realized == -2.0


def test_only_the_window_counts_and_its_end_is_excluded() -> None:
    deals = [
        deal(OUT, 10.0, at=T0 - 1),
        deal(OUT, 20.0, at=T0),
        deal(OUT, 40.0, at=T0 + 86399),
        deal(OUT, 80.0, at=T0 + 86400),
    ]
    assert pnl_report(deals, [], WINDOW, entry_magic={}).total.realized == 60.0


def test_trades_wins_losses_and_win_rate() -> None:
    deals = [
        deal(IN, type=DealType.BUY, commission=-5.0),  # opening commission is not a trade
        deal(OUT, 4.0, commission=-5.0),  # net -1: a loss even though profit > 0
        deal(OUT, 10.0, swap=-2.0),  # win
        deal(DealEntry.INOUT, 3.0, type=DealType.BUY),  # netting reversal closes a position: win
        deal(DealEntry.OUT_BY, -6.0),  # loss
        deal(OUT, 2.0, commission=-2.0),  # exactly 0: a trade, neither win nor loss
    ]
    line = pnl_report(deals, [], WINDOW, entry_magic={}).total
    assert (line.trades, line.wins, line.losses) == (5, 2, 2)
    assert line.win_rate == pytest.approx(0.4)
    assert line.realized == -1.0


def test_no_trades_means_no_win_rate() -> None:
    assert pnl_report([], [], WINDOW, entry_magic={}).total.win_rate is None


def test_floating_from_open_positions_and_the_switch() -> None:
    positions = [position(profit=12.5, swap=-0.5), position("XAUUSD", profit=-30.0, magic=EA)]
    deals = [deal(OUT, 5.0)]
    report = pnl_report(deals, positions, WINDOW, entry_magic={})
    assert (report.total.realized, report.total.floating, report.total.total) == (5.0, -18.0, -13.0)
    assert report.by_symbol["XAUUSD"].floating == -30.0 and report.by_magic[EA].floating == -30.0
    closed_period = pnl_report(deals, positions, WINDOW, entry_magic={}, include_floating=False)
    assert closed_period.total.floating == 0.0 and "XAUUSD" not in closed_period.by_symbol


def test_hand_close_of_an_ea_position_is_attributed_to_the_ea() -> None:
    old_in = deal(IN, type=DealType.BUY, position_id=77, magic=EA, at=T0 - 5 * 86400, commission=-1.0)
    deals = [
        old_in,
        deal(OUT, 30.0, position_id=77, magic=0, commission=-1.0),  # closed by hand: magic 0
        deal(OUT, -8.0, position_id=78, magic=0),  # a manual trade
        deal(OUT, 4.0, position_id=79, magic=555),  # IN deal unknown: the deal's own magic
    ]
    magics = entry_magics([old_in, deal(IN, type=DealType.BUY, position_id=78, magic=0)])
    assert magics == {77: EA, 78: 0}
    report = pnl_report(deals, [], WINDOW, entry_magic=magics)
    assert {m: line.realized for m, line in report.by_magic.items()} == {0: -8.0, 555: 4.0, EA: 29.0}
    only_ea = pnl_report(deals, [position(magic=EA, profit=3.0), position(profit=9.0)], WINDOW,
                         entry_magic=magics, magic=EA)  # fmt: skip
    assert (only_ea.total.realized, only_ea.total.floating, only_ea.total.trades) == (29.0, 3.0, 1)


def test_entry_magics_takes_the_first_in_deal() -> None:
    later = deal(IN, type=DealType.SELL, position_id=5, magic=2, at=T0 + 60)
    first = deal(IN, type=DealType.BUY, position_id=5, magic=1, at=T0)
    closing = deal(OUT, position_id=5, magic=3, at=T0 - 60)
    assert entry_magics([later, closing, first]) == {5: 1}


def test_symbol_filter() -> None:
    deals = [deal(OUT, 5.0, symbol="EURUSD"), deal(OUT, 7.0, symbol="XAUUSD.m")]
    positions = [position("XAUUSD.m", profit=1.0), position("EURUSD", profit=100.0)]
    report = pnl_report(deals, positions, WINDOW, entry_magic={}, symbol="XAUUSD.m")
    assert (report.total.realized, report.total.floating) == (7.0, 1.0)
    assert list(report.by_symbol) == ["XAUUSD.m"]


def test_rounding_happens_once_at_the_end() -> None:
    deals = [deal(OUT, 0.1), deal(OUT, 0.2), deal(OUT, 0.004), deal(OUT, 0.004)]
    line = pnl_report(deals, [], WINDOW, entry_magic={}).total
    assert line.realized == 0.31  # per-deal rounding would give 0.30
