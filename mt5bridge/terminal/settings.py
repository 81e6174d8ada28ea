"""The terminal layer's settings (`mt5` in config.yaml): which backend, how to reach it, how to watch it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr

from mt5bridge.common.settings_base import Section


class Backend(StrEnum):
    """Which terminal layer to talk to."""

    AUTO = "auto"
    NATIVE = "native"
    MT5LINUX = "mt5linux"
    SIMULATOR = "simulator"


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
