"""The simulated terminal's link: the lock every call takes, initialize/login/shutdown, the last error, and
the wrapper that turns a `Simulator` method into an MT5 call.

Failures return None (or False) and set `last_error()`, as the real MetaTrader5 package does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from mt5bridge.simulator.clock import BadArgument
from mt5bridge.terminal import constants as C

P = ParamSpec("P")
R = TypeVar("R")

NO_IPC = (C.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
NOT_FOUND = (C.RES_E_NOT_FOUND, "Terminal: Not found")
INVALID_PARAMS = (C.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
SUCCESS = (C.RES_S_OK, "Success")
_AUTH_FAILED = (C.RES_E_AUTH_FAILED, "Terminal: Authorization failed")


class Link:
    """Whether the terminal is initialised and reachable, and what the last call left in `last_error()`.

    `before` runs at the start of every MT5 call (the simulator brings its clock up to date), `after` at
    its end whatever happened (the simulator journals what the call changed).
    """

    def __init__(self, before: Callable[[], None], after: Callable[[], None]) -> None:
        self.lock = threading.RLock()
        self.initialized = False
        self.connected = True
        self.error = SUCCESS
        self._before = before
        self._after = after

    def initialize(self, login: int | None, account_login: int) -> bool:
        """Attach to the (simulated) terminal; a login that is not this account's fails with -6."""
        with self.lock:
            if not self.connected:
                self.error = (C.RES_E_INTERNAL_FAIL_INIT, "IPC initialize failed, MetaTrader 5 x64 not found")
                return False
            if login is not None and login != account_login:
                self.error = _AUTH_FAILED
                return False
            self.initialized = True
            self.error = SUCCESS
            return True

    def login(self, login: int, account_login: int) -> bool:
        """Log in to the account already attached: only its own login succeeds."""
        with self.lock:
            if not self.initialized or not self.connected:
                self.error = NO_IPC
                return False
            if login != account_login:
                self.error = _AUTH_FAILED
                return False
            self.error = SUCCESS
            return True

    def shutdown(self) -> None:
        """Detach: every call fails with NO_IPC until `initialize` again."""
        with self.lock:
            self.initialized = False

    def call(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Run one MT5 call: serialised, failing like MT5 when the link is down or an argument is bad."""
        with self.lock:
            if not self.initialized or not self.connected:
                self.error = NO_IPC
                return None
            try:
                self._before()
                self.error = SUCCESS
                return func(*args, **kwargs)
            except BadArgument:
                self.error = (C.RES_E_INVALID_PARAMS, "Invalid arguments")
                return None
            finally:
                self._after()


class _Linked(Protocol):
    link: Link


def mt5_call(func: Callable[P, R]) -> Callable[P, R | None]:
    """Make a method an MT5 call through its object's `link` (see `Link.call`).

    Whatever the call changed (a trade, or SL/TP triggered as the clock caught up) is in the journal
    before it returns, so before anyone can acknowledge a trade.
    """

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        owner: _Linked = args[0]  # type: ignore[assignment]
        return owner.link.call(func, *args, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper
