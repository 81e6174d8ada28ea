"""A `MetaTrader5` stand-in for benchmarks/bench_vs_peer.py: the package's functions served by our simulator.

The peer (mt5-bridge) imports `MetaTrader5` and calls its module functions; here each one is the
simulator's method of the same name, over a simulator resumed from the state file the benchmark built
(the same account, history and prices our own server resumes from). Constants come from our copy of the
package's constants. Not part of mt5bot: only the benchmark puts this folder on the peer's sys.path.
"""

from __future__ import annotations

import os
from typing import Any

from mt5bridge.simulator import sessions
from mt5bridge.simulator.persist import load_state
from mt5bridge.terminal import constants as _constants

globals().update({k: v for k, v in vars(_constants).items() if k.isupper()})

_sim = load_state(os.environ["MT5BOT_PEER_STATE"])
# Follow the wall clock as our server does with `realtime: true`, so both see prices move alike.
_sim.advance(max(0.0, sessions.server_now() - _sim.now))
_sim.set_realtime(True)

__version__ = "5.0.5430"  # what the peer may print; the simulator speaks this build's semantics


def __getattr__(name: str) -> Any:
    return getattr(_sim, name)
