"""What the simulator's journal costs per order_send, with 0, 100 and 1,000 open positions.

Each sample is one market order_send (an open, then its close, alternately), timed on its own: without a
journal, with the journal written by write() (survives kill -9), and with each entry fdatasync'd (survives
a power cut, the default). Also: a read call (no change, so nothing written) and a full snapshot.
Run: .venv/bin/python benchmarks/bench_sim_journal.py [ORDERS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from mt5bridge.simulator import Simulator
from mt5bridge.simulator.journal import journal_generations, journal_path
from mt5bridge.simulator.persist import attach_journal, save_state
from mt5bridge.terminal import constants as C

START = datetime(2026, 11, 25, 10, 0)
SYMBOLS = ("EURUSD", "XAUUSD", "GBPUSD", "USDJPY", "BTCUSD")
MODES = {"no journal": None, "journal, write()": False, "journal, fdatasync": True}


def _market(sim: Simulator, symbol: str, buy: bool, **extra: Any) -> Any:
    request = {
        "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": 0.01,
        "type": C.ORDER_TYPE_BUY if buy else C.ORDER_TYPE_SELL, "type_filling": C.ORDER_FILLING_IOC, **extra,
    }  # fmt: skip
    result = sim.order_send(request)
    if result is None or result.retcode != C.TRADE_RETCODE_DONE:
        raise RuntimeError(f"order_send failed: {result}")
    return result


def _simulator(positions: int) -> Simulator:
    sim = Simulator(seed=1, start=START, market_hours="always", history_days=7, balance=10_000_000.0)
    sim.initialize()
    for i in range(positions):
        _market(sim, SYMBOLS[i % len(SYMBOLS)], i % 2 == 0)
    return sim


def _percentiles(laps: list[float]) -> str:
    laps = sorted(laps)
    p99 = laps[max(0, int(len(laps) * 0.99) - 1)]
    return f"p50 {statistics.median(laps) * 1e6:7.1f} us  p99 {p99 * 1e6:7.1f} us"


def measure(positions: int, fsync: bool | None, orders: int, tmp: Path) -> str:
    sim = _simulator(positions)
    path = tmp / f"state-{positions}-{fsync}.json"
    if fsync is not None:
        attach_journal(sim, path, fsync=fsync)
    laps = []
    for i in range(orders // 2):
        lap = time.perf_counter()
        opened = _market(sim, "EURUSD", True)
        laps.append(time.perf_counter() - lap)
        lap = time.perf_counter()
        _market(sim, "EURUSD", False, position=opened.order)
        laps.append(time.perf_counter() - lap)
        if i == 0:
            laps.clear()  # warm-up
    reads = []
    for _ in range(1000):
        lap = time.perf_counter()
        sim.positions_total()
        reads.append(time.perf_counter() - lap)
    line = f"{positions:>5} positions  {_label(fsync):<20} order_send {_percentiles(laps)}"
    line += f"  | read {statistics.median(reads) * 1e6:5.1f} us"
    if fsync is not None:
        size = journal_path(path, journal_generations(path)[-1]).stat().st_size
        line += f"  | {size / (orders - 2):,.0f} B/entry"
        lap = time.perf_counter()
        save_state(sim, path)
        line += f"  | snapshot {(time.perf_counter() - lap) * 1000:.1f} ms"
    return line


def _label(fsync: bool | None) -> str:
    return next(name for name, value in MODES.items() if value is fsync)


def main(orders: int) -> None:
    print(f"{orders} order_sends per line (half opens, half closes), one position more while each is open")
    with tempfile.TemporaryDirectory() as tmp:
        for positions in (0, 100, 1000):
            for fsync in MODES.values():
                print(measure(positions, fsync, orders, Path(tmp)), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
