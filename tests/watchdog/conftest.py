"""The stand-in terminal, installed per test; every copy still running is killed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.watchdog.stand import FakeTerminal, install


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTerminal]:
    made = install(tmp_path)
    monkeypatch.setenv("FAKE_TERMINAL_LOG", str(made.log))  # inherited by the copies the watchdog starts
    yield made
    made.kill_all()
