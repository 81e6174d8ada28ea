"""Messages per second through the chat core, and the latency of one trade from text to result.

Each round is two chat inputs: the text "买入0.01手欧美" (parse -> risk rules -> preview -> confirmation,
audited) and the tap on its confirm button (execute with the confirmation id as request id, whose one
preview is checked against the confirmed one -> result rendered in three formats). Every other round
closes the position the same way, so the account stays small. Real TradingService over the simulator
and a SQLite file.
Run: .venv/bin/python benchmarks/bench_chat.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from chat_stand import chat_stand, message

from bot.core import ChatCore

TEXTS = ("买入0.01手欧美", "平仓0.01手欧美")


async def trade(chat: ChatCore, text: str) -> tuple[float, float]:
    """One text + one tap; returns (text latency, tap latency) in seconds."""
    started = time.perf_counter()
    (preview,) = await chat.handle(message(text))
    asked = time.perf_counter()
    (result,) = await chat.handle(message(action=preview.buttons[0][0].action))
    done = time.perf_counter()
    if "已执行" not in result.text:
        raise RuntimeError(f"not executed: {result.text}")
    return asked - started, done - asked


async def main(rounds: int) -> None:
    async with chat_stand() as stand:
        chat = stand.chat
        await trade(chat, TEXTS[0])  # warm-up: templates compiled, symbols cached
        await trade(chat, TEXTS[1])
        texts, taps, whole = [], [], []
        started = time.perf_counter()
        for i in range(rounds):
            asked, tapped = await trade(chat, TEXTS[i % 2])
            texts.append(asked)
            taps.append(tapped)
            whole.append(asked + tapped)
        elapsed = time.perf_counter() - started
    print(f"chat messages: {2 * rounds / elapsed:,.0f}/s over {rounds} trades (text + confirm tap each)")
    for name, laps in (("text->preview", texts), ("tap->result", taps), ("whole trade", whole)):
        laps.sort()
        p99 = laps[max(int(len(laps) * 0.99) - 1, 0)]
        print(f"{name:14} p50 {statistics.median(laps) * 1000:6.2f} ms, p99 {p99 * 1000:6.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
