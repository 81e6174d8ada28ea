"""`mt5bot service` on Windows against a fake of schtasks.exe and Get-ScheduledTask (tests/ops/fakes.py)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest

from mt5bot.autostart.hosts import Command, Outcome, State
from mt5bot.autostart.spec import ServiceSpec, stop_file_in
from mt5bot.autostart.windows import TaskScheduler, parse_query
from mt5bot.service_cli import act
from tests.ops.fakes import FakeWindows


class Clock:
    """A clock the manager's waits advance, so a wait for a stop takes no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def manager(fake: Command, stop_wait: float = 10.0) -> TaskScheduler:
    clock = Clock()
    return TaskScheduler(fake, sleep=clock.sleep, clock=clock, stop_wait=stop_wait)


def test_install_creates_the_task_and_starts_it(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    report = manager(fake).install(spec)
    assert report.ok and report.message.startswith("installed task 'mt5bot'")
    task = fake.tasks["mt5bot"]
    assert task.command == str(spec.python) and task.workdir == str(spec.workdir)
    assert task.state == "Running"
    create = next(c for c in fake.calls if c[:2] == ["schtasks.exe", "/Create"])
    assert create[-1] == "/F"  # replaces an earlier definition: install is idempotent


def test_install_again_updates_without_touching_the_running_instance(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    tasks = manager(fake)
    tasks.install(spec)
    again = tasks.install(spec)
    assert again.ok and again.message.startswith("updated task 'mt5bot'")
    assert "stop` then `start`" in again.message
    assert len(fake.tasks) == 1
    assert sum(c[:2] == ["schtasks.exe", "/Run"] for c in fake.calls) == 1


def test_install_over_a_stopped_task_starts_it(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    tasks = manager(fake)
    tasks.install(spec)
    fake.tasks["mt5bot"].state = "Ready"
    assert tasks.install(spec).message.startswith("updated")
    assert fake.tasks["mt5bot"].state == "Running"


def test_stop_asks_by_the_stop_file_and_does_not_end_the_task(spec: ServiceSpec) -> None:
    fake = FakeWindows(cooperative=True)
    tasks = manager(fake)
    tasks.install(spec)
    report = tasks.stop("mt5bot")
    assert report.ok and report.message == "mt5bot stopped cleanly"
    assert fake.tasks["mt5bot"].ended == 0
    assert not Path(stop_file_in(spec.workdir)).exists()  # consumed by the service


def test_a_service_that_does_not_stop_is_ended_and_said_so(spec: ServiceSpec) -> None:
    fake = FakeWindows(cooperative=False)
    tasks = manager(fake, stop_wait=5)
    tasks.install(spec)
    report = tasks.stop("mt5bot")
    assert not report.ok
    assert "did not stop within 5 s" in report.message and "no clean shutdown" in report.message
    assert fake.tasks["mt5bot"].ended == 1


def test_stop_and_start_of_a_task_in_each_state(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    tasks = manager(fake)
    assert not tasks.start("mt5bot").ok
    assert "mt5bot service install" in tasks.stop("mt5bot").message
    tasks.install(spec)
    assert tasks.start("mt5bot").message == "mt5bot is already running"
    tasks.stop("mt5bot")
    assert tasks.stop("mt5bot").message == "mt5bot is not running (stopped)"
    assert tasks.start("mt5bot").message == "mt5bot started"


def test_remove_stops_then_deletes_and_a_missing_task_is_a_clear_message(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    tasks = manager(fake)
    tasks.install(spec)
    report = tasks.remove("mt5bot")
    assert report.ok and report.message.splitlines() == ["mt5bot stopped cleanly", "removed task 'mt5bot'"]
    assert fake.tasks == {}
    again = tasks.remove("mt5bot")
    assert again.ok and again.message == "no task named 'mt5bot' is installed: nothing to remove"


@pytest.mark.parametrize(
    ("out", "state"),
    [
        ("Running|C:\\mt5bot\r\n", State.RUNNING),
        ("Ready|C:\\mt5bot", State.STOPPED),
        ("Queued|C:\\mt5bot", State.STARTING),
        ("Disabled|C:\\mt5bot", State.DISABLED),
        ("Unknown|", State.UNKNOWN),
    ],
)
def test_state_mapping(out: str, state: State) -> None:
    assert parse_query(out).state is state


def test_status_lines(spec: ServiceSpec) -> None:
    fake = FakeWindows()
    tasks = manager(fake)
    assert tasks.status("mt5bot").message == "mt5bot: not installed"
    tasks.install(spec)
    status = tasks.status("mt5bot")
    assert status.ok and status.message == f"mt5bot: running (from {spec.workdir})"


def _args(action: str, config: Path | None = None, **extra: object) -> argparse.Namespace:
    values = {"action": action, "name": "mt5bot", "account": None, "wine": False, "user_mode": None}
    return argparse.Namespace(config=str(config) if config else None, **{**values, **extra})


def test_cli_install_uses_the_windows_account_and_exit_codes(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeWindows()
    env = {"USERDOMAIN": "VPS01", "USERNAME": "trader"}
    assert act(_args("install", config), manager(fake), env) == 0
    assert "runs at the logon of VPS01\\trader" in capsys.readouterr().out
    assert "<UserId>VPS01\\trader</UserId>" in fake.tasks["mt5bot"].xml
    assert act(_args("status"), manager(fake), env) == 0
    fake.tasks["mt5bot"].state = "Ready"
    assert act(_args("status"), manager(fake), env) == 3  # not running, as systemctl and LSB say


def test_cli_install_without_a_config_file_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert act(_args("install", missing), manager(FakeWindows()), {"USERNAME": "u"}) == 2
    assert f"{missing}: no such config file" in capsys.readouterr().err


def test_cli_reports_a_refusal_of_schtasks(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeWindows()
    assert act(_args("start"), manager(fake), {}) == 1  # nothing installed

    def denied(argv: Sequence[str]) -> Outcome:
        if list(argv[:2]) == ["schtasks.exe", "/Create"]:
            return Outcome(1, "", "ERROR: Access is denied.")
        return fake(argv)

    assert act(_args("install", config), manager(denied), {"USERNAME": "u"}) == 1
    assert "ERROR: Access is denied." in capsys.readouterr().err
