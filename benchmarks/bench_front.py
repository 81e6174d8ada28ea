"""A front over N bridges (issue 17): chat latency through the front against a bridge alone, and the
fan-in rate of the bridges' trade events at the front.

Every service is a process of its own, started as `mt5bot serve` starts one (mt5bot/serve.py: its event
loop, the whole app on 127.0.0.1, gc.freeze once listening) on the simulator (`realtime: false`, market
always open, no demo history, journal not fsync'd) with its own SQLite file in a temporary directory:

- N bridges `b1`..`bN` (default 10), each its own terminal;
- `solo`, one more bridge that no front talks to: the baseline;
- the front over `b1`..`bN` (`account.terminal: false`), with one Telegram user subscribed to notices.

The benchmark process is the client. It drives the chat over HTTP (`POST /api/v1/chat` with the master
token: an admin of every account; a button is pressed by sending its action back as text), one message at
a time, the baseline and the front alternating so both see the same machine:

- query: "持仓" on solo's own chat, "b3账户持仓" on the front's (the front asks b3 over REST);
- trade: a preview ("买入0.01手黄金" / "b3账户买入0.01手黄金", every other round the matching close)
  and the tap on its confirm button, each timed, and the two together;
- fan-out: "所有账户持仓" on the front (every bridge asked at once).

Fan-in, in two phases on all bridges at once, sent straight to each bridge's REST API with its own
token: `--orders` market orders per bridge (`POST /api/v1/order/open`, `--writers` at a time per
bridge), then one `POST /api/v1/order/close_all` per bridge (a burst of `--orders` closes each, found by
the bridge's watcher in one or two rounds). Each bridge's trade watcher (a poll every second)
publishes the trades on its bus, its WebSocket carries them to the front's feed for that bridge, which
publishes them on the account's bus, which the chat notifier consumes and batches per
`chat.notify_batch_sec` (the service's default unless `--batch`) into messages to the subscribed user.
The services count for the benchmark (never changing what they do): each bridge the events its bus
published by kind; the front what arrived on its per-account buses (`mt5bot.keys.ACCOUNT_BUSES`), what
its notifier consumed, and the notices it handed to the platform (a counting `send` registered as the
tests do). Each position opened or closed is followed by its ticket: order answered -> bridge bus ->
front bus -> notifier, so the delays are per event (the clocks are the same machine's). "One watcher
round" is what one bridge published at once: how long the front took from its first event on the
bridge's bus to its last one consumed by the notifier.

    .venv/bin/python benchmarks/bench_front.py                      # 10 bridges, 200 queries, 50 trades
    .venv/bin/python benchmarks/bench_front.py --bridges 3 --queries 50 --trades 10 --orders 50
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from front_fanin import fan_in
from front_services import TOKEN, Service, front_raw, ready, service_raw, spawn, stop
from laps import loadavg, table

# ---------------------------------------------------------------- the client


class Chat:
    """`POST /api/v1/chat` on one service, timed."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, f"{url}/api/v1/chat"

    async def say(self, text: str) -> tuple[dict[str, Any], float]:
        began = time.perf_counter()
        async with self.http.post(self.url, json={"text": text}) as resp:
            body = await resp.json()
        took = time.perf_counter() - began
        if resp.status != 200 or not body.get("success"):
            raise SystemExit(f"POST /chat {text!r} -> {resp.status} {body}")
        return body["data"], took


def confirm_button(data: dict[str, Any]) -> str:
    for button in data["buttons"]:
        if button["action"].startswith("c:") and button["action"].endswith(":y"):
            return str(button["action"])
    raise SystemExit(f"no confirm button in the preview:\n{data['text']}")


async def trade(chat: Chat, text: str) -> tuple[float, float]:
    preview, asked = await chat.say(text)
    result, tapped = await chat.say(confirm_button(preview))
    if "已执行" not in result["text"]:
        raise SystemExit(f"{text!r} was not executed:\n{result['text']}")
    return asked, tapped


async def alternate(
    rounds: int, steps: dict[str, Callable[[int], Awaitable[list[float]]]]
) -> dict[str, list[list[float]]]:
    """Run each case's step once per round, the cases taking turns; the laps of each case."""
    laps: dict[str, list[list[float]]] = {name: [] for name in steps}
    for i in range(rounds):
        for name, step in steps.items():
            laps[name].append(await step(i))
    return laps


