"""Client overhead: calls/s of order_send and positions_get on the simulator with 1,000 open positions,
direct vs through MT5Client (typed results), plus the bare worker hop against run_in_executor.

Run: `.venv/bin/python benchmarks/bench_client.py [--calls N]`. Target: < 100 µs added per call.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from mt5bridge.simulator import Simulator
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.client import MT5Client

SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "EURJPY")


def request(i: int) -> dict[str, Any]:
    return {
        "action": C.TRADE_ACTION_DEAL, "symbol": SYMBOLS[i % len(SYMBOLS)], "volume": 0.01,
        "type": C.ORDER_TYPE_BUY if i % 2 else C.ORDER_TYPE_SELL, "type_filling": C.ORDER_FILLING_IOC,
        "comment": f"b{i}",
    }  # fmt: skip


def loaded_simulator(positions: int) -> Simulator:
    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), balance=1e8, market_hours="always")
    sim.initialize()
    for i in range(positions):
        assert sim.order_send(request(i)).retcode == C.TRADE_RETCODE_DONE
    return sim


def closing(ticket: int, i: int) -> dict[str, Any]:
    """The request closing the position `request(i)` opened, so the book stays at its size."""
    opened = request(i)
    side = C.ORDER_TYPE_SELL if opened["type"] == C.ORDER_TYPE_BUY else C.ORDER_TYPE_BUY
    return {**opened, "type": side, "position": ticket}


def per_call_direct(fn: Callable[[int], Any], calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return (time.perf_counter() - start) / calls


async def per_call_async(fn: Callable[[int], Awaitable[Any]], calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        await fn(i)
    return (time.perf_counter() - start) / calls


async def compare(
    name: str, direct: Callable[[int], Any], via: Callable[[int], Awaitable[Any]], calls: int, per: int = 1
) -> None:
    """Alternate direct and client blocks (5 rounds) and print the medians; `per` calls per iteration."""
    d: list[float] = []
    c: list[float] = []
    for _ in range(5):
        d.append(per_call_direct(direct, max(1, calls // 5)) / per)
        c.append(await per_call_async(via, max(1, calls // 5)) / per)
    d_med, c_med = statistics.median(d), statistics.median(c)
    print(
        f"{name:<44} direct {1 / d_med:>9,.0f}/s ({d_med * 1e6:>7.1f} µs)  "
        f"client {1 / c_med:>9,.0f}/s ({c_med * 1e6:>7.1f} µs)  added {(c_med - d_med) * 1e6:>6.1f} µs"
    )


async def main(calls: int, positions: int) -> None:
    sim = loaded_simulator(positions)
    client = MT5Client(sim, call_timeout=30.0)
    assert await client.connect()
    pool = ThreadPoolExecutor(max_workers=1)
    loop = asyncio.get_running_loop()

    async def via_executor(fn: Callable[[], Any]) -> Any:
        async with asyncio.timeout(30.0):
            return await loop.run_in_executor(pool, fn)

    async def send_pair(i: int) -> None:
        opened = await client.order_send(request(i), tag=f"o{i}")
        await client.order_send(closing(opened.order, i), tag=f"c{i}")

    def send_pair_direct(i: int) -> None:
        opened = sim.order_send(request(i))
        sim.order_send(closing(opened.order, i))

    async def raw_pair(i: int) -> None:
        opened, _ = await client._submit(sim.order_send, request(i))
        await client._submit(sim.order_send, closing(opened.order, i))

    print(f"simulator with {sim.positions_total()} open positions; medians of 5 alternating rounds\n")
    total = sim.positions_total
    await compare(
        "worker hop: own thread (positions_total)",
        lambda i: total(),
        lambda i: client._submit(total),
        calls * 5,
    )
    await compare(
        "worker hop: run_in_executor (positions_total)",
        lambda i: total(),
        lambda i: via_executor(total),
        calls * 5,
    )
    await compare(
        "positions_get, 1,000 raw tuples",
        lambda i: sim.positions_get(),
        lambda i: client._submit(sim.positions_get),
        calls // 4,
    )
    await compare(
        "positions(), 1,000 typed Position models",
        lambda i: sim.positions_get(),
        lambda i: client.positions(),
        calls // 4,
    )
    await compare("order_send, bare worker hop", send_pair_direct, raw_pair, calls // 2, per=2)
    await compare("order_send(tag=), typed TradeResult", send_pair_direct, send_pair, calls // 2, per=2)
    assert sim.positions_total() == positions
    await client.close()
    pool.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--positions", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.positions))
