"""Backend selection from settings, and the rpyc link's own behaviour (plain data, drops, reconnect)."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import rpyc
from pydantic import SecretStr

from mt5bot.backend import open_backend
from mt5bot.config import MT5Section
from mt5bridge.simulator import Simulator
from mt5bridge.simulator.persist import save_state
from mt5bridge.simulator.settings import MarketHours, SimulatorSettings
from mt5bridge.terminal import constants as C
from mt5bridge.terminal.backends import RpycTerminal
from mt5bridge.terminal.backends.native import NativeTerminal, init_kwargs
from mt5bridge.terminal.client import MT5Client
from mt5bridge.terminal.errors import TerminalUnavailable
from mt5bridge.terminal.settings import Backend, MT5Settings
from mt5bridge.terminal.structs import TICKS_DTYPE, OrderSendResult, TradePosition, TradeRequest
from tests.client.builders import market
from tests.client.conftest import RpycServer, start_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_simulator_backend_follows_settings() -> None:
    settings = MT5Section(
        backend=Backend.SIMULATOR,
        simulator=SimulatorSettings(
            balance=2500.0, leverage=50, market_hours=MarketHours.ALWAYS, realtime=False, demo_days=0
        ),
    )
    sim = open_backend(settings)
    assert isinstance(sim, Simulator)
    assert sim.initialize()
    account = sim.account_info()
    assert (account.balance, account.leverage) == (2500.0, 50)


def test_simulator_backend_builds_demo_history_and_resumes_state(tmp_path: Path) -> None:
    settings = MT5Section(
        backend=Backend.SIMULATOR, simulator=SimulatorSettings(balance=5000.0, demo_days=3, realtime=False)
    )
    state = tmp_path / "simulator-state.json"
    sim = open_backend(settings, state)
    assert isinstance(sim, Simulator)
    sim.initialize()
    deals = sim.history_deals_get(0, 2**40)
    assert deals[0].profit == 5000.0  # the deposit
    save_state(sim, state)
    again = open_backend(settings, state)
    assert isinstance(again, Simulator)
    again.initialize()
    assert again.history_deals_get(0, 2**40) == deals


def test_auto_without_the_package_is_the_simulator() -> None:
    quick = SimulatorSettings(demo_days=0, realtime=False)
    assert isinstance(open_backend(MT5Section(backend=Backend.AUTO, simulator=quick)), Simulator)


def test_native_without_the_package_refuses() -> None:
    with pytest.raises(RuntimeError, match="MetaTrader5 package"):
        open_backend(MT5Section(backend=Backend.NATIVE))


def test_credentials_omit_unset_and_reveal_the_password() -> None:
    settings = MT5Section(
        login=3000100276, password=SecretStr("pw"), server="Broker-Demo", path="C:/mt5/terminal64.exe"
    )
    assert init_kwargs(settings) == {
        "timeout": 60000, "login": 3000100276, "password": "pw", "server": "Broker-Demo",
        "path": "C:/mt5/terminal64.exe",
    }  # fmt: skip
    assert init_kwargs(MT5Settings()) == {"timeout": 60000}


class FakePackage:
    """The vendor module's initialize, recording how it is called."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

    def initialize(self, *args: object, **kwargs: object) -> bool:
        self.calls.append((args, kwargs))
        return True

    def version(self) -> tuple[int, int, str]:
        return (500, 5370, "17 Oct 2025")


def test_native_passes_path_positionally_and_delegates() -> None:
    package = FakePackage()
    settings = MT5Section(login=7, password=SecretStr("pw"), path="C:/t.exe")
    terminal = NativeTerminal(package, settings)  # type: ignore[arg-type]
    assert terminal.initialize()
    assert package.calls == [(("C:/t.exe",), {"timeout": 60000, "login": 7, "password": "pw"})]
    assert terminal.version() == (500, 5370, "17 Oct 2025")


def test_mt5linux_backend_from_settings() -> None:
    terminal = open_backend(MT5Section(backend=Backend.MT5LINUX, host="127.0.0.1", port=1234, login=7))
    assert isinstance(terminal, RpycTerminal)
    assert (terminal.host, terminal.port) == ("127.0.0.1", 1234)
    assert terminal.ORDER_TYPE_SELL_LIMIT == C.ORDER_TYPE_SELL_LIMIT  # type: ignore[attr-defined]


def test_rpyc_results_are_our_structs_not_netrefs(rpyc_server: RpycServer) -> None:
    control = rpyc.classic.connect("127.0.0.1", rpyc_server.port)
    control.modules["MetaTrader5"].reset(0, (2026, 11, 25, 10, 0), "always")
    control.close()
    terminal = RpycTerminal("127.0.0.1", rpyc_server.port)
    try:
        assert terminal.initialize()
        sent = terminal.order_send(market())
        assert type(sent) is OrderSendResult and type(sent.request) is TradeRequest
        assert sent.request.symbol == "EURUSD" and sent.retcode == C.TRADE_RETCODE_DONE
        (position,) = terminal.positions_get(symbol="EURUSD")
        assert type(position) is TradePosition
        ticks = terminal.copy_ticks_from("EURUSD", 1795600000, 10, C.COPY_TICKS_ALL)
        assert type(ticks) is np.ndarray and ticks.dtype == TICKS_DTYPE and len(ticks) == 10
        assert terminal.symbol_info("NOPE") is None
        assert terminal.last_error() == (C.RES_E_NOT_FOUND, "Terminal: Not found")
    finally:
        terminal.shutdown()


def test_rpyc_nothing_listening_fails_initialize() -> None:
    terminal = RpycTerminal("127.0.0.1", free_port())
    assert terminal.initialize() is False
    assert terminal.last_error()[0] == C.RES_E_INTERNAL_FAIL_INIT
    assert terminal.account_info() is None
    assert terminal.last_error() == (C.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")


async def test_rpyc_server_death_then_reconnect() -> None:
    port = free_port()
    server = start_server(port)
    mt5 = MT5Client(RpycTerminal("127.0.0.1", port), call_timeout=5.0)
    try:
        assert await mt5.connect()
        assert (await mt5.account()).balance == 10000.0
        server.process.kill()
        server.process.wait()
        with pytest.raises(TerminalUnavailable):
            await mt5.account()
        assert not mt5.connected
        assert await mt5.connect() is False

        server = start_server(port)
        assert await mt5.connect()
        assert (await mt5.account()).balance == 10000.0
    finally:
        await mt5.close()
        server.process.kill()
        server.process.wait()
