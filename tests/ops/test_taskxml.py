"""The Task Scheduler definition: the settings docs/windows.md promises, and an action that runs mt5bot."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import PureWindowsPath

import pytest

from mt5bot.autostart.spec import ServiceSpec, SpecError, build
from mt5bot.autostart.taskxml import encode_for_schtasks, task_xml

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
SPEC = ServiceSpec(
    name="mt5bot",
    python=PureWindowsPath(r"C:\mt5bot\.venv\Scripts\python.exe"),
    config=PureWindowsPath(r"C:\Trading Desk\mt5bot\config.yaml"),
    workdir=PureWindowsPath(r"C:\Trading Desk\mt5bot"),
    account=r"VPS01\trader",
)


def parsed(spec: ServiceSpec = SPEC) -> ET.Element:
    xml = task_xml(spec)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-16"?>\n')
    return ET.fromstring(xml.split("\n", 1)[1])  # noqa: S314 - our own document


def text(root: ET.Element, path: str) -> str | None:
    found = root.find("/".join(f"t:{part}" for part in path.split("/")), NS)
    return None if found is None else found.text


def test_runs_at_the_owners_logon_in_the_owners_session() -> None:
    root = parsed()
    assert text(root, "Triggers/LogonTrigger/UserId") == r"VPS01\trader"
    assert text(root, "Triggers/LogonTrigger/Enabled") == "true"
    assert text(root, "Principals/Principal/UserId") == r"VPS01\trader"
    # the user's own desktop session, where the terminal is; no stored password
    assert text(root, "Principals/Principal/LogonType") == "InteractiveToken"
    assert text(root, "Principals/Principal/RunLevel") == "LeastPrivilege"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("Settings/ExecutionTimeLimit", "PT0S"),  # no time limit
        ("Settings/StartWhenAvailable", "true"),
        ("Settings/MultipleInstancesPolicy", "IgnoreNew"),
        ("Settings/DisallowStartIfOnBatteries", "false"),
        ("Settings/StopIfGoingOnBatteries", "false"),
        ("Settings/IdleSettings/StopOnIdleEnd", "false"),
        ("Settings/Enabled", "true"),
        ("Settings/RestartOnFailure/Interval", "PT1M"),
        ("Settings/RestartOnFailure/Count", "3"),
    ],
)
def test_settings(path: str, value: str) -> None:
    assert text(parsed(), path) == value


def test_the_action_runs_the_supervisor_with_absolute_paths_quoted() -> None:
    root = parsed()
    assert text(root, "Actions/Exec/Command") == r"C:\mt5bot\.venv\Scripts\python.exe"
    arguments = text(root, "Actions/Exec/Arguments")
    assert arguments == r'-m mt5bot --config "C:\Trading Desk\mt5bot\config.yaml" service run'
    assert text(root, "Actions/Exec/WorkingDirectory") == r"C:\Trading Desk\mt5bot"


def test_restart_interval_and_count_are_within_the_schema() -> None:
    root = parsed()
    assert text(root, "Settings/RestartOnFailure/Interval") == "PT1M"  # the schema's minimum is PT1M
    assert 1 <= int(text(root, "Settings/RestartOnFailure/Count") or 0) <= 255  # unsignedByte, min 1


def test_special_characters_are_escaped() -> None:
    spec = ServiceSpec("mt5bot", SPEC.python, SPEC.config, SPEC.workdir, "VPS01\\R&D <ops>")
    assert text(parsed(spec), "Principals/Principal/UserId") == "VPS01\\R&D <ops>"


def test_written_as_utf16_with_a_byte_order_mark() -> None:
    raw = encode_for_schtasks(task_xml(SPEC))
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert raw.decode("utf-16") == task_xml(SPEC)


def test_arguments_split_back_into_the_same_argv() -> None:
    # Windows programs split their command line like list2cmdline joins it: check the round trip on
    # the arguments a path with spaces produces.
    args = SPEC.supervise_args()
    joined = subprocess.list2cmdline(args[1:])
    assert '"C:\\Trading Desk\\mt5bot\\config.yaml"' in joined


@pytest.mark.parametrize("name", ["", "mt5 bot", "a/b", 'x"y'])
def test_bad_names_are_refused(tmp_path: object, name: str) -> None:
    with pytest.raises(SpecError):
        build(name, SPEC.config, "trader", python="/usr/bin/python3")  # type: ignore[arg-type]


def test_relative_interpreter_is_refused() -> None:
    with pytest.raises(SpecError, match="absolute"):
        build("mt5bot", SPEC.config, "trader", python="python")  # type: ignore[arg-type]
