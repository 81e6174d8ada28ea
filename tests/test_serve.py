"""`mt5bot serve` run as a user runs it: a real process, real HTTP, SIGTERM, and a restart."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from mt5bot.cli import main
from mt5bridge.simulator.persist import load_state, save_state
from tests.serve_config import write_config
from tests.simulator.conftest import deal

LISTENING = re.compile(r"listening on (http://\S+)")


class Service:
    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mt5bot", "--config", str(config), "serve"],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        self.lines: list[str] = []
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 60
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            if match := LISTENING.search(line):
                return match.group(1)
        self.proc.kill()
        raise AssertionError("service did not start:\n" + "".join(self.lines))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=30)[1]
        self.lines.extend(out.splitlines(keepends=True))
        return self.proc.returncode


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(write_config(tmp_path), {"MT5BOT_SECURITY__TOKEN": "tok-supersecret-123"})
    yield svc
    if svc.proc.poll() is None:
        svc.proc.kill()


async def test_health_then_clean_shutdown_saves_state(service: Service, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{service.url}/api/v1/health") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["success"] is True
    assert body["data"]["mt5_connected"] is True
    assert body["data"]["version"] == "0.1.0"
    assert body["data"]["server_time"] is not None
    assert service.stop() == 0
    state = tmp_path / "data" / "simulator-state.json"
    assert state.exists()
    log_text = (tmp_path / "logs" / "mt5bot.log").read_text() + "".join(service.lines)
    assert "tok-supersecret-123" not in log_text


def test_positions_survive_a_restart(service: Service, tmp_path: Path) -> None:
    assert service.stop() == 0
    state = tmp_path / "data" / "simulator-state.json"
    sim = load_state(state)
    sim.initialize()
    ticket = deal(sim, "XAUUSD", "buy", 0.07, comment="keep me").order
    save_state(sim, state)
    again = Service(write_config(tmp_path), {})
    try:
        resumed = None
        assert again.stop() == 0
        resumed = load_state(state)
        resumed.initialize()
        (pos,) = [p for p in resumed.positions_get() if p.ticket == ticket]
        assert (pos.volume, pos.comment) == (0.07, "keep me")
    finally:
        if again.proc.poll() is None:
            again.proc.kill()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('database: {url: "mysql://x"}', "database.url: driver 'mysql' is not supported"),
        (
            "server: {host: 127.0.0.1, port: 0, tls: {cert: /nope.pem, key: /nope.key}}",
            "server.tls: cannot load",
        ),
        ("server: {host: 127.0.0.1, port: PORT}", "cannot listen on 127.0.0.1:PORT"),
    ],
)
def test_start_failures_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, message: str
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        config = write_config(tmp_path)
        config.write_text(config.read_text() + extra.replace("PORT", port) + "\n")
        assert main(["--config", str(config), "serve"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("mt5bot: ")]
    assert len(lines) == 1 and lines[0].startswith("mt5bot: cannot start: ")
    assert message.replace("PORT", port) in lines[0]
    assert "Traceback" not in err
