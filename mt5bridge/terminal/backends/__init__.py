"""Terminal backends that reach a real MetaTrader 5: the package itself, or a terminal under Wine over rpyc.

Each satisfies `mt5bridge.terminal.protocol.Terminal` and keeps the package's conventions (None +
last_error() on failure, the named tuples of mt5bridge.terminal.structs). The simulator is the third
backend; it sits above this layer, so the choice among the three is made by the composition root
(`mt5bot/backend.py`).
"""

from __future__ import annotations

from mt5bridge.terminal.backends.mt5linux import RpycTerminal
from mt5bridge.terminal.backends.native import import_package, open_native

__all__ = ["RpycTerminal", "import_package", "open_native"]
