"""Which terminal the service talks to: the real package, a terminal under Wine (rpyc), or the simulator."""

from __future__ import annotations

from pathlib import Path

from mt5bot.config import MT5Section
from mt5bridge.simulator.backend import build_simulator
from mt5bridge.terminal.backends import RpycTerminal, import_package, open_native
from mt5bridge.terminal.protocol import Terminal
from mt5bridge.terminal.settings import Backend


def open_backend(settings: MT5Section, state_path: Path | None = None) -> Terminal:
    """The terminal the settings ask for; `auto` = the real package if it imports, else the simulator.

    `state_path` only concerns the simulator (its saved state and journal).
    """
    backend = settings.backend
    if backend is Backend.AUTO:
        backend = Backend.NATIVE if import_package() is not None else Backend.SIMULATOR
    if backend is Backend.NATIVE:
        return open_native(settings)
    if backend is Backend.MT5LINUX:
        return RpycTerminal.from_settings(settings)
    return build_simulator(settings.simulator, state_path)
