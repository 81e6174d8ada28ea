"""The watchdog line: its terminal and start-up file are checked now, not when a restart is due."""

from __future__ import annotations

from pathlib import Path

from mt5bot.doctor import Status
from tests.doctor.conftest import Setup


async def test_an_off_watchdog_is_a_skip_saying_what_that_means(setup: Setup) -> None:
    line = (await setup.checks())["watchdog"]
    assert line.status is Status.SKIP and "nothing restarts" in line.detail


async def test_a_missing_terminal_fails_with_the_key_to_fix(setup: Setup, tmp_path: Path) -> None:
    setup.write(
        mt5={"watchdog": {"enabled": True, "terminal_path": str(tmp_path / "nope" / "terminal64.exe")}}
    )
    line = (await setup.checks())["watchdog"]
    assert line.status is Status.FAIL and "is not a file" in line.detail
    assert line.hint is not None and "mt5.watchdog.terminal_path" in line.hint


async def test_mt5_path_is_the_default_and_a_missing_config_file_fails(setup: Setup, tmp_path: Path) -> None:
    exe = tmp_path / "terminal64.exe"
    exe.write_bytes(b"MZ")
    setup.write(mt5={"path": str(exe), "watchdog": {"enabled": True, "portable": True}})
    line = (await setup.checks())["watchdog"]
    assert line.status is Status.OK and str(exe) in line.detail and "/portable" in line.detail
    setup.write(mt5={"watchdog": {"config_file": str(tmp_path / "start.ini")}})
    line = (await setup.checks())["watchdog"]
    assert line.status is Status.FAIL and "start.ini" in line.detail
