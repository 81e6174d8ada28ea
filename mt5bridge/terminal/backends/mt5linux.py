"""A terminal under Wine reached over rpyc, the way the `mt5linux` project does it, without depending on it.

Next to the terminal, the Windows Python (under Wine) runs an rpyc *classic* server: `python -m rpyc_classic
--host 0.0.0.0 --port 18812` (or `python -m mt5linux`, which is the same). We connect with
`rpyc.classic.connect`, define one helper on the server (`SERVER_CODE`) and call every function through it,
so that each call is one round trip and every value crosses by value: structures come back as
`(marker, type name, ((field, value), ...))`, numpy arrays as `(marker, dtype descr, bytes)`, and are rebuilt
here as our named tuples (`mt5bridge.terminal.structs.STRUCTS`) and arrays. No netref and no pickle leaves
this module.

Link failures follow the package's codes: no connection -> None + (-10004, 'No IPC connection'); a link
that breaks during a call -> (-10002, 'IPC recv failed') and a late answer -> (-10005, 'IPC timeout'), both
of which mean the call may have run; a Python exception on the server -> (-10000, 'IPC call failed').
The next initialize() reconnects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import rpyc

from mt5bridge.terminal import constants as C
from mt5bridge.terminal.backends.native import init_kwargs
from mt5bridge.terminal.protocol import Array
from mt5bridge.terminal.settings import MT5Settings
from mt5bridge.terminal.structs import STRUCTS

STRUCT = "\x00struct"
NDARRAY = "\x00ndarray"
DICT = "\x00dict"

SERVER_CODE = f"""
import MetaTrader5 as _mb_mt5

def _mb_plain(value):
    if hasattr(value, "_asdict"):
        items = tuple((k, _mb_plain(v)) for k, v in value._asdict().items())
        return ({STRUCT!r}, type(value).__name__, items)
    if isinstance(value, (tuple, list)):
        return tuple(_mb_plain(v) for v in value)
    if type(value).__name__ == "ndarray":
        return ({NDARRAY!r}, tuple(tuple(d) for d in value.dtype.descr), value.tobytes())
    return value

def _mb_arg(value):
    if isinstance(value, tuple) and len(value) == 2 and value[0] == {DICT!r}:
        return dict(value[1])
    return value

def _mb_call(name, args, kwargs):
    result = getattr(_mb_mt5, name)(*[_mb_arg(a) for a in args], **{{k: _mb_arg(v) for k, v in kwargs}})
    return _mb_plain(result), tuple(_mb_mt5.last_error())
