"""How the front reaches one bridge: its name, base URL, bearer token and timeouts (strict, immutable)."""

from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr

from mt5bridge.common.settings_base import Section


class BridgeSettings(Section):
    """One remote bridge (`mt5bot serve`) as the front's `accounts:` list names it.

    `timezone` is the bridge's reporting zone (its own `timezone` setting): the bridge's API does not
    tell it, and the chat core builds date ranges with it (None: the trade server's day).
    """

    name: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    url: HttpUrl
    token: SecretStr
    label: str | None = None
    timezone: str | None = None
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)  # a whole request; an order waits for the terminal's answer
    # The feed's reconnect: first delay, cap, and the share of each delay drawn at random (jitter).
    reconnect_initial: float = Field(0.5, gt=0)
    reconnect_max: float = Field(30.0, gt=0)
    reconnect_jitter: float = Field(0.2, ge=0, le=1)

    @property
    def base(self) -> str:
        """The URL without a trailing slash: `base + "/api/v1/account"`."""
        return str(self.url).rstrip("/")


class OwnAccountSettings(Section):
    """`account`: this service's own terminal as an account (a bridge writes the name into its audit rows).

    On a front (`accounts:` set) the own terminal is one more account under this name, unless `terminal`
    is false: then the front has no terminal of its own and routes everything to its bridges.
    """

    name: str = Field("local", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    label: str | None = Field(None, max_length=64, description="shown to people instead of the name")
    terminal: bool = Field(True, description="false: a front without a terminal of its own")
