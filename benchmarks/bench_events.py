"""Event-bus fan-out: ticks on a few symbols to N subscribers, each reading in its own task.

Prints delivered messages/s and the publish -> receive delay (p50/p99). Conflation means a subscriber
that falls behind gets the newest tick per symbol, so "delivered" can be below published x subscribers;
the conflation ratio is printed too.

    .venv/bin/python benchmarks/bench_events.py --subscribers 500 --rounds 2000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from mt5bridge.trading.events import EventBus, EventKind, Subscription, TickEvent

SYMBOLS = ("EURUSD", "GBPUSD", "XAUUSD")


async def consume(sub: Subscription, sent_at: dict[int, float], delays: list[float], stop_msc: int) -> int:
    got = 0
    async for event in sub:
        delays.append(time.perf_counter() - sent_at[event.time_msc])  # type: ignore[union-attr]
        got += 1
        if event.time_msc >= stop_msc:  # type: ignore[union-attr]
            sub.close()
    return got


async def bench(subscribers: int, rounds: int, burst: int) -> None:
    bus = EventBus()
    sent_at: dict[int, float] = {}
    delays: list[float] = []
    last = rounds * len(SYMBOLS) - 1
    subs = [bus.subscribe({EventKind.TICK}, set(SYMBOLS), name=f"ws-{i}") for i in range(subscribers)]
    readers = [asyncio.create_task(consume(s, sent_at, delays, last)) for s in subs]
    now = datetime.now(UTC)
    started = time.perf_counter()
    seq = 0
    for r in range(rounds):
        for symbol in SYMBOLS:
            sent_at[seq] = time.perf_counter()
            bus.publish(
                TickEvent(symbol=symbol, bid=1 + r / 1e5, ask=1.0001 + r / 1e5, time=now, time_msc=seq)
            )
            seq += 1
        if r % burst == burst - 1:
            await asyncio.sleep(0)  # the poller yields between rounds, as a real one does
    delivered = sum(await asyncio.gather(*readers))
    elapsed = time.perf_counter() - started
    published = rounds * len(SYMBOLS)
    ordered = sorted(delays)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"subscribers={subscribers} ticks published={published} symbols={len(SYMBOLS)} burst={burst}")
    print(
        f"delivered={delivered} ({delivered / (published * subscribers):.1%} of published x subscribers, "
        f"rest conflated) in {elapsed:.2f} s"
    )
    print(
        f"throughput: {delivered / elapsed:,.0f} messages/s delivered, "
        f"{published / elapsed:,.0f} ticks/s published"
    )
    print(
        f"delay publish->receive: p50 {statistics.median(ordered) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, "
        f"max {ordered[-1] * 1e3:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument(
        "--burst", type=int, default=1, help="rounds published between yields (>1: conflation)"
    )
    args = parser.parse_args()
    asyncio.run(bench(args.subscribers, args.rounds, args.burst))


if __name__ == "__main__":
    main()
