"""The real `MetaTrader5` package (Windows only), with the configured credentials baked into initialize().

Setup on Windows: install MetaTrader 5 (64-bit) and log in by hand once; in Tools > Options > Expert
Advisors tick "Allow algorithmic trading" and untick "Disable algorithmic trading via external Python API";
`pip install MetaTrader5` into the same Python; set `mt5.backend: native` and `mt5.path` to terminal64.exe
(always pass the path: several terminals on one box cross-wire). See docs/terminal-layer.md.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, cast

from mt5bridge.terminal.protocol import Terminal
from mt5bridge.terminal.settings import MT5Settings


def init_kwargs(settings: MT5Settings) -> dict[str, Any]:
    """initialize() keywords from the settings; None ones are left out so the terminal's saved ones apply."""
    kwargs: dict[str, Any] = {"timeout": settings.timeout}
    if settings.path is not None:
        kwargs["path"] = settings.path
    if settings.login is not None:
        kwargs["login"] = settings.login
    if settings.password is not None:
        kwargs["password"] = settings.password.get_secret_value()
    if settings.server is not None:
        kwargs["server"] = settings.server
    return kwargs


def import_package() -> ModuleType | None:
    """The MetaTrader5 module, or None where it is not installed (anywhere but Windows)."""
    try:
        return importlib.import_module("MetaTrader5")
    except ImportError:
        return None


class NativeTerminal:
    """The module itself for every function, except that initialize() supplies the configured credentials."""

    def __init__(self, module: ModuleType, settings: MT5Settings) -> None:
        self._module = module
        self._init = init_kwargs(settings)

    def initialize(self, path: str | None = None, **kwargs: Any) -> bool:
        """Attach to the terminal; explicit arguments win over the configured ones."""
        merged = {**self._init, **kwargs}
        if path is not None:
            merged["path"] = path
        target = merged.pop("path", None)
        # path is the package's only positional argument.
        result = self._module.initialize(target, **merged) if target else self._module.initialize(**merged)
        return bool(result)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def open_native(settings: MT5Settings) -> Terminal:
    """The real terminal; RuntimeError if the MetaTrader5 package is missing."""
    module = import_package()
    if module is None:
        raise RuntimeError(
            "mt5.backend is 'native' but the MetaTrader5 package is not installed (Windows only)"
        )
    return cast(Terminal, NativeTerminal(module, settings))
