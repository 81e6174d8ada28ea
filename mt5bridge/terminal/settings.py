"""The terminal layer's settings (`mt5` in config.yaml): which backend, how to reach it, how to watch it."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr, model_validator

from mt5bridge.common.settings_base import Section


class Backend(StrEnum):
    """Which terminal layer to talk to."""

    AUTO = "auto"
    NATIVE = "native"
    MT5LINUX = "mt5linux"
    SIMULATOR = "simulator"


class WatchdogSettings(Section):
    """`mt5.watchdog`: restart terminal64.exe when it is gone or its heartbeat has failed for a while.

    Off by default: the simulator (the default backend off Windows) has no terminal process to restart,
    and a watchdog must be pointed at one terminal deliberately (several may run on one box).
    """

    enabled: bool = False
    terminal_path: str | None = Field(None, description="terminal64.exe to restart; None = mt5.path")
    portable: bool = Field(False, description="start it with /portable (data folder beside the exe)")
    config_file: str | None = Field(None, description="start it with /config:FILE (a start-up .ini)")
    process_name: str = Field(
        "terminal64.exe", min_length=1, description="the process name to look at (the path decides)"
    )
    heartbeat_failed_min: float = Field(5.0, gt=0, description="restart after the link is down this long")
    check_interval_sec: float = Field(10.0, gt=0, description="how often the process and link are looked at")
    backoff_start_sec: float = Field(60.0, gt=0, description="least wait after a first restart; doubles")
    backoff_max_sec: float = Field(900.0, gt=0, description="the longest wait between restarts")
    max_restarts_per_hour: int = Field(4, ge=1, description="then it gives up (and tells the admins)")
    stop_timeout_sec: float = Field(15.0, gt=0, description="graceful stop, then the process is killed")

    @model_validator(mode="after")
    def _backoff_order(self) -> Self:
        if self.backoff_max_sec < self.backoff_start_sec:
            raise ValueError(
                f"backoff_max_sec ({self.backoff_max_sec:g}) is below backoff_start_sec "
                f"({self.backoff_start_sec:g})"
            )
        return self


class MT5Settings(Section):
    backend: Backend = Backend.AUTO
    path: str | None = None
    login: int | None = None
    password: SecretStr | None = None
    server: str | None = None
    timeout: int = Field(60000, ge=1000, description="terminal IPC timeout in ms, passed to initialize()")
    host: str = "127.0.0.1"
    port: int = Field(18812, ge=1, le=65535)
    call_timeout_sec: float = Field(30.0, gt=0)
    server_utc_offset: int | None = Field(
        None, description="trade server clock minus UTC in seconds (e.g. 10800); None = 0 for real terminals"
    )
    heartbeat_interval_sec: float = Field(10.0, gt=0)
    reconnect_interval_sec: float = Field(5.0, gt=0)
    max_reconnect_attempts: int = Field(10, ge=0)
    watchdog: WatchdogSettings = WatchdogSettings()

    @model_validator(mode="after")
    def _watchdog_has_a_terminal(self) -> Self:
        if self.watchdog.enabled and not (self.watchdog.terminal_path or self.path):
            raise ValueError(
                "mt5.watchdog.enabled needs mt5.watchdog.terminal_path or mt5.path (terminal64.exe)"
            )
        return self
