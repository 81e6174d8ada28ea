"""The Task Scheduler definition (`schtasks /Create /XML`) of mt5bot on Windows, as plain data.

Element names, order and limits follow Microsoft's Task Scheduler schema (docs/windows.md cites each):
a logon trigger for the terminal's owner, run only while that user is logged on (`InteractiveToken`: in
the user's desktop session, where the terminal is, and no password stored), start when available, no
execution time limit, no stop on batteries or idle, one instance, and restart if the task fails. What
restarts mt5bot after a crash is `mt5bot service run` (supervise.py): the schema does not say that a
program's exit code counts as a task failure.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from mt5bot.autostart.spec import ServiceSpec

NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
RESTART_INTERVAL = "PT1M"  # the schema's minimum
RESTART_COUNT = 3  # a failed launch is retried; crashes are handled by the supervisor
LOGON_DELAY = "PT30S"  # let the desktop and the network come up first


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def task_xml(spec: ServiceSpec, description: str = "mt5bot: MetaTrader 5 assistant (mt5bot service)") -> str:
    """The task's XML document (write it with `encode_for_schtasks`: UTF-16, as schtasks expects)."""
    task = ET.Element("Task", {"version": "1.2", "xmlns": NS})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Description", description)
    _sub(info, "URI", f"\\{spec.name}")

    trigger = _sub(_sub(task, "Triggers"), "LogonTrigger")
    _sub(trigger, "Enabled", "true")
    _sub(trigger, "UserId", spec.account)
    _sub(trigger, "Delay", LOGON_DELAY)

    principal = _sub(_sub(task, "Principals"), "Principal", None)
    principal.set("id", "Author")
    _sub(principal, "UserId", spec.account)
    _sub(principal, "LogonType", "InteractiveToken")
    _sub(principal, "RunLevel", "LeastPrivilege")

    _settings(_sub(task, "Settings"))

    actions = _sub(task, "Actions", None)
    actions.set("Context", "Author")
    exec_ = _sub(actions, "Exec")
    args = spec.supervise_args()
    _sub(exec_, "Command", args[0])
    _sub(exec_, "Arguments", command_line(args[1:]))
    _sub(exec_, "WorkingDirectory", str(spec.workdir))
    ET.indent(task)
    body = ET.tostring(task, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + body + "\n"


def _settings(settings: ET.Element) -> None:
    _sub(settings, "MultipleInstancesPolicy", "IgnoreNew")
    _sub(settings, "DisallowStartIfOnBatteries", "false")
    _sub(settings, "StopIfGoingOnBatteries", "false")
    _sub(settings, "AllowHardTerminate", "true")
    _sub(settings, "StartWhenAvailable", "true")
    _sub(settings, "RunOnlyIfNetworkAvailable", "false")
    idle = _sub(settings, "IdleSettings")
    _sub(idle, "StopOnIdleEnd", "false")
    _sub(idle, "RestartOnIdle", "false")
    _sub(settings, "AllowStartOnDemand", "true")
    _sub(settings, "Enabled", "true")
    _sub(settings, "Hidden", "false")
    _sub(settings, "RunOnlyIfIdle", "false")
    _sub(settings, "WakeToRun", "false")
    _sub(settings, "ExecutionTimeLimit", "PT0S")  # no limit: the task runs until stopped
    _sub(settings, "Priority", "7")  # the default for tasks: normal priority
    restart = _sub(settings, "RestartOnFailure")
    _sub(restart, "Interval", RESTART_INTERVAL)
    _sub(restart, "Count", str(RESTART_COUNT))


def command_line(args: Sequence[str]) -> str:
    """Arguments quoted the way a Windows program's C runtime splits them back (paths with spaces)."""
    return subprocess.list2cmdline(list(args))


def encode_for_schtasks(xml: str) -> bytes:
    """UTF-16 with a byte order mark: what `schtasks /Create /XML` reads (and exports)."""
    return xml.encode("utf-16")
