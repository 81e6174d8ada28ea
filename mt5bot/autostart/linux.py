"""mt5bot as a systemd unit on Linux: install (write the unit, enable, start), remove, start, stop, status.

As root the unit is a system unit (/etc/systemd/system, run as the account given); otherwise a user unit
(~/.config/systemd/user; `loginctl enable-linger USER` makes it start at boot without a login). Every
call into systemd is a `systemctl` run through `Command`; stopping is systemd's SIGTERM, on which
`mt5bot serve` shuts down cleanly.
"""

from __future__ import annotations

from pathlib import Path

from mt5bot.autostart.hosts import Command, Report, State, checked
from mt5bot.autostart.spec import ServiceSpec
from mt5bot.autostart.systemd_unit import UnitOptions, unit_text

SYSTEM_UNITS = Path("/etc/systemd/system")
STATES = {
    "active": State.RUNNING,
    "reloading": State.RUNNING,
    "inactive": State.STOPPED,
    "failed": State.FAILED,
    "activating": State.STARTING,
    "deactivating": State.STOPPING,
}


def user_units(home: Path) -> Path:
    """Where a user's own units live."""
    return home / ".config" / "systemd" / "user"


def parse_show(out: str) -> State:
    """The state from `systemctl show -p LoadState -p ActiveState` (KEY=value lines)."""
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if values.get("LoadState") in (None, "not-found"):
        return State.MISSING
    return STATES.get(values.get("ActiveState", ""), State.UNKNOWN)


class Systemd:
    """The Linux manager of `mt5bot service`."""

    def __init__(self, command: Command, unit_dir: Path, user_mode: bool) -> None:
        self.command = command
        self.unit_dir = unit_dir
        self.user_mode = user_mode

    def _systemctl(self, *args: str) -> list[str]:
        return ["systemctl", *(["--user"] if self.user_mode else []), *args]

    def unit_file(self, name: str) -> Path:
        """The unit file of service `name`."""
        return self.unit_dir / f"{name}.service"

    def query(self, name: str) -> State:
        """The unit's state (MISSING when systemd does not know it). `systemctl show` answers an unknown
        unit with LoadState=not-found; failing means systemd itself is not reachable (HostError)."""
        argv = self._systemctl("show", f"{name}.service", "-p", "LoadState", "-p", "ActiveState")
        return parse_show(checked(self.command, argv).out)

    def install(self, spec: ServiceSpec, after_wine: bool = False) -> Report:
        """Write the unit, reload systemd, enable it at boot and start it (restart it if it was running)."""
        path = self.unit_file(spec.name)
        before = self.query(spec.name) if path.exists() else State.MISSING
        text = unit_text(spec, UnitOptions(user_mode=self.user_mode, after_wine=after_wine))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        checked(self.command, self._systemctl("daemon-reload"))
        checked(self.command, self._systemctl("enable", "--now", f"{spec.name}.service"))
        verb = "installed"
        if before is not State.MISSING:
            verb = "updated"
            checked(self.command, self._systemctl("restart", f"{spec.name}.service"))
        mode = "user unit" if self.user_mode else f"system unit, runs as {spec.account}"
        return Report(True, f"{verb} {path} ({mode}); enabled at boot and running")

    def start(self, name: str) -> Report:
        """`systemctl start`."""
        if self.query(name) is State.MISSING:
            return _missing(name)
        checked(self.command, self._systemctl("start", f"{name}.service"))
        return Report(True, f"{name} started")

    def stop(self, name: str) -> Report:
        """`systemctl stop`: SIGTERM, and systemd waits for the clean shutdown (TimeoutStopSec)."""
        if self.query(name) is State.MISSING:
            return _missing(name)
        checked(self.command, self._systemctl("stop", f"{name}.service"))
        return Report(True, f"{name} stopped")

    def remove(self, name: str) -> Report:
        """Disable and stop the unit, delete its file, reload; a unit that is not there is said so."""
        path = self.unit_file(name)
        if not path.exists():
            return Report(True, f"no unit {path} is installed: nothing to remove")
        if self.query(name) is not State.MISSING:
            checked(self.command, self._systemctl("disable", "--now", f"{name}.service"))
        path.unlink()
        checked(self.command, self._systemctl("daemon-reload"))
        return Report(True, f"removed {path}")

    def status(self, name: str) -> Report:
        """One line: the unit's state."""
        state = self.query(name)
        return Report(state is State.RUNNING, f"{name}: {state}")


def _missing(name: str) -> Report:
    return Report(False, f"no unit {name}.service is installed; install it with `mt5bot service install`")
