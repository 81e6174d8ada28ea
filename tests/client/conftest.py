"""Stands for the client tests: the simulator in-process, and the same simulator behind a real rpyc link."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rpyc

from mt5bridge.simulator import Simulator
from mt5bridge.terminal.backends.mt5linux import RpycTerminal
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.protocol import Terminal

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(__file__).with_name("rpyc_sim_server.py")
WEDNESDAY = (2026, 11, 25, 10, 0)
SATURDAY = (2026, 11, 28, 10, 0)


@dataclass
class RpycServer:
    port: int
    process: subprocess.Popen[str]


def start_server(port: int = 0) -> RpycServer:
    """The rpyc classic server script in a subprocess; returns once it listens."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(SERVER), str(port)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip():
        process.kill()
        raise RuntimeError("rpyc simulator server did not start")
    return RpycServer(int(line), process)


@pytest.fixture(scope="session")
def rpyc_server() -> Iterator[RpycServer]:
    server = start_server()
    yield server
    server.process.kill()
    server.process.wait()


@dataclass
class Stand:
    """A backend for the client plus a handle on the simulator behind it (local object or rpyc netref)."""

    kind: str
    terminal: Terminal
    sim: Any


StandFactory = Callable[..., Stand]


@pytest.fixture(params=["simulator", "mt5linux"])
def make_stand(request: pytest.FixtureRequest) -> Iterator[StandFactory]:
    """Build a stand: `make_stand(start=WEDNESDAY, market_hours="always")`."""
    controls: list[Any] = []
    terminals: list[Terminal] = []

    def build(start: tuple[int, ...] = WEDNESDAY, market_hours: str = "always") -> Stand:
        if request.param == "simulator":
            from datetime import datetime

            sim = Simulator(seed=0, start=datetime(*start), market_hours=market_hours)
            return Stand("simulator", sim, sim)
        server: RpycServer = request.getfixturevalue("rpyc_server")
        control = rpyc.classic.connect("127.0.0.1", server.port)
        controls.append(control)
        sim = control.modules["MetaTrader5"].reset(0, start, market_hours)
        terminal = RpycTerminal("127.0.0.1", server.port, request_timeout=10.0)
        terminals.append(terminal)
        return Stand("mt5linux", terminal, sim)

    yield build
    for terminal in terminals:
        terminal.shutdown()
    for control in controls:
        control.close()


@pytest.fixture
def stand(make_stand: StandFactory) -> Stand:
    return make_stand()


@pytest.fixture
async def client(stand: Stand) -> AsyncIterator[MT5Client]:
    mt5 = MT5Client(stand.terminal, call_timeout=5.0)
    assert await mt5.connect()
    yield mt5
    await mt5.close()
