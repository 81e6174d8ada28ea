"""An offline MetaTrader 5 terminal and trade server with the MetaTrader5 package's interface.

`from mt5bridge.simulator import Simulator`; see docs/simulator.md for the semantics it keeps.
"""

from mt5bridge.simulator.terminal import Simulator

__all__ = ["Simulator"]
