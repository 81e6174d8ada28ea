"""mt5bot as a Task Scheduler task on Windows: install, remove, start, stop (cleanly), status.

Every call into the Task Scheduler is one program run through `Command`: `schtasks.exe` to create, run,
end and delete, and PowerShell's `Get-ScheduledTask` to read the state (its `State` is an enum name,
Ready/Running/Disabled/Queued, whatever the system language; schtasks' own status column is translated).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mt5bot import stopfile
from mt5bot.autostart.hosts import Command, Report, State, checked
from mt5bot.autostart.spec import ServiceSpec, stop_file_in
from mt5bot.autostart.taskxml import encode_for_schtasks, task_xml

STATES = {
    "Ready": State.STOPPED,
    "Running": State.RUNNING,
    "Queued": State.STARTING,
    "Disabled": State.DISABLED,
}
STOP_WAIT_SEC = 45.0
POLL_SEC = 0.5


@dataclass(frozen=True)
class Installed:
    """An installed task as the Task Scheduler reports it."""

    state: State
    workdir: str | None


def parse_query(out: str) -> Installed:
    """`State|WorkingDirectory`, as printed by `query_argv`'s script."""
    raw_state, _, workdir = out.strip().partition("|")
    state = STATES.get(raw_state.strip(), State.UNKNOWN)
    return Installed(state, workdir.strip() or None)


def query_argv(name: str) -> list[str]:
    """PowerShell printing the task's state and working directory, exiting 1 when there is no such task."""
    script = (
        f"$t = Get-ScheduledTask -TaskName '{name}' -ErrorAction Stop; "
        '"$($t.State)|$($t.Actions[0].WorkingDirectory)"'
    )
    return ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script]


class TaskScheduler:
    """The Windows manager of `mt5bot service`."""

    def __init__(
        self,
        command: Command,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        stop_wait: float = STOP_WAIT_SEC,
    ) -> None:
        self.command = command
        self.sleep = sleep
        self.clock = clock
        self.stop_wait = stop_wait

    def query(self, name: str) -> Installed:
        """The task's state (MISSING when there is none)."""
        outcome = self.command(query_argv(name))
        if outcome.code != 0:
            return Installed(State.MISSING, None)
        return parse_query(outcome.out)

    def install(self, spec: ServiceSpec) -> Report:
        """Create or replace the task, then start it (it would otherwise wait for the next logon)."""
        before = self.query(spec.name)
        with tempfile.TemporaryDirectory() as folder:
            xml_file = Path(folder) / f"{spec.name}.xml"
            xml_file.write_bytes(encode_for_schtasks(task_xml(spec)))
            checked(self.command, ["schtasks.exe", "/Create", "/TN", spec.name, "/XML", str(xml_file), "/F"])
        verb = "installed" if before.state is State.MISSING else "updated"
        lines = [f"{verb} task {spec.name!r}: runs at the logon of {spec.account} from {spec.workdir}"]
        if before.state is State.RUNNING:
            lines.append("it is running the old definition: `mt5bot service stop` then `start` to switch")
        else:
            checked(self.command, ["schtasks.exe", "/Run", "/TN", spec.name])
            lines.append("started; logs: logs/mt5bot.log under that folder")
        return Report(True, "\n".join(lines))

    def start(self, name: str) -> Report:
        """Run the task now."""
        found = self.query(name)
        if found.state is State.MISSING:
            return _missing(name)
        if found.state is State.RUNNING:
            return Report(True, f"{name} is already running")
        checked(self.command, ["schtasks.exe", "/Run", "/TN", name])
        return Report(True, f"{name} started")

    def stop(self, name: str) -> Report:
        """Ask the service to stop by its stop file and wait; end the task only if it does not stop."""
        found = self.query(name)
        if found.state is State.MISSING:
            return _missing(name)
        if found.state is not State.RUNNING:
            return Report(True, f"{name} is not running ({found.state})")
        if found.workdir is not None:
            stopfile.request(Path(stop_file_in(Path(found.workdir))))
            if self._wait_until_stopped(name):
                return Report(True, f"{name} stopped cleanly")
        checked(self.command, ["schtasks.exe", "/End", "/TN", name])
        late = f"{name} did not stop within {self.stop_wait:.0f} s"
        return Report(False, f"{late}; the task was ended (no clean shutdown)")

    def _wait_until_stopped(self, name: str) -> bool:
        deadline = self.clock() + self.stop_wait
        while self.clock() < deadline:
            if self.query(name).state is not State.RUNNING:
                return True
            self.sleep(POLL_SEC)
        return False

    def remove(self, name: str) -> Report:
        """Stop the task if it runs, then delete it; a task that is not there is said so, not an error."""
        found = self.query(name)
        if found.state is State.MISSING:
            return Report(True, f"no task named {name!r} is installed: nothing to remove")
        lines = []
        if found.state is State.RUNNING:
            lines.append(self.stop(name).message)
        checked(self.command, ["schtasks.exe", "/Delete", "/TN", name, "/F"])
        lines.append(f"removed task {name!r}")
        return Report(True, "\n".join(lines))

    def status(self, name: str) -> Report:
        """One line: the state, and where it runs from."""
        found = self.query(name)
        if found.state is State.MISSING:
            return Report(False, f"{name}: {State.MISSING}")
        where = f" (from {found.workdir})" if found.workdir else ""
        return Report(found.state is State.RUNNING, f"{name}: {found.state}{where}")


def _missing(name: str) -> Report:
    return Report(False, f"no task named {name!r} is installed; install it with `mt5bot service install`")
