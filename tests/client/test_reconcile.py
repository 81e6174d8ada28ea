"""order_send never resends: a lost answer is settled from the terminal's records by the request's tag."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import CallTimeout, OrderOutcomeUnknown
from tests.client.builders import (
    DropAfterSend,
    EmptyHistoryAsNone,
    SlowReads,
    SlowSend,
    ThreadRecorder,
    close,
    market,
)
from tests.client.conftest import Stand


async def connected(terminal: Any, call_timeout: float) -> MT5Client:
    mt5 = MT5Client(terminal, call_timeout=call_timeout)
    assert await mt5.connect()
    return mt5


async def test_late_answer_is_reconciled_not_resent(stand: Stand) -> None:
    slow = SlowSend(stand.terminal, delay=0.6)
    mt5 = await connected(slow, call_timeout=0.3)
    try:
        result = await mt5.order_send(market(volume=0.3), tag="late1")
        assert result.reconciled and result.retcode == C.TRADE_RETCODE_DONE and result.volume == 0.3
        assert slow.sent == 1
        (position,) = await mt5.positions()
        assert position.ticket == result.order and position.comment == "mb:late1"
    finally:
        await mt5.close()


async def test_late_close_is_reconciled(stand: Stand) -> None:
    mt5 = await connected(stand.terminal, call_timeout=5.0)
    await mt5.order_send(market(), tag="o")
    (position,) = await mt5.positions()
    await mt5.close()
    slow = SlowSend(stand.terminal, delay=0.6)
    mt5 = await connected(slow, call_timeout=0.3)
    try:
        result = await mt5.order_send(close(position), tag="c")
        assert result.reconciled and result.deal > 0
        assert await mt5.positions() == []
        assert slow.sent == 1
    finally:
        await mt5.close()


async def test_late_pending_order_is_reconciled_as_placed(stand: Stand) -> None:
    slow = SlowSend(stand.terminal, delay=0.6)
    mt5 = await connected(slow, call_timeout=0.3)
    try:
        tick = await mt5.tick("EURUSD")
        request = {
            "action": C.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1, "type": C.ORDER_TYPE_BUY_LIMIT,
            "price": round(tick.ask - 0.01, 5), "type_filling": C.ORDER_FILLING_RETURN,
        }  # fmt: skip
        result = await mt5.order_send(request, tag="pend")
        assert result.reconciled and result.retcode == C.TRADE_RETCODE_PLACED
        (order,) = await mt5.orders()
        assert order.ticket == result.order
    finally:
        await mt5.close()


async def test_link_lost_mid_send_raises_outcome_unknown_with_tag(stand: Stand) -> None:
    dropping = DropAfterSend(stand.terminal, stand.sim)
    mt5 = await connected(dropping, call_timeout=2.0)
    try:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await mt5.order_send(market(), tag="lost1")
        assert caught.value.tag == "lost1" and caught.value.code == "order_outcome_unknown"
        assert dropping.sent == 1 and not mt5.connected

        stand.sim.reconnect()
        assert await mt5.connect()
        found = await mt5.find_by_tag("lost1", market())
        assert found is not None and found.reconciled
        assert [p.ticket for p in await mt5.positions()] == [found.order]
    finally:
        await mt5.close()


async def test_unconfirmable_request_is_outcome_unknown(stand: Stand) -> None:
    mt5 = await connected(stand.terminal, call_timeout=5.0)
    await mt5.order_send(market(), tag="pos")
    (position,) = await mt5.positions()
    await mt5.close()
    slow = SlowSend(stand.terminal, delay=0.6)
    mt5 = await connected(slow, call_timeout=0.3)
    try:
        sltp = {"action": C.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": position.ticket, "sl": 1.0}
        with pytest.raises(OrderOutcomeUnknown):
            await mt5.order_send(sltp, tag="mod")
        assert slow.sent == 1
    finally:
        await mt5.close()


async def test_read_timeout_is_call_timeout(stand: Stand) -> None:
    mt5 = await connected(SlowReads(stand.terminal, delay=0.5), call_timeout=0.2)
    try:
        with pytest.raises(CallTimeout) as caught:
            await mt5.account()
        assert caught.value.retryable and caught.value.code == "call_timeout"
        await asyncio.sleep(0.4)  # the worker finishes the late call; the client keeps working
        assert (await mt5.terminal_state()).connected
    finally:
        await mt5.close()


async def test_history_none_with_success_is_empty(stand: Stand) -> None:
    wrapped = EmptyHistoryAsNone(stand.terminal)
    mt5 = await connected(wrapped, call_timeout=5.0)
    try:
        assert await mt5.deals(0, 2**31) == []
        assert wrapped.none_answers == 1
    finally:
        await mt5.close()


async def test_concurrent_calls_share_one_worker_thread(stand: Stand) -> None:
    recorder = ThreadRecorder(stand.terminal)
    mt5 = await connected(recorder, call_timeout=5.0)
    try:
        await asyncio.gather(*(mt5.positions() for _ in range(50)))
        assert len(recorder.threads) == 1
        assert threading.get_ident() not in recorder.threads
    finally:
        await mt5.close()
