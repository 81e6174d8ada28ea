"""An rpyc classic server whose `MetaTrader5` module is the simulator: the stand-in for Wine + terminal.

Run as `python tests/client/rpyc_sim_server.py [port]`; prints the port it listens on (127.0.0.1 only).
`MetaTrader5.reset(seed, start, market_hours)` swaps in a fresh simulator and returns it, so tests drive it
(set_price, disconnect...) through a second classic connection.
"""

from __future__ import annotations

import sys
import types
from datetime import datetime
from typing import Any

from rpyc.core.service import ClassicService
from rpyc.utils.server import ThreadedServer

from mt5bridge.simulator import Simulator

MODULE = types.ModuleType("MetaTrader5")


def reset(seed: int = 0, start: tuple[int, ...] = (2026, 11, 25, 10, 0), market_hours: str = "always") -> Any:
    """A fresh simulator behind the module's functions and constants."""
    sim = Simulator(seed=seed, start=datetime(*start), market_hours=market_hours)
    for name in dir(sim):
        if not name.startswith("_"):
            setattr(MODULE, name, getattr(sim, name))
    MODULE.sim = sim  # type: ignore[attr-defined]
    return sim


MODULE.reset = reset  # type: ignore[attr-defined]
sys.modules["MetaTrader5"] = MODULE


def main() -> None:
    reset()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadedServer(ClassicService, hostname="127.0.0.1", port=port, reuse_addr=True)
    server._listen()  # listen before telling the port, so the first connect cannot be refused
    print(server.port, flush=True)
    server.start()


if __name__ == "__main__":
    main()
