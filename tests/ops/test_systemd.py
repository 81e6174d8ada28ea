"""The systemd units: generated and shipped ones pass `systemd-analyze verify`, and the manager drives
systemctl (a fake of it) to install, start, stop and remove."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import pytest

from mt5bot.autostart.hosts import Outcome, State
from mt5bot.autostart.linux import SYSTEM_UNITS, Systemd, parse_show
from mt5bot.autostart.spec import ServiceSpec
from mt5bot.autostart.systemd_unit import UnitOptions, unit_text
from mt5bot.autostart.windows import TaskScheduler
from mt5bot.service_cli import act, manager_for
from tests.ops.fakes import FakeSystemctl

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
OPT = ServiceSpec(
    "mt5bot",
    PurePosixPath("/opt/mt5bot/.venv/bin/python"),
    PurePosixPath("/opt/mt5bot/config.yaml"),
    PurePosixPath("/opt/mt5bot"),
    "mt5bot",
)


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on one unit file (CI installs Debian's systemd; elsewhere it may skip)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing in CI: apt-get install systemd")
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    return subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, check=False, cwd=unit.parent
    )


def runnable(text: str, python: str) -> str:
    """The unit with its programs swapped for ones that exist here (verify checks ExecStart's program)."""
    return text.replace(str(OPT.python), python).replace(
        "/usr/bin/xvfb-run", shutil.which("env") or "/usr/bin/env"
    )


def test_the_shipped_unit_is_the_rendered_one() -> None:
    shipped = (SCRIPTS / "mt5bot.service").read_text()
    body = "\n".join(
        line for line in shipped.splitlines() if not line.startswith("#") or line.startswith("# Secrets")
    )
    assert body + "\n" == unit_text(OPT, UnitOptions(after_wine=True))


@pytest.mark.parametrize("unit", ["mt5bot.service", "mt5-rpyc.service"])
def test_shipped_units_verify(tmp_path: Path, unit: str) -> None:
    path = tmp_path / unit
    path.write_text(runnable((SCRIPTS / unit).read_text(), sys.executable))
    done = verify(path)
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr and "ignoring" not in done.stderr.lower(), done.stderr


@pytest.mark.parametrize(("user_mode", "wine"), [(False, False), (False, True), (True, False)])
def test_generated_units_verify(tmp_path: Path, user_mode: bool, wine: bool) -> None:
    spec = ServiceSpec("mt5bot", Path(sys.executable), tmp_path / "config.yaml", tmp_path, "root")
    path = tmp_path / "mt5bot.service"
    path.write_text(unit_text(spec, UnitOptions(user_mode=user_mode, after_wine=wine)))
    done = verify(path)
    assert done.returncode == 0, done.stderr
    assert "ignoring" not in done.stderr.lower(), done.stderr


def _lines(text: str) -> set[str]:
    return set(text.splitlines())


def test_system_unit_is_hardened_but_may_write_its_folder() -> None:
    lines = _lines(unit_text(OPT))
    assert {"User=mt5bot", "WorkingDirectory=/opt/mt5bot", "ReadWritePaths=/opt/mt5bot"} <= lines
    assert {"ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes"} <= lines
    assert {"Restart=on-failure", "RestartSec=5", "KillSignal=SIGTERM", "TimeoutStopSec=45"} <= lines
    assert "ExecStart=/opt/mt5bot/.venv/bin/python -m mt5bot --config /opt/mt5bot/config.yaml serve" in lines
    assert "WantedBy=multi-user.target" in lines
    assert not any("mt5-rpyc" in line for line in lines)


def test_user_unit_has_no_user_and_no_sandbox() -> None:
    lines = _lines(unit_text(OPT, UnitOptions(user_mode=True)))
    assert not any(line.startswith(("User=", "ProtectSystem=")) for line in lines)
    assert "WantedBy=default.target" in lines


def test_wine_backend_starts_after_the_rpyc_server() -> None:
    lines = _lines(unit_text(OPT, UnitOptions(after_wine=True)))
    assert "After=network-online.target mt5-rpyc.service" in lines
    assert "Wants=network-online.target mt5-rpyc.service" in lines


def test_paths_with_spaces_are_refused() -> None:
    spec = ServiceSpec(
        "mt5bot", OPT.python, PurePosixPath("/srv/my bot/config.yaml"), PurePosixPath("/srv/my bot"), "x"
    )
    with pytest.raises(ValueError, match="spaces"):
        unit_text(spec)


@pytest.mark.parametrize(
    ("out", "state"),
    [
        ("LoadState=not-found\nActiveState=inactive\n", State.MISSING),
        ("LoadState=loaded\nActiveState=active\n", State.RUNNING),
        ("LoadState=loaded\nActiveState=failed\n", State.FAILED),
        ("LoadState=loaded\nActiveState=activating\n", State.STARTING),
        ("LoadState=loaded\nActiveState=inactive\n", State.STOPPED),
    ],
)
def test_state_mapping(out: str, state: State) -> None:
    assert parse_show(out) is state


def test_install_start_stop_remove(tmp_path: Path, spec: ServiceSpec) -> None:
    units = tmp_path / "units"
    fake = FakeSystemctl(units)
    systemd = Systemd(fake, units, user_mode=False)
    report = systemd.install(spec)
    assert report.ok and report.message.startswith(f"installed {units / 'mt5bot.service'}")
    assert fake.enabled == {"mt5bot"} and fake.active["mt5bot"] == "active"
    assert f"WorkingDirectory={spec.workdir}" in (units / "mt5bot.service").read_text()
    assert systemd.status("mt5bot").message == "mt5bot: running"
    assert systemd.stop("mt5bot").ok and systemd.status("mt5bot").message == "mt5bot: stopped"
    assert systemd.start("mt5bot").ok
    again = systemd.install(spec)
    assert again.message.startswith("updated") and ["systemctl", "restart", "mt5bot.service"] in fake.calls
    assert systemd.remove("mt5bot").message == f"removed {units / 'mt5bot.service'}"
    assert not (units / "mt5bot.service").exists() and fake.enabled == set()
    assert systemd.remove("mt5bot").message.endswith("nothing to remove")
    assert not systemd.stop("mt5bot").ok


def test_user_mode_talks_to_the_user_manager(tmp_path: Path, spec: ServiceSpec) -> None:
    fake = FakeSystemctl(tmp_path)
    Systemd(fake, tmp_path, user_mode=True).install(spec)
    assert all(call[:2] == ["systemctl", "--user"] for call in fake.calls)
    assert "User=" not in (tmp_path / "mt5bot.service").read_text()


def _cli_args(user_mode: bool | None) -> argparse.Namespace:
    return argparse.Namespace(user_mode=user_mode, timeout=45.0)


@pytest.mark.parametrize(
    ("platform", "euid", "flag", "expected"),
    [
        ("win32", 0, None, "TaskScheduler"),
        ("linux", 0, None, "system"),
        ("linux", 1000, None, "user"),
        ("linux", 0, True, "user"),
        ("linux", 1000, False, "system"),
    ],
)
def test_which_manager(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    platform: str,
    euid: int,
    flag: bool | None,
    expected: str,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: euid, raising=False)
    chosen = manager_for(platform, FakeSystemctl(tmp_path), {"HOME": str(tmp_path)}, _cli_args(flag))
    if expected == "TaskScheduler":
        assert isinstance(chosen, TaskScheduler)
        return
    assert isinstance(chosen, Systemd)
    assert chosen.user_mode is (expected == "user")
    assert chosen.unit_dir == (tmp_path / ".config/systemd/user" if expected == "user" else SYSTEM_UNITS)


def test_no_systemd_is_said_so_not_taken_for_a_missing_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_bus(argv: Sequence[str]) -> Outcome:
        return Outcome(
            1,
            "",
            "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
            "Failed to connect to bus: Host is down\n",
        )

    args = argparse.Namespace(action="status", name="mt5bot", config=None)
    assert act(args, Systemd(no_bus, tmp_path, user_mode=False), {}) == 1
    assert "Failed to connect to bus: Host is down" in capsys.readouterr().err
