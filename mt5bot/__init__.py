"""mt5bot: natural-language trading assistant and API bridge for MetaTrader 5."""

from mt5bridge.common.version import __version__

__all__ = ["__version__"]
