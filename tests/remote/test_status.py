"""`probe`: a bridge that answers and takes the token is up (with latency and its terminal's link), a
wrong token is unauthorized, a stopped bridge is down; `since` moves only when the state changes."""

from __future__ import annotations

from pathlib import Path

from mt5bridge.common.version import __version__
from mt5bridge.remote import RemoteTrading
from mt5bridge.remote.status import BridgeState, probe
from tests.api.conftest import Api, start_api
from tests.remote.conftest import core_of, settings_of


async def test_up_then_down_when_the_bridge_stops(tmp_path: Path) -> None:
    bridge = await start_api(tmp_path / "s")
    remote = RemoteTrading(settings_of(bridge, name="s", label="Demo"))
    try:
        up = await probe(remote)
        assert (up.state, up.name, up.label, up.url) == (BridgeState.UP, "s", "Demo", bridge.url)
        assert up.mt5_connected is True and up.version == __version__ and up.last_error is None
        assert up.latency_ms is not None and up.latency_ms > 0
        offset = core_of(bridge).server_utc_offset
        assert offset != 0 and remote.server_utc_offset == offset  # the probe read the account
        again = await probe(remote, up)
        assert again.since == up.since and again.checked_at > up.checked_at
        await bridge.runner.cleanup()
        down = await probe(remote, again)
        assert down.state is BridgeState.DOWN and down.since > up.since and down.last_error
        assert down.mt5_connected is None
    finally:
        await remote.close()


async def test_a_wrong_token_is_unauthorized(bridge: Api) -> None:
    remote = RemoteTrading(settings_of(bridge, token="not-the-token-0123456789"))
    try:
        status = await probe(remote)
        assert status.state is BridgeState.UNAUTHORIZED and "token" in (status.last_error or "")
        assert status.mt5_connected is True  # the bridge itself is fine
    finally:
        await remote.close()