"""

NO_IPC = (C.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")


def _encode(value: Any) -> Any:
    """A value rpyc sends by value (brine): dicts as item tuples, datetimes as epochs, numpy as Python."""
    if isinstance(value, dict):
        return (DICT, tuple((k, _encode(v)) for k, v in value.items()))
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(_encode(v) for v in value)
    return value


def _rebuild(value: Any) -> Any:
    """Our named tuples and arrays from the plain data the server helper returned."""
    if not isinstance(value, tuple):
        return value
    if len(value) == 3 and value[0] == STRUCT:
        cls = STRUCTS.get(value[1])
        if cls is None:
            raise TypeError(f"unknown MT5 structure {value[1]!r}")
        return cls(**{k: _rebuild(v) for k, v in value[2]})
    if len(value) == 3 and value[0] == NDARRAY:
        dtype = np.dtype([tuple(d) for d in value[1]])
        return np.frombuffer(value[2], dtype=dtype).copy()
    return tuple(_rebuild(v) for v in value)


class RpycTerminal:
    """The MetaTrader5 module of a remote (Wine) Python, called through an rpyc classic connection."""

    def __init__(
        self, host: str, port: int, *, init: dict[str, Any] | None = None, request_timeout: float = 30.0
    ) -> None:
        self.host = host
        self.port = port
        self._init = dict(init or {})
        self._timeout = request_timeout
        self._conn: Any = None
        self._remote: Any = None
        self._error: tuple[int, str] = NO_IPC

    @classmethod
    def from_settings(cls, settings: MT5Settings) -> RpycTerminal:
        """The link `mt5.host`/`mt5.port` describe, with the configured credentials for initialize()."""
        return cls(
            settings.host,
            settings.port,
            init=init_kwargs(settings),
            request_timeout=settings.call_timeout_sec,
        )

    # --- link -------------------------------------------------------------------------------------
    def _open(self) -> None:
        conn = rpyc.classic.connect(self.host, self.port, keepalive=True)
        conn._config["sync_request_timeout"] = self._timeout
        conn.execute(SERVER_CODE)
        self._remote = conn.namespace["_mb_call"]
        self._conn = conn

    def _drop(self) -> None:
        conn, self._conn, self._remote = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: S110 - the link is already broken; closing is best effort
                pass

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._conn is None or self._conn.closed:
            self._error = NO_IPC
            return None
        plain_kwargs = tuple((k, _encode(v)) for k, v in kwargs.items() if v is not None)
        try:
            raw, error = self._remote(name, _encode(args), plain_kwargs)
        except TimeoutError as exc:
            self._drop()
            self._error = (C.RES_E_INTERNAL_FAIL_TIMEOUT, f"IPC timeout: {exc}")
            return None
        except Exception as exc:
            return self._failed(exc)
        self._error = (int(error[0]), str(error[1]))
        return _rebuild(raw)

    def _failed(self, exc: Exception) -> None:
        if hasattr(exc, "_remote_tb"):
            self._error = (C.RES_E_INTERNAL_FAIL, f"IPC call failed: {type(exc).__name__}: {exc}")
        else:
            self._drop()
            self._error = (C.RES_E_INTERNAL_FAIL_RECEIVE, f"IPC recv failed: {type(exc).__name__}: {exc}")

    # --- lifecycle ----------------------------------------------------------------------------------
    def initialize(self, path: str | None = None, **kwargs: Any) -> bool:
        """(Re)connect the rpyc link if needed, then initialize the remote terminal."""
        if self._conn is None or self._conn.closed:
            try:
                self._open()
            except (OSError, EOFError) as exc:
                self._drop()
                where = f"{self.host}:{self.port}"
                self._error = (
                    C.RES_E_INTERNAL_FAIL_INIT,
                    f"IPC initialize failed, no rpyc server at {where}: {exc}",
                )
                return False
        merged = {**self._init, **kwargs}
        target = path or merged.pop("path", None)
        merged.pop("path", None)
        result = self._call("initialize", target, **merged) if target else self._call("initialize", **merged)
        return bool(result)

    def login(self, login: int, **kwargs: Any) -> bool:
        return bool(self._call("login", login, **kwargs))

    def shutdown(self) -> None:
        """Detach the remote terminal and close the link."""
        if self._conn is not None and not self._conn.closed:
            self._call("shutdown")
        self._drop()

    def version(self) -> tuple[int, int, str] | None:
        return self._call("version")

    def last_error(self) -> tuple[int, str]:
        return self._error

    def terminal_info(self) -> Any:
        return self._call("terminal_info")

    def account_info(self) -> Any:
        return self._call("account_info")

    # --- symbols and market data --------------------------------------------------------------------
    def symbols_total(self) -> int | None:
        return self._call("symbols_total")

    def symbols_get(self, group: str | None = None) -> Any:
        return self._call("symbols_get", group=group)

    def symbol_info(self, symbol: str) -> Any:
        return self._call("symbol_info", symbol)

    def symbol_info_tick(self, symbol: str) -> Any:
        return self._call("symbol_info_tick", symbol)

    def symbol_select(self, symbol: str, enable: bool | None = True) -> bool | None:
        return self._call("symbol_select", symbol, enable)

    def market_book_add(self, symbol: str) -> bool | None:
        return self._call("market_book_add", symbol)

    def market_book_get(self, symbol: str) -> Any:
        return self._call("market_book_get", symbol)

    def market_book_release(self, symbol: str) -> bool | None:
        return self._call("market_book_release", symbol)

    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int) -> Array:
        return self._call("copy_rates_from", symbol, timeframe, date_from, count)

    def copy_rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int) -> Array:
        return self._call("copy_rates_from_pos", symbol, timeframe, start_pos, count)

    def copy_rates_range(self, symbol: str, timeframe: int, date_from: Any, date_to: Any) -> Array:
        return self._call("copy_rates_range", symbol, timeframe, date_from, date_to)

    def copy_ticks_from(self, symbol: str, date_from: Any, count: int, flags: int) -> Array:
        return self._call("copy_ticks_from", symbol, date_from, count, flags)

    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int) -> Array:
        return self._call("copy_ticks_range", symbol, date_from, date_to, flags)

    # --- trading state and history ------------------------------------------------------------------
    def orders_total(self) -> int | None:
        return self._call("orders_total")

    def orders_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self._call("orders_get", symbol=symbol, group=group, ticket=ticket)

    def positions_total(self) -> int | None:
        return self._call("positions_total")

    def positions_get(
        self, *, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> Any:
        return self._call("positions_get", symbol=symbol, group=group, ticket=ticket)

    def history_orders_total(self, date_from: Any, date_to: Any) -> int | None:
        return self._call("history_orders_total", date_from, date_to)

    def history_orders_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        dates = () if date_from is None else (date_from, date_to)
        return self._call("history_orders_get", *dates, **filters)

    def history_deals_total(self, date_from: Any, date_to: Any) -> int | None:
        return self._call("history_deals_total", date_from, date_to)

    def history_deals_get(self, date_from: Any = None, date_to: Any = None, **filters: Any) -> Any:
        dates = () if date_from is None else (date_from, date_to)
        return self._call("history_deals_get", *dates, **filters)

    # --- calculations and trading -------------------------------------------------------------------
    def order_calc_margin(self, action: int, symbol: str, volume: float, price: float) -> float | None:
        return self._call("order_calc_margin", action, symbol, volume, price)

    def order_calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float | None:
        return self._call("order_calc_profit", action, symbol, volume, price_open, price_close)

    def order_check(self, request: dict[str, Any]) -> Any:
        return self._call("order_check", request)

    def order_send(self, request: dict[str, Any]) -> Any:
        return self._call("order_send", request)


for _name in dir(C):
    if _name.isupper():
        setattr(RpycTerminal, _name, getattr(C, _name))
