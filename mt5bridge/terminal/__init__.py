"""The terminal layer: the MetaTrader5 package's interface, its backends and the async client over it."""
