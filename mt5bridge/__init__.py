"""MT5 terminal layer: backends, simulator, async client and trading core."""
