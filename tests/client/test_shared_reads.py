"""Identical reads waiting in the worker's queue share one terminal call, and never an earlier one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from mt5bridge.simulator import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import CallTimeout
from mt5bridge.terminal.worker import Worker


def _watched(sim: Simulator, name: str, *, held: bool = False) -> tuple[list[int], threading.Event]:
    """Count the simulator's calls of `name`; with `held`, each waits for the returned gate (up to 5 s),
    holding the worker. The client shares reads by the function's name, which the wrapper keeps."""
    calls: list[int] = []
    gate = threading.Event()
    if not held:
        gate.set()
    real = getattr(sim, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        gate.wait(5)
        return real(*args, **kwargs)

    watched.__name__ = name
    setattr(sim, name, watched)
    return calls, gate


async def test_concurrent_reads_cost_one_call_and_agree() -> None:
    sim = Simulator(seed=3, start=datetime(2026, 11, 25, 10, 0), market_hours="always")
    calls, _ = _watched(sim, "account_info")
    client = MT5Client(sim)
    await client.connect()
    try:
        answers = await asyncio.gather(*(client.account() for _ in range(16)))
        assert len(calls) < 16  # the ones queued behind the first joined one call
        assert len({a.model_dump_json() for a in answers}) == 1
        await client.account()
        assert len(calls) >= 2  # a later read is a call of its own, never a remembered answer
    finally:
        await client.close()


async def test_a_read_after_a_trade_sees_the_trade() -> None:
    sim = Simulator(seed=3, start=datetime(2026, 11, 25, 10, 0), market_hours="always")
    client = MT5Client(sim)
    await client.connect()
    try:
        before = asyncio.gather(*(client.position_tuples() for _ in range(4)))
        await asyncio.sleep(0)  # queued now, ahead of the trade
        tick = sim.symbol_info_tick("EURUSD")
        request = {"action": C.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1, "type": C.ORDER_TYPE_BUY,
                   "price": tick.ask, "deviation": 10, "type_filling": C.ORDER_FILLING_IOC}  # fmt: skip
        await client.order_send(request, tag="t1")
        after = await asyncio.gather(*(client.position_tuples() for _ in range(4)))
        assert [len(x) for x in await before] == [0] * 4  # queued before the trade
        assert [len(x) for x in after] == [1] * 4  # asked after it was acknowledged
    finally:
        await client.close()


async def test_a_started_call_is_not_joined_a_queued_one_is() -> None:
    worker = Worker("test-shared")
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow() -> str:
        runs.append("slow")
        started.set()
        release.wait(5)
        return "first"

    try:
        first, new = worker.submit(slow, key="k")
        await asyncio.to_thread(started.wait, 5)
        second, second_new = worker.submit(lambda: runs.append("second") or "second", key="k")
        third, third_new = worker.submit(lambda: "never run", key="k")
        assert new and second_new and not third_new
        assert second is not first  # `first` had started: a new read may not take its older answer
        assert third is second  # still queued: joined
        release.set()
        assert (await first, await second, await third) == ("first", "second", "second")
        assert runs == ["slow", "second"]
    finally:
        release.set()
        worker.stop()


@asynccontextmanager
async def _held(name: str, call_timeout: float) -> AsyncIterator[tuple[MT5Client, threading.Event]]:
    """A connected client whose simulator's `name` holds the worker until the gate opens."""
    sim = Simulator(seed=3, start=datetime(2026, 11, 25, 10, 0), market_hours="always")
    _, gate = _watched(sim, name, held=True)
    client = MT5Client(sim, call_timeout=call_timeout)
    await client.connect()
    try:
        yield client, gate
    finally:
        gate.set()
        await client.close()


async def test_one_callers_timeout_does_not_cancel_the_shared_answer() -> None:
    async with _held("account_info", call_timeout=5) as (client, gate):
        blocker = asyncio.ensure_future(client.account())  # holds the worker until the gate opens
        await asyncio.sleep(0.05)
        impatient = asyncio.ensure_future(asyncio.wait_for(client.account(), 0.05))
        patient = asyncio.ensure_future(client.account())  # joins the same queued call
        await asyncio.sleep(0.2)
        assert impatient.done() and isinstance(impatient.exception(), TimeoutError)
        gate.set()
        assert (await patient).login == (await blocker).login


async def test_a_read_that_does_not_answer_times_out_for_every_caller_sharing_it() -> None:
    async with _held("terminal_info", call_timeout=0.2) as (client, gate):
        blocker = asyncio.ensure_future(client.terminal_state())  # holds the worker
        await asyncio.sleep(0.02)
        waiting = await asyncio.gather(*(client.account() for _ in range(3)), return_exceptions=True)
        assert all(isinstance(w, CallTimeout) and "account_info" in str(w) for w in waiting)
        assert isinstance((await asyncio.gather(blocker, return_exceptions=True))[0], CallTimeout)
        gate.set()
        assert (await client.account()).login > 0  # usable afterwards: the next call is answered
