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
import tempfile
import time
from datetime import datetime

from bot.core import ChatCore
from bot.messages import Incoming
from mt5bot.config import Settings
from mt5bridge.simulator import Simulator
from mt5bridge.terminal.client import MT5Client
from mt5bridge.trading.service import TradingService
from mt5bridge.trading.settings import RiskSettings
from storage.database import Database

TEXTS = ("买入0.01手欧美", "平仓0.01手欧美")


def message(text: str | None = None, action: str | None = None) -> Incoming:
    return Incoming(platform="bench", user_id="1", chat_id="1", text=text, action=action)


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
    sim = Simulator(seed=1, start=datetime(2026, 11, 25, 10, 0), market_hours="always", history_days=7)
    client = MT5Client(sim)
    await client.connect()
    settings = Settings(users=[{"platform": "bench", "id": "1", "role": "trader"}])
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
        service = TradingService(client, db, RiskSettings(max_total_positions=10_000, max_daily_loss=0))
        chat = ChatCore(service, db, settings)
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
        await db.close()
    await client.close()
    print(f"chat messages: {2 * rounds / elapsed:,.0f}/s over {rounds} trades (text + confirm tap each)")
    for name, laps in (("text->preview", texts), ("tap->result", taps), ("whole trade", whole)):
        laps.sort()
        p99 = laps[max(int(len(laps) * 0.99) - 1, 0)]
        print(f"{name:14} p50 {statistics.median(laps) * 1000:6.2f} ms, p99 {p99 * 1000:6.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
