"""The fan-in phases of benchmarks/bench_front.py: orders straight to every bridge at once, then what the
bridges published, what reached the front's account buses, its notifier and its notices, and each event's
delay followed by its ticket."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp
from front_services import TOKEN, Service
from laps import figures, loadavg, table
from procinfo import proc_status


@dataclass
class Phase:
    label: str
    kind: str  # the event followed by its ticket
    path: str  # the order route on every bridge
    body: dict[str, Any]
    per_bridge: int  # requests per bridge
    writers: int  # at a time per bridge


async def fan_in(http: aiohttp.ClientSession, bridges: list[Service], front: Service, a: Any) -> None:
    idle0, idle_at = await front.ask("stats"), time.time()
    await asyncio.sleep(2.0)  # the front's CPU while nothing trades: feeds' pings, probes
    idle_stats = await front.ask("stats")
    idle = (idle_stats["cpu"] - idle0["cpu"]) / (time.time() - idle_at)
    n = len(bridges)
    phases = (
        Phase(f"{a.orders} market orders on each of {n} bridges, {a.writers} at a time per bridge",
              "position_opened", "/order/open", {"symbol": "XAUUSD", "type": "buy", "volume": 0.01},
              a.orders, a.writers),
        Phase(f"one close_all on each of {n} bridges at once (a burst of {a.orders} closes per bridge)",
              "position_closed", "/order/close_all", {}, 1, 1),
    )  # fmt: skip
    for phase in phases:
        await _phase(http, bridges, front, a, phase, idle)


async def _send(
    http: aiohttp.ClientSession, bridges: list[Service], phase: Phase
) -> tuple[dict[str, float], Counter[str]]:
    """The phase's requests on every bridge at once: when each position's outcome was answered."""
    answered: dict[str, float] = {}
    refused: Counter[str] = Counter()

    async def writer(bridge: Service, count: int) -> None:
        url = f"{bridge.url}/api/v1{phase.path}"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for _ in range(count):
            async with http.post(url, json=phase.body, headers=headers) as resp:
                data = await resp.json()
            if resp.status != 200 or not data.get("success"):
                refused[f"{resp.status} {data.get('code')}"] += 1
                continue
            for outcome in data["data"]["outcomes"]:
                ticket = outcome.get("ticket") or outcome["order"]
                answered[f"{phase.kind}:{bridge.name}:{ticket}"] = time.time()

    quota, extra = divmod(phase.per_bridge, phase.writers)
    counts = [quota + (w < extra) for w in range(phase.writers)]
    await asyncio.gather(*(writer(b, count) for b in bridges for count in counts if count))
    return answered, refused


async def _phase(
    http: aiohttp.ClientSession, bridges: list[Service], front: Service, a: Any, phase: Phase, idle: float
) -> None:
    before = {b.name: await b.ask("stats") for b in bridges}
    front0, front0_at = await front.ask("stats"), time.time()
    began = time.time()
    answered, refused = await _send(http, bridges, phase)
    sent = time.time()
    # Wait until the front's notifier has had an event for every position answered and every trade event
    # the bridges published (30 s at most without news), then for its last batch to be handed on.
    while True:
        await asyncio.sleep(0.5)
        after = {b.name: await b.ask("stats") for b in bridges}
        expected = sum(_trades(s["kinds"]) - _trades(before[name]["kinds"]) for name, s in after.items())
        front1 = await front.ask("stats")
        consumed = _trades(front1["consumed"]) - _trades(front0["consumed"])
        if consumed >= max(expected, len(answered)) or time.time() - max(front1["last"], sent) > 30:
            break
    await asyncio.sleep(max(0.0, a.batch_wait - (time.time() - front1["last"])))
    after = {b.name: await b.ask("stats") for b in bridges}
    front1 = await front.ask("stats")
    print(f"\nFan-in: {phase.label} ({loadavg()})")
    rate = len(answered) / (sent - began)
    print(f"  orders answered        {len(answered)} in {sent - began:.2f} s ({rate:.0f}/s)"
          + (f"; refused {dict(refused)}" if refused else ""))  # fmt: skip
    published = sum((Counter(s["kinds"]) - Counter(before[n]["kinds"]) for n, s in after.items()), Counter())
    consumed_kinds = Counter(front1["consumed"]) - Counter(front0["consumed"])
    for label, counts in (
        ("published by bridges", published),
        ("arrived on front buses", Counter(front1["kinds"]) - Counter(front0["kinds"])),
        ("consumed by notifier", consumed_kinds),
    ):
        updates = counts.get("account_update", 0)
        print(f"  {label:22}{_trades(counts):6} trade events, {updates:4} account updates ({_kinds(counts)})")
    stamps = (
        answered,
        {k: v for s in after.values() for k, v in s["opened"].items() if k in answered},
        front1["opened"],
        front1["noticed"],
    )
    chain = [k for k in answered if all(k in stamp for stamp in stamps)]
    _rates(phase, chain, stamps[1], stamps[3], sent)
    notices, chars = front1["notices"] - front0["notices"], front1["chars"] - front0["chars"]
    print(f"  notices delivered      {notices} messages ({chars:,} characters) to the one subscribed user "
          f"(chat.notify_batch_sec {a.batch_label})")  # fmt: skip
    cpu, per = front1["cpu"] - front0["cpu"], 1e6 / max(1, _trades(consumed_kinds))
    print(
        f"  front process          {cpu:.2f} s CPU in {time.time() - front0_at:.1f} s (idle: {idle:.1%} of a "
        f"core), {cpu * per:.0f} us per trade event all in; RSS {proc_status(front.proc.pid)['VmRSS']} MB"
    )
    if chain:
        names = ("answered", "bridge bus", "front bus", "notifier")
        rows = [
            (f"{names[i]} -> {names[j]}", len(chain), [max(0.0, stamps[j][k] - stamps[i][k]) for k in chain])
            for i, j in ((0, 1), (1, 2), (2, 3), (1, 3))
        ]
        table(f"  Delay of each {phase.kind} event, followed by its ticket", rows)
    if len(chain) < len(answered):
        print(f"  !! {len(answered) - len(chain)} of {len(answered)} positions not followed to the notifier")


def _rates(
    phase: Phase, chain: list[str], at_bridge: dict[str, float], at_notifier: dict[str, float], sent: float
) -> None:
    """The rate over the whole phase, the busiest second, and how fast one watcher round is drained: a
    bridge publishes what its trade watcher found in one round (every second) at once."""
    if not chain:
        return
    first, last = min(at_bridge[k] for k in chain), max(at_notifier[k] for k in chain)
    times = sorted(at_notifier[k] for k in chain)
    peak = max(bisect.bisect_right(times, t + 1.0) - i for i, t in enumerate(times))
    rate = len(chain) / max(last - first, 1e-3)
    print(f"  at the notifier        {rate:,.0f} {phase.kind}/s from the first "
          f"published to the last consumed ({last - first:.2f} s), {peak} in the busiest second; the last "
          f"{last - sent:+.2f} s after the last answer")  # fmt: skip
    rounds: list[list[str]] = []
    for key in sorted(chain, key=lambda k: (k.split(":")[1], at_bridge[k])):
        prev = rounds[-1][-1] if rounds else None
        same = prev is not None and prev.split(":")[1] == key.split(":")[1]
        if same and prev is not None and at_bridge[key] - at_bridge[prev] < 0.05:
            rounds[-1].append(key)
        else:
            rounds.append([key])
    drains = [max(at_notifier[k] for k in r) - min(at_bridge[k] for k in r) for r in rounds]
    sizes = [len(r) for r in rounds]
    fig = figures(drains)
    draining = sum(sizes) / max(sum(drains), 1e-3)
    print(f"  one watcher round      {len(rounds)} rounds of {min(sizes)}-{max(sizes)} events (mean "
          f"{len(chain) / len(rounds):.0f}), first published -> last consumed p50 {fig['p50']:.1f} ms, max "
          f"{fig['max']:.1f} ms: {draining:,.0f} events/s while draining")  # fmt: skip


def _trades(kinds: dict[str, int]) -> int:
    return sum(n for k, n in kinds.items() if k != "account_update")


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()) if k != "account_update" and n)
