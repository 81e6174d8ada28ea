"""Request builders and vendor-boundary wrappers for the client tests."""

from __future__ import annotations

import threading
import time
from typing import Any

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.protocol import Terminal


def market(
    symbol: str = "EURUSD", volume: float = 0.1, side: int = C.ORDER_TYPE_BUY, **extra: Any
) -> dict[str, Any]:
    """A market DEAL request with IOC filling (what the simulator's symbols allow)."""
    return {
        "action": C.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume, "type": side,
        "type_filling": C.ORDER_FILLING_IOC, **extra,
    }  # fmt: skip


def close(position: Any) -> dict[str, Any]:
    """The opposite DEAL closing a raw or typed position in full."""
    side = C.ORDER_TYPE_SELL if position.side == "buy" else C.ORDER_TYPE_BUY
    return market(position.symbol, position.volume, side, position=position.ticket)


class Delegate:
    """A terminal wrapper that forwards everything it does not override to the real backend."""

    def __init__(self, inner: Terminal) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class SlowSend(Delegate):
    """order_send really executes, then the answer is late by `delay` seconds."""

    def __init__(self, inner: Terminal, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay
        self.sent = 0

    def order_send(self, request: dict[str, Any]) -> Any:
        self.sent += 1
        result = self.inner.order_send(request)
        time.sleep(self.delay)
        return result


class DropAfterSend(Delegate):
    """order_send executes, then the link breaks before the answer: None + (-10002, 'IPC recv failed')."""

    def __init__(self, inner: Terminal, sim: Any) -> None:
        super().__init__(inner)
        self.sim = sim
        self.sent = 0

    def order_send(self, request: dict[str, Any]) -> Any:
        self.sent += 1
        self.inner.order_send(request)
        self.sim.disconnect()
        return None

    def last_error(self) -> tuple[int, str]:
        return (C.RES_E_INTERNAL_FAIL_RECEIVE, "IPC recv failed") if self.sent else self.inner.last_error()


class EmptyHistoryAsNone(Delegate):
    """history_* answer None with last_error (1, 'Success'), as some terminals do for "no deals"."""

    def __init__(self, inner: Terminal) -> None:
        super().__init__(inner)
        self.none_answers = 0

    def history_deals_get(self, *args: Any, **kwargs: Any) -> Any:
        self.none_answers += 1
        return None

    def last_error(self) -> tuple[int, str]:
        return (C.RES_S_OK, "Success") if self.none_answers else self.inner.last_error()


class SlowReads(Delegate):
    """account_info takes `delay` seconds."""

    def __init__(self, inner: Terminal, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay

    def account_info(self) -> Any:
        time.sleep(self.delay)
        return self.inner.account_info()


class ThreadRecorder(Delegate):
    """Records the thread every positions_get runs on."""

    def __init__(self, inner: Terminal) -> None:
        super().__init__(inner)
        self.threads: set[int] = set()

    def positions_get(self, **filters: Any) -> Any:
        self.threads.add(threading.get_ident())
        return self.inner.positions_get(**filters)
