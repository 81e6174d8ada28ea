"""The terminal watchdog (`mt5.watchdog`): restarts terminal64.exe when it is gone or its heartbeat has
failed for a while, with backoff and an hourly cap. See docs/terminal-layer.md ("Watchdog")."""

from mt5bridge.terminal.watchdog.policy import Action, Cause, Decision, History, Look, decide
from mt5bridge.terminal.watchdog.process import TerminalProcess, launch_args
from mt5bridge.terminal.watchdog.runner import (
    RestartOutcome,
    RestartResult,
    TerminalWatchdog,
    WatchdogListener,
)

__all__ = [
    "Action",
    "Cause",
    "Decision",
    "History",
    "Look",
    "RestartOutcome",
    "RestartResult",
    "TerminalProcess",
    "TerminalWatchdog",
    "WatchdogListener",
    "decide",
    "launch_args",
]
