"""The client against both backends: reads, trading, rejections as typed errors, link failures."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import InvalidRequest, TerminalUnavailable, TradeRejected
from mt5bridge.terminal.models import DealEntry, MarginMode, PositionSide, SymbolTradeMode
from mt5bridge.terminal.structs import RATES_DTYPE
from tests.client.builders import close, market
from tests.client.conftest import SATURDAY, Stand, StandFactory


async def test_reads_account_symbols_and_market_data(client: MT5Client) -> None:
    account = await client.account()
    assert (account.balance, account.currency, account.margin_mode) == (
        10000.0,
        "USD",
        MarginMode.RETAIL_HEDGING,
    )
    names = {s.name for s in await client.symbols()}
    assert {"EURUSD", "XAUUSD"} <= names
    assert [s.name for s in await client.symbols("*JPY")] == ["USDJPY", "EURJPY", "GBPJPY"]
    spec = await client.symbol("EURUSD")
    assert (spec.volume_step, spec.digits, spec.trade_mode) == (0.01, 5, SymbolTradeMode.FULL)
    tick = await client.tick("EURUSD")
    assert tick.ask > tick.bid > 0
    assert tick.time.tzinfo is not None and int(tick.time.timestamp()) == tick.time_server
    rates = await client.rates_from_pos("EURUSD", C.TIMEFRAME_M1, 0, 5)
    assert rates.dtype == RATES_DTYPE and len(rates) == 5 and np.all(np.diff(rates["time"]) == 60)
    assert await client.positions() == []
    state = await client.terminal_state()
    assert state.connected and state.trade_allowed


async def test_unknown_symbol_read_is_invalid_request(client: MT5Client) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await client.symbol("NOPE")
    assert caught.value.code == "unknown_symbol" and caught.value.mt5_code == C.RES_E_NOT_FOUND


async def test_open_and_close_through_order_send(client: MT5Client) -> None:
    opened = await client.order_send(market(volume=0.2), tag="open1")
    assert opened.retcode == C.TRADE_RETCODE_DONE and opened.retcode_name == "TRADE_RETCODE_DONE"
    (position,) = await client.positions(symbol="EURUSD")
    assert (position.ticket, position.side, position.volume) == (opened.order, PositionSide.BUY, 0.2)
    assert position.comment == "mb:open1"

    closed = await client.order_send(close(position), tag="close1")
    assert closed.retcode == C.TRADE_RETCODE_DONE
    assert await client.positions() == []
    deals = await client.deals(position=position.ticket)
    assert [d.entry for d in deals] == [DealEntry.IN, DealEntry.OUT]
    account = await client.account()
    realised = sum(d.profit + d.commission + d.swap + d.fee for d in deals)
    assert account.balance == pytest.approx(10000.0 + realised, abs=0.01)


@pytest.mark.parametrize(
    ("request_kwargs", "code", "retcode"),
    [
        ({"volume": 0.015}, "invalid_volume", C.TRADE_RETCODE_INVALID_VOLUME),
        ({"symbol": "NOPE"}, "unknown_symbol", C.TRADE_RETCODE_INVALID),
    ],
)
async def test_rejections_are_typed(
    client: MT5Client, request_kwargs: dict[str, object], code: str, retcode: int
) -> None:
    with pytest.raises(TradeRejected) as caught:
        await client.order_send(market(**request_kwargs), tag="rej")  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.mt5_code) == (code, retcode)
    assert (
        caught.value.mt5_name
        == {10014: "TRADE_RETCODE_INVALID_VOLUME", 10013: "TRADE_RETCODE_INVALID"}[retcode]
    )
    assert await client.positions() == []


async def test_stop_loss_on_the_wrong_side(client: MT5Client) -> None:
    tick = await client.tick("EURUSD")
    with pytest.raises(TradeRejected) as caught:
        await client.order_send(market(sl=round(tick.ask + 0.005, 5)), tag="sl")
    assert (caught.value.code, caught.value.mt5_code) == ("invalid_stops", C.TRADE_RETCODE_INVALID_STOPS)
    assert caught.value.mt5_name == "TRADE_RETCODE_INVALID_STOPS"


async def test_market_closed_on_saturday(make_stand: StandFactory) -> None:
    stand = make_stand(start=SATURDAY, market_hours="real")
    mt5 = MT5Client(stand.terminal, call_timeout=5.0)
    assert await mt5.connect()
    try:
        with pytest.raises(TradeRejected) as caught:
            await mt5.order_send(market(), tag="weekend")
        assert (caught.value.code, caught.value.mt5_code) == ("market_closed", C.TRADE_RETCODE_MARKET_CLOSED)
        assert not caught.value.retryable
    finally:
        await mt5.close()


async def test_algo_trading_off(stand: Stand, client: MT5Client) -> None:
    stand.sim.set_trade_allowed(False)
    with pytest.raises(TradeRejected) as caught:
        await client.order_send(market(), tag="algo")
    assert caught.value.code == "client_disables_at"


async def test_bad_argument_is_invalid_request(client: MT5Client) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await client.order_send(market(volume=None), tag="none")  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.mt5_code) == ("invalid_params", C.RES_E_INVALID_PARAMS)


async def test_bad_tag_is_refused_before_sending(stand: Stand, client: MT5Client) -> None:
    for tag in ("", "x" * 29, "with space", "é"):
        with pytest.raises(InvalidRequest):
            await client.order_send(market(), tag=tag)
    assert stand.sim.positions_total() == 0


async def test_disconnected_terminal_changes_nothing(stand: Stand, client: MT5Client) -> None:
    await client.order_send(market(), tag="before")
    balance = (await client.account()).balance
    stand.sim.disconnect()
    with pytest.raises(TerminalUnavailable) as caught:
        await client.order_send(market(), tag="during")
    assert caught.value.code == "terminal_disconnected" and caught.value.retryable
    assert not client.connected
    with pytest.raises(TerminalUnavailable):
        await client.positions()

    stand.sim.reconnect()
    assert await client.connect()
    positions = await client.positions()
    assert [p.comment for p in positions] == ["mb:before"]
    assert (await client.account()).balance == balance


async def test_connect_failure_leaves_client_disconnected(stand: Stand) -> None:
    stand.sim.disconnect()
    mt5 = MT5Client(stand.terminal, call_timeout=5.0)
    try:
        assert await mt5.connect() is False
        assert not mt5.connected
        assert mt5.last_failure is not None
        with pytest.raises(TerminalUnavailable):
            await mt5.account()
        stand.sim.reconnect()
        assert await mt5.connect()
        assert (await mt5.account()).balance == 10000.0
    finally:
        await mt5.close()


async def test_new_deals_types_only_the_unseen(client: MT5Client) -> None:
    opened = await client.order_send(market(volume=0.1), tag="open2")
    (position,) = await client.positions(symbol="EURUSD")
    await client.order_send(close(position), tag="close2")
    now = int((await client.server_time() or datetime.now(UTC)).timestamp()) + client.server_utc_offset
    window = (now - 86400, now + 86400)
    every = await client.deals(*window)
    entry = next(d for d in every if d.order == opened.order)
    fresh = await client.new_deals(*window, {entry.ticket})
    assert [d.ticket for d in fresh] == [d.ticket for d in every if d.ticket != entry.ticket]
    assert fresh == [d for d in every if d.ticket != entry.ticket]  # the same typed deals as deals() gives
    assert await client.new_deals(*window, {d.ticket for d in every}) == []


async def test_naive_datetime_is_refused(client: MT5Client) -> None:
    from datetime import datetime

    with pytest.raises(InvalidRequest):
        await client.deals(datetime(2026, 11, 25), datetime(2026, 11, 26))


async def test_calculations_and_check(client: MT5Client) -> None:
    tick = await client.tick("EURUSD")
    margin = await client.calc_margin(PositionSide.BUY, "EURUSD", 1.0, tick.ask)
    assert margin == pytest.approx(100000 / 100 * tick.ask, rel=0.01)
    profit = await client.calc_profit(PositionSide.SELL, "EURUSD", 1.0, 1.2, 1.1)
    assert profit == pytest.approx(10000.0)
    check = await client.order_check(market(volume=1.0))
    assert check.margin == pytest.approx(margin, rel=0.01) and check.balance == 10000.0
    with pytest.raises(TradeRejected) as caught:
        await client.order_check(market(volume=0.015))
    assert caught.value.code == "invalid_volume"


async def test_server_time_is_the_newest_quote(client: MT5Client) -> None:
    now = await client.server_time()
    tick = await client.tick("EURUSD")
    assert now is not None and now.tzinfo is not None
    assert int(now.timestamp()) >= tick.time_server
