"""mt5bot: natural-language trading assistant and API bridge for MetaTrader 5."""

__version__ = "0.1.0"