async def latency(http: aiohttp.ClientSession, solo: Service, front: Service, target: str, a: Any) -> None:
    alone, routed = Chat(http, solo.url), Chat(http, front.url)
    on = f"{target}账户"
    texts = ("买入0.01手黄金", "平仓0.01手黄金")
    for _ in range(3):  # warm-up: templates, symbols and the HTTP connections
        await alone.say("持仓")
        await routed.say(f"{on}持仓")
        everyone, _ = await routed.say("所有账户持仓")
    # The front routes to the account named: a preview is headed by it, and with a position open there the
    # query on it differs from the query on another (a query's answer does not name its account); the
    # answer on all accounts has every one (none named as silent).
    absent = [f"b{i + 1}" for i in range(a.bridges) if f"b{i + 1}" not in everyone["text"]]
    if absent:
        raise SystemExit(f"{absent} missing from the answer on all accounts:\n{everyone['text']}")
    preview, _ = await routed.say(on + texts[0])
    if target not in preview["text"]:
        raise SystemExit(f"the front's preview is not headed by {target}:\n{preview['text']}")
    await routed.say(confirm_button(preview))
    held, _ = await routed.say(f"{on}持仓")
    other = "b1" if target != "b1" else "b2"
    empty, _ = await routed.say(f"{other}账户持仓")
    if a.bridges > 1 and held["text"] == empty["text"]:
        raise SystemExit(f"{on}持仓 and {other}账户持仓 answer the same on the front:\n{held['text']}")
    await trade(alone, texts[0])
    await trade(alone, texts[1])
    await trade(routed, on + texts[1])

    async def query(chat: Chat, text: str) -> list[float]:
        return [(await chat.say(text))[1]]

    queries = await alternate(
        a.queries,
        {"solo": lambda i: query(alone, "持仓"), "front": lambda i: query(routed, f"{on}持仓")},
    )

    async def round_trip(chat: Chat, prefix: str, i: int) -> list[float]:
        asked, tapped = await trade(chat, prefix + texts[i % 2])
        return [asked, tapped, asked + tapped]

    trades = await alternate(
        a.trades,
        {"solo": lambda i: round_trip(alone, "", i), "front": lambda i: round_trip(routed, on, i)},
    )
    fanout = await alternate(a.fanout, {"front": lambda i: query(routed, "所有账户持仓")})
    rows: list[tuple[str, int, list[float]]] = []
    for case, label in (("solo", "bridge alone, its own /chat"), ("front", f"front -> {target}")):
        rows.append((f"query: {label}", a.queries, [x[0] for x in queries[case]]))
    rows.append((f"query all {a.bridges} accounts (front)", a.fanout, [x[0] for x in fanout["front"]]))
    table(f"Chat latency over HTTP, sequential ({loadavg()})", rows)
    rows = []
    for i, step in enumerate(("preview", "confirm tap", "whole trade")):
        for case, label in (("solo", "alone"), ("front", f"front -> {target}")):
            rows.append((f"{step}: {label}", a.trades, [x[i] for x in trades[case]]))
    table("Trade round trip (preview text, then its confirm button)", rows)


async def main(a: Any) -> None:
    print(f"start: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-front-") as tmp:
        root = Path(tmp)
        names = [f"b{i + 1}" for i in range(a.bridges)]
        raws = {n: service_raw(root / n, n, seed=i + 1) for i, n in enumerate([*names, "solo"])}
        for n in raws:
            (root / n).mkdir()
        began = time.perf_counter()
        services = {n: spawn(n, raw) for n, raw in raws.items()}
        front: Service | None = None
        try:
            for s in services.values():
                await ready(s)
            print(f"{len(services)} bridges up in {time.perf_counter() - began:.1f} s")
            (root / "front").mkdir()
            bridges = {n: services[n].url for n in names}
            front = spawn("front", front_raw(root / "front", bridges, a.batch))
            await ready(front)
            for _ in range(200):
                feeds = (await front.ask("stats"))["feeds"]
                if all(state == "connected" for state in feeds.values()):
                    break
                await asyncio.sleep(0.05)
            else:
                raise SystemExit(f"the front's feeds did not all connect: {feeds}")
            print(
                f"front up, {len(feeds)} feeds connected, {time.perf_counter() - began:.1f} s after the start"
            )
            target = names[min(2, len(names) - 1)]
            async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
                await latency(http, services["solo"], front, target, a)
                await fan_in(http, [services[n] for n in names], front, a)
        finally:
            if front is not None:
                await stop([front])  # first, so that no feed sees its bridge go
            await stop(list(services.values()))
    print(f"end: {loadavg()}")


def parse() -> Any:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bridges", type=int, default=10, help="bridges behind the front (default 10)")
    parser.add_argument("--queries", type=int, default=200, help="queries on each side (default 200)")
    parser.add_argument("--trades", type=int, default=50, help="trade round trips on each side (default 50)")
    parser.add_argument("--fanout", type=int, default=20, help="queries on all accounts (default 20)")
    parser.add_argument(
        "--orders", type=int, default=100, help="orders per bridge for the fan-in (default 100)"
    )
    parser.add_argument("--writers", type=int, default=4, help="concurrent orders per bridge (default 4)")
    parser.add_argument(
        "--batch", type=float, default=None,
        help="the front's chat.notify_batch_sec (default: the service's own default)",
    )  # fmt: skip
    a = parser.parse_args()
    if a.bridges < 1 or min(a.queries, a.trades, a.fanout, a.orders, a.writers) < 1:
        parser.error("every count must be at least 1")
    from bot.settings import ChatSettings

    batch = ChatSettings().notify_batch_sec if a.batch is None else a.batch
    a.batch_label = f"{batch:g} s" + (" (default)" if a.batch is None else "")
    a.batch_wait = batch + 0.5  # the last batch is handed on this long after its first event
    return a


if __name__ == "__main__":
    asyncio.run(main(parse()))
