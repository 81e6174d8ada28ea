"""Resolving a lost answer: ask the bridge again under the same request id, never under a new one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mt5bridge.remote.errors import BridgeOutcomeUnknown
from mt5bridge.trading.errors import RequestInProgress
from mt5bridge.trading.models import ActionResult, Actor, Preview, TradeRequestModel
from mt5bridge.trading.port import TradingPort

# Four asks over about 7 s: the bridge answers the stored result (replayed), "still running", or runs
# the order once if the first never arrived; a request still unresolved after that is for a person.
ATTEMPTS = 4
FIRST_DELAY_SEC = 1.0


async def execute_resolving(
    port: TradingPort,
    req: TradeRequestModel,
    actor: Actor,
    *,
    request_id: str,
    expected: Preview | None = None,
    attempts: int = ATTEMPTS,
    delay: float = FIRST_DELAY_SEC,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> ActionResult:
    """`port.execute` under `request_id`; a lost answer (`BridgeOutcomeUnknown`) or the same id still
    running (`RequestInProgress`) is asked again under that id, with growing waits. The last such error
    is raised when it stays unresolved; every other error or result is the caller's at once."""
    for attempt in range(attempts):
        try:
            return await port.execute(
                req, actor, request_id=request_id, confirmation=request_id, expected=expected
            )
        except (BridgeOutcomeUnknown, RequestInProgress):
            if attempt == attempts - 1:
                raise
            await sleep(delay * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
