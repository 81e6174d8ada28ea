"""Demo state that survives a restart: the book, the clock and the last quotes, in one JSON file.

On load the simulator resumes at the saved moment with the saved quotes, then (in real-time mode)
catches up to the present, so SL/TP and pending orders that would have triggered while the service
was down trigger on the way, as they would have on a live server.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from mt5bridge.simulator import sessions
from mt5bridge.simulator.demo import build_demo
from mt5bridge.simulator.records import Book
from mt5bridge.simulator.terminal import Simulator

FORMAT = 1


def save_state(sim: Simulator, path: str | Path) -> None:
    """Write the simulator's state atomically (a crash mid-write never leaves a torn file)."""
    with sim._lock:
        quotes = {name: list(sim.market.tick(name)) for name in sim.market.names}
        data: dict[str, Any] = {
            "format": FORMAT,
            "seed": sim.seed,
            "options": sim.options,
            "clock_msc": sim.now_msc,
            "quotes": quotes,
            "trade_modes": sim.market.trade_modes,
            "book": sim.book.to_json(),
        }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, separators=(",", ":"))
    os.replace(tmp, target)


def load_state(path: str | Path) -> Simulator:
    """A simulator resumed from a state file, at the saved clock with the saved quotes."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown simulator state format {data.get('format')!r}")
    clock_msc = int(data["clock_msc"])
    suffix = data["options"].get("suffix", "")
    # The price history is generated to end at the saved quotes, so prices continue without a gap.
    # (Bars before the restart are a fresh path to that price; deals and positions keep their prices.)
    start_prices = {
        name[: len(name) - len(suffix)] if suffix else name: float(bid)
        for name, (_time, bid, _ask) in data["quotes"].items()
    }
    sim = Simulator(
        seed=data["seed"],
        start=clock_msc // 1000,
        book=Book.from_json(data["book"]),
        start_prices=start_prices,
        **data["options"],
    )
    sim.market.trade_modes.update(
        {k: v for k, v in data["trade_modes"].items() if k in sim.market.trade_modes}
    )
    return sim


def open_simulator(
    state_file: str | Path | None,
    *,
    seed: int,
    demo_days: int,
    realtime: bool,
    **options: Any,
) -> Simulator:
    """The service's simulator: resumed from `state_file` if it exists, else a fresh demo account.

    In real-time mode the clock then follows the wall clock (catching up from the saved moment first).
    """
    if state_file and Path(state_file).exists():
        sim = load_state(state_file)
    elif demo_days > 0:
        sim = build_demo(days=demo_days, seed=seed, **options)
    else:
        sim = Simulator(seed=seed, **options)
    if realtime:
        sim.advance(max(0.0, sessions.server_now() - sim.now))
        sim.set_realtime(True)
    return sim
