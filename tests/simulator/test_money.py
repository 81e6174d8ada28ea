"""Profit and margin numbers checked against values computed by hand from MT5's formulas."""

from __future__ import annotations

import pytest

from mt5bridge.simulator import Simulator
from tests.simulator.conftest import close, deal


def test_forex_pair_margin_profit_and_commission(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    # Margin: 1 lot * 100000 EUR / leverage 100 = 1000 EUR, at EURUSD bid 1.10000 = 1100.00 USD.
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "EURUSD", 1.0, 1.10002) == pytest.approx(1100.00)
    result = deal(mt5, "EURUSD", "buy", 1.0)
    assert result.retcode == mt5.TRADE_RETCODE_DONE
    assert result.price == pytest.approx(1.10002)  # filled at Ask
    assert mt5.account_info().margin == pytest.approx(1100.00)
    mt5.set_price("EURUSD", 1.10102, 1.10104)
    pos = mt5.positions_get()[0]
    assert pos.price_current == pytest.approx(1.10102)  # Bid for a buy
    assert pos.profit == pytest.approx(100.00)  # 0.00100 * 100000
    result = close(mt5, pos.ticket)
    deals = mt5.history_deals_get(position=pos.ticket)
    assert [d.entry for d in deals] == [mt5.DEAL_ENTRY_IN, mt5.DEAL_ENTRY_OUT]
    assert [d.commission for d in deals] == [-3.50, -3.50]
    assert deals[1].profit == pytest.approx(100.00)
    assert mt5.account_info().balance == pytest.approx(10000 - 3.50 + 100.00 - 3.50)


def test_gold_cfd_leverage(mt5: Simulator) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.12)
    # CFD leverage: 0.5 lot * 100 oz * 2000.12 / 100 = 1000.06 USD.
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "XAUUSD", 0.5, 2000.12) == pytest.approx(1000.06)
    ticket = deal(mt5, "XAUUSD", "buy", 0.5).order
    mt5.set_price("XAUUSD", 2010.00, 2010.12)
    assert mt5.positions_get(ticket=ticket)[0].profit == pytest.approx(494.00)  # 9.88 * 100 * 0.5


def test_mql5_book_examples(mt5: Simulator) -> None:
    # USDJPY 1.0 lot at 1:100 needs 1000.0 USD; XAUUSD sell 1.1 @1969.95 bought back @1969.88 = +7.70.
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "USDJPY", 1.0, 144.124) == pytest.approx(1000.0)
    profit = mt5.order_calc_profit(mt5.ORDER_TYPE_SELL, "XAUUSD", 1.1, 1969.95, 1969.88)
    assert profit == pytest.approx(7.70)


def test_cross_pair_converts_through_usd_quotes(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    mt5.set_price("USDJPY", 150.000, 150.003)
    mt5.set_price("EURJPY", 160.000, 160.010)
    # Margin 1000 EUR -> 1100.00 USD; profit 1.000 JPY * 100000 = 100000 JPY / 150.000 = 666.67 USD.
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "EURJPY", 1.0, 160.010) == pytest.approx(1100.00)
    ticket = deal(mt5, "EURJPY", "buy", 1.0).order
    mt5.set_price("EURJPY", 161.010, 161.020)
    assert mt5.positions_get(ticket=ticket)[0].profit == pytest.approx(666.67)
    # USDJPY: profit in JPY divided by the USDJPY price itself (the Book's -80 JPY / 144.124 = -0.56).
    assert mt5.order_calc_profit(mt5.ORDER_TYPE_BUY, "USDJPY", 0.1, 150.0, 149.992) == pytest.approx(-0.53)


def test_index_cfd_in_euro_converts_to_usd(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    mt5.set_price("GER40", 24000.0, 24001.0)
    ticket = deal(mt5, "GER40", "buy", 1.0).order
    mt5.set_price("GER40", 24101.0, 24102.0)
    # (24101 - 24001) * 1 EUR per point * 1 lot = 100 EUR = 110.00 USD.
    assert mt5.positions_get(ticket=ticket)[0].profit == pytest.approx(110.00)


def test_hedged_pair_takes_margin_hedged(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    deal(mt5, "EURUSD", "buy", 1.0)
    single = mt5.account_info().margin
    deal(mt5, "EURUSD", "sell", 1.0)
    # Both legs at margin_hedged 50000 of 100000 units: 2 * 500 EUR = 1000 EUR = same as one open lot.
    assert mt5.account_info().margin == pytest.approx(single, abs=0.02)
    assert len(mt5.positions_get()) == 2


def test_equity_and_margin_level(mt5: Simulator) -> None:
    mt5.set_price("XAUUSD", 2000.00, 2000.12)
    deal(mt5, "XAUUSD", "buy", 1.0)
    mt5.set_price("XAUUSD", 1990.00, 1990.12)
    acc = mt5.account_info()
    floating = (1990.00 - 2000.12) * 100
    assert acc.profit == pytest.approx(floating)
    assert acc.equity == pytest.approx(10000 - 3.50 + floating)
    assert acc.margin_free == pytest.approx(acc.equity - acc.margin)
    assert acc.margin_level == pytest.approx(acc.equity / acc.margin * 100, abs=0.01)


def test_balance_reconciles_with_deal_history(mt5: Simulator) -> None:
    for symbol in ("EURUSD", "XAUUSD", "GBPJPY"):
        ticket = deal(mt5, symbol, "buy", 0.3).order
        mt5.advance(1800)
        close(mt5, ticket, 0.1)
        close(mt5, ticket)
    deals = mt5.history_deals_get(0, 2**40)
    total = sum(d.profit + d.commission + d.swap + d.fee for d in deals)
    assert mt5.account_info().balance == pytest.approx(total, abs=0.01)


def test_cfd_mode_uses_the_margin_rate(mt5: Simulator) -> None:
    # XAGUSD is CFD with margin rate 0.01: 0.1 lot * 5000 oz * 50.000 * 0.01 = 250.00 USD (no leverage).
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "XAGUSD", 0.1, 50.000) == pytest.approx(250.00)
    assert mt5.symbol_info("XAGUSD").trade_calc_mode == mt5.SYMBOL_CALC_MODE_CFD


def test_cfd_index_mode_in_euro(mt5: Simulator) -> None:
    mt5.set_price("EURUSD", 1.10000, 1.10002)
    # GER40 is CFD index: 2 lots * 1 * 24000.0 * (tick value 0.1 / tick size 0.1) * rate 0.05 = 2400 EUR,
    # at EURUSD 1.10000 = 2640.00 USD.
    assert mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "GER40", 2.0, 24000.0) == pytest.approx(2640.00)
    assert mt5.symbol_info("GER40").trade_calc_mode == mt5.SYMBOL_CALC_MODE_CFDINDEX
