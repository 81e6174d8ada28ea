"""Terminal backends: the real package, a terminal under Wine over rpyc, or the simulator.

`open_backend(settings)` picks one by `mt5.backend`; every backend satisfies
`mt5bridge.terminal.protocol.Terminal` and keeps the package's conventions (None + last_error() on failure,
the named tuples of mt5bridge.terminal.structs).
"""

from __future__ import annotations

from pathlib import Path

from mt5bridge.terminal.backends.mt5linux import RpycTerminal
from mt5bridge.terminal.backends.native import import_package, open_native
from mt5bridge.terminal.backends.simulator import build_simulator
from mt5bridge.terminal.protocol import Terminal
from mt5bridge.terminal.settings import Backend, MT5Settings

__all__ = ["RpycTerminal", "build_simulator", "open_backend"]


def open_backend(settings: MT5Settings, state_path: Path | None = None) -> Terminal:
    """The terminal the settings ask for; `auto` = the real package if it imports, else the simulator.

    `state_path` only concerns the simulator (its saved state).
    """
    backend = settings.backend
    if backend is Backend.AUTO:
        backend = Backend.NATIVE if import_package() is not None else Backend.SIMULATOR
    if backend is Backend.NATIVE:
        return open_native(settings)
    if backend is Backend.MT5LINUX:
        return RpycTerminal.from_settings(settings)
    return build_simulator(settings.simulator, state_path)
