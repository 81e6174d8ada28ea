"""`BridgeStatus`: whether one bridge answers, accepts the token, and how fast; `probe` reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import aiohttp
from pydantic import BaseModel, ConfigDict

from mt5bridge.common.errors import MT5BotError
from mt5bridge.remote.client import RemoteTrading
from mt5bridge.remote.errors import BridgeUnauthorized, BridgeUnreachable


class BridgeState(StrEnum):
    UP = "up"  # answers and accepts the token (its terminal may still be down: `mt5_connected`)
    DOWN = "down"  # no answer, or not the bridge's
    UNAUTHORIZED = "unauthorized"  # answers, refuses the token (401): fix the configuration


class BridgeStatus(BaseModel):
    """One bridge as `GET /api/v1/accounts` will list it; `since` is when `state` last changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    url: str
    label: str | None
    state: BridgeState
    since: datetime
    checked_at: datetime
    last_error: str | None = None
    latency_ms: float | None = None  # of the health request
    mt5_connected: bool | None = None  # the bridge's own link to its terminal
    version: str | None = None


async def probe(client: RemoteTrading, previous: BridgeStatus | None = None) -> BridgeStatus:
    """GET /api/v1/health (no token), then one authenticated read (the account) to check the token.

    Never raises for the bridge's sake: every failure is a state with its `last_error`.
    """
    now = datetime.now(UTC)
    state, error, health = BridgeState.DOWN, None, None
    try:
        answer = await client.send("GET", "/health", auth=False)
        latency = client.last_latency
        if not answer.ok or answer.envelope is None:
            error = f"health answered HTTP {answer.status}"
        else:
            health = answer.envelope["data"]
            state, error = await _token_check(client)
    except (aiohttp.ClientError, TimeoutError) as exc:
        error, latency = f"{type(exc).__name__}: {exc}".rstrip(": "), None
    since = previous.since if previous is not None and previous.state is state else now
    return BridgeStatus(
        name=client.name, url=client.settings.base, label=client.settings.label, state=state, since=since,
        checked_at=now, last_error=error, latency_ms=None if latency is None else round(latency * 1000, 2),
        mt5_connected=None if health is None else bool(health.get("mt5_connected")),
        version=None if health is None else health.get("version"),
    )  # fmt: skip


async def _token_check(client: RemoteTrading) -> tuple[BridgeState, str | None]:
    """One authenticated read (the account, which also gives the client the server's UTC offset)."""
    try:
        await client.account()
    except BridgeUnreachable as exc:
        return BridgeState.DOWN, exc.message
    except BridgeUnauthorized:
        return BridgeState.UNAUTHORIZED, "the bridge refused the token"
    except MT5BotError:  # answered with the token accepted (its terminal may be down: 503)
        pass
    return BridgeState.UP, None
