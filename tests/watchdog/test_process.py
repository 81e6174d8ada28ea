"""The psutil controller against a real stand-in process: found by its path, stopped, started."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from mt5bridge.terminal.watchdog import TerminalProcess
from mt5bridge.terminal.watchdog.process import is_terminal
from tests.watchdog.stand import FakeTerminal, install, settings_for, wait_for


def controller(fake: FakeTerminal) -> TerminalProcess:
    return TerminalProcess.from_settings(settings_for(fake))


def test_finds_its_terminal_by_path_not_by_name_alone(fake: FakeTerminal, tmp_path: Path) -> None:
    other = install(tmp_path / "other")  # another terminal64.exe elsewhere (another broker's)
    ours, theirs = fake.launch(), other.launch()
    try:
        wait_for(lambda: fake.started() == {ours.pid} and other.started() == {theirs.pid})
        assert [p.pid for p in controller(fake).find()] == [ours.pid]
    finally:
        for child in (ours, theirs):
            child.kill()
            child.wait()


def test_a_killed_terminal_is_not_alive(fake: FakeTerminal) -> None:
    child = fake.launch()
    process = controller(fake)
    wait_for(process.alive)
    os.kill(child.pid, signal.SIGKILL)
    wait_for(lambda: not process.alive())  # a zombie (not yet reaped) does not count
    child.wait()


def test_stop_then_start_with_portable_and_config(fake: FakeTerminal) -> None:
    child = fake.launch()
    process = controller(fake)
    wait_for(lambda: fake.started() == {child.pid})
    assert process.stop(timeout=2.0) == 1
    assert child.wait(timeout=2.0) == 0  # SIGTERM: it quit by itself
    pid = process.start()
    wait_for(lambda: pid in fake.started())
    assert pid != child.pid and fake.pids() == {pid}
    assert fake.starts()[-1] == {"pid": pid, "argv": ["/portable", "/config:start.ini"]}
    assert process.stop(timeout=2.0) == 1
    wait_for(lambda: not process.alive())


def test_a_terminal_that_ignores_the_stop_is_killed(
    fake: FakeTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TERMINAL_MODE", "stubborn")
    child = fake.launch()
    wait_for(lambda: fake.started() == {child.pid})
    process = controller(fake)
    assert process.stop(timeout=0.3) == 1
    child.wait(timeout=2.0)  # (psutil reaped it already: no exit status is left to read)
    assert fake.pids() == set()  # it ignores SIGTERM, so it was killed


def test_zombies_and_other_names_do_not_match() -> None:
    info = {
        "name": "terminal64.exe",
        "exe": "/x/terminal64.exe",
        "cmdline": ["/x/terminal64.exe"],
        "status": "running",
    }
    assert is_terminal(info, "/x/terminal64.exe", "terminal64.exe")
    assert is_terminal({**info, "name": "TERMINAL64.EXE"}, "/x/terminal64.exe", "terminal64.exe")
    assert not is_terminal({**info, "status": "zombie"}, "/x/terminal64.exe", "terminal64.exe")
    assert not is_terminal({**info, "name": "metaeditor64.exe"}, "/x/terminal64.exe", "terminal64.exe")
    assert not is_terminal({**info, "exe": None, "cmdline": None}, "/x/terminal64.exe", "terminal64.exe")
    wine = {**info, "exe": "/usr/bin/wine64-preloader", "cmdline": ["/x/terminal64.exe", "/portable"]}
    assert is_terminal(wine, "/x/terminal64.exe", "terminal64.exe")
