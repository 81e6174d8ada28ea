"""Fakes of the host programs `mt5bot service` runs: schtasks.exe with PowerShell's Get-ScheduledTask, and
systemctl. Only these programs are faked; everything that decides what to run is the real code.

The fake Task Scheduler really runs a task's action (Command, Arguments, WorkingDirectory from the XML it
was given) as a process when asked to, so a test can install, start and stop a real mt5bot through it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mt5bot.autostart.hosts import Outcome
from mt5bot.autostart.spec import stop_file_in

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
NO_TASK = "ERROR: The system cannot find the file specified."


@dataclass
class FakeTask:
    xml: str
    command: str
    arguments: str
    workdir: str
    state: str = "Ready"
    process: subprocess.Popen[bytes] | None = None
    ended: int = 0


@dataclass
class FakeWindows:
    """schtasks /Create /XML, /Run, /End, /Delete and `Get-ScheduledTask` over a dict of tasks.

    `spawn`: /Run starts the action as a real process; else the task only pretends, and honours a stop
    request (the stop file) at the next query when `cooperative`."""

    spawn: bool = False
    cooperative: bool = True
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str]) -> Outcome:
        self.calls.append(list(argv))
        if argv[0] == "powershell.exe":
            return self._query(argv[-1])
        assert argv[0] == "schtasks.exe", argv
        verb, name = argv[1], argv[argv.index("/TN") + 1]
        handler = {"/Create": self._create, "/Run": self._run, "/End": self._end, "/Delete": self._delete}[
            verb
        ]
        return handler(name, list(argv))

    def _create(self, name: str, argv: list[str]) -> Outcome:
        if name in self.tasks and "/F" not in argv:
            return Outcome(1, "", "ERROR: Cannot create a file when that file already exists.")
        raw = Path(argv[argv.index("/XML") + 1]).read_bytes()
        xml = raw.decode("utf-16")  # schtasks refuses other encodings than its own export's
        root = ET.fromstring(xml.split("\n", 1)[1])  # noqa: S314 - our own generated document
        exec_ = root.find("t:Actions/t:Exec", NS)
        assert exec_ is not None

        def text(tag: str) -> str:
            found = exec_.find(f"t:{tag}", NS)
            return found.text or "" if found is not None else ""

        old = self.tasks.get(name)
        self.tasks[name] = FakeTask(xml, text("Command"), text("Arguments"), text("WorkingDirectory"))
        if old is not None:  # replacing a definition does not touch a running instance
            self.tasks[name].state, self.tasks[name].process = old.state, old.process
        return Outcome(0, f'SUCCESS: The scheduled task "{name}" has successfully been created.')

    def _run(self, name: str, argv: list[str]) -> Outcome:
        task = self.tasks.get(name)
        if task is None:
            return Outcome(1, "", NO_TASK)
        if self.spawn and task.state != "Running":
            args = [task.command, *shlex.split(task.arguments)]
            task.process = subprocess.Popen(args, cwd=task.workdir, stderr=subprocess.DEVNULL)
        task.state = "Running"
        return Outcome(0, f'SUCCESS: Attempted to run the scheduled task "{name}".')

    def _end(self, name: str, argv: list[str]) -> Outcome:
        task = self.tasks.get(name)
        if task is None:
            return Outcome(1, "", NO_TASK)
        if task.process is not None and task.process.poll() is None:
            task.process.kill()  # what ending a task does: no clean shutdown
            task.process.wait(30)
        task.state, task.ended = "Ready", task.ended + 1
        return Outcome(0, f'SUCCESS: The scheduled task "{name}" has been terminated successfully.')

    def _delete(self, name: str, argv: list[str]) -> Outcome:
        if self.tasks.pop(name, None) is None:
            return Outcome(1, "", NO_TASK)
        return Outcome(0, f'SUCCESS: The scheduled task "{name}" was successfully deleted.')

    def _query(self, script: str) -> Outcome:
        match = re.search(r"-TaskName '([^']+)'", script)
        assert match, script
        task = self.tasks.get(match.group(1))
        if task is None:
            return Outcome(1, "", "Get-ScheduledTask : No MSFT_ScheduledTask objects found")
        self._settle(task)
        return Outcome(0, f"{task.state}|{task.workdir}\r\n")

    def _settle(self, task: FakeTask) -> None:
        if task.process is not None:
            if task.process.poll() is not None:
                task.state = "Ready"
            return
        stop = Path(stop_file_in(Path(task.workdir)))
        if task.state == "Running" and self.cooperative and stop.exists():
            stop.unlink()
            task.state = "Ready"


@dataclass
class FakeSystemctl:
    """systemctl [--user] daemon-reload, enable/disable --now, start, stop, restart, show, over unit files
    in `unit_dir` (units are known only after a daemon-reload, as with systemd)."""

    unit_dir: Path
    loaded: set[str] = field(default_factory=set)
    enabled: set[str] = field(default_factory=set)
    active: dict[str, str] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str]) -> Outcome:
        self.calls.append(list(argv))
        args = list(argv[1:])
        if args and args[0] == "--user":
            args = args[1:]
        verb, rest = args[0], [a.removesuffix(".service") for a in args[1:] if not a.startswith("-")]
        if verb == "daemon-reload":
            self.loaded = {p.stem for p in self.unit_dir.glob("*.service")}
            return Outcome(0)
        unit = rest[0]
        if verb == "show":
            if unit not in self.loaded:
                return Outcome(0, "LoadState=not-found\nActiveState=inactive\n")
            return Outcome(0, f"LoadState=loaded\nActiveState={self.active.get(unit, 'inactive')}\n")
        if unit not in self.loaded:
            return Outcome(5, "", f"Failed to {verb} {unit}.service: Unit {unit}.service not found.")
        return self._change(verb, unit, "--now" in args)

    def _change(self, verb: str, unit: str, now: bool) -> Outcome:
        if verb == "enable":
            self.enabled.add(unit)
        if verb == "disable":
            self.enabled.discard(unit)
        if verb in ("start", "restart") or (verb == "enable" and now):
            self.active[unit] = "active"
        if verb == "stop" or (verb == "disable" and now):
            self.active[unit] = "inactive"
        return Outcome(0)
