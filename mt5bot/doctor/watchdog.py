"""The terminal watchdog's own settings, checked now rather than on the night it has to restart."""

from __future__ import annotations

from pathlib import Path

from mt5bot.doctor.model import Check, fail, ok, skip
from mt5bridge.terminal.settings import MT5Settings


def watchdog(settings: MT5Settings) -> Check:
    """With `mt5.watchdog.enabled`: the terminal it restarts and its start-up config file exist."""
    rules = settings.watchdog
    if not rules.enabled:
        return skip("watchdog", "off (mt5.watchdog.enabled: false): nothing restarts a hung terminal")
    path = rules.terminal_path or settings.path
    if path is None:
        return fail("watchdog", "no terminal to restart", "set mt5.watchdog.terminal_path or mt5.path")
    if not Path(path).is_file():
        return fail("watchdog", f"{path} is not a file", "point mt5.watchdog.terminal_path at terminal64.exe")
    if rules.config_file is not None and not Path(rules.config_file).is_file():
        return fail(
            "watchdog",
            f"config file {rules.config_file} is not a file",
            "fix mt5.watchdog.config_file (the .ini given as /config:) or remove it",
        )
    extra = " /portable" if rules.portable else ""
    return ok(
        "watchdog", f"restarts {path}{extra} after {rules.heartbeat_failed_min:g} min without a heartbeat"
    )
