"""Price bands: where each instrument's price can plausibly be, so a bare number is told from a lot size.

Gold is never 0.03 and EURUSD is never 30. A band is wide on purpose (a decade of history plus room for
the next): it only has to separate prices from lot sizes, and a number inside both a band and the lot
range ("sell eurusd 1": parity or one lot) is asked about, never guessed. How the bands were chosen is in
docs/nlu.md ("Price bands").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

MAX_LOT_GUESS = 100.0  # a bare number above this is never read as a lot size


class Fit(Enum):
    """What a bare number can be for one instrument."""

    LOT = "lot"
    PRICE = "price"
    EITHER = "either"  # ask
    NEITHER = "neither"  # not understood


# Canonical symbol -> (lowest, highest) plausible price.
BANDS: dict[str, tuple[float, float]] = {
    "EURUSD": (0.8, 1.6),
    "GBPUSD": (1.0, 2.2),
    "USDJPY": (70.0, 200.0),
    "AUDUSD": (0.45, 1.1),
    "NZDUSD": (0.4, 0.95),
    "USDCAD": (1.0, 1.6),
    "USDCHF": (0.7, 1.3),
    "EURJPY": (90.0, 200.0),
    "GBPJPY": (110.0, 250.0),
    "EURGBP": (0.65, 1.0),
    "XAUUSD": (1000.0, 10000.0),
    "XAGUSD": (10.0, 200.0),
    "USOIL": (15.0, 200.0),
    "UKOIL": (15.0, 200.0),
    "US30": (15000.0, 80000.0),
    "NAS100": (7000.0, 50000.0),
    "US500": (2000.0, 12000.0),
    "GER40": (8000.0, 40000.0),
    "HK50": (10000.0, 45000.0),
    "BTCUSD": (5000.0, 500000.0),
    "ETHUSD": (300.0, 20000.0),
}


def is_lot(raw: str) -> bool:
    """A plausible lot size as typed: at most two decimals, above 0, at most 100."""
    whole, _, decimals = raw.partition(".")
    return len(decimals) <= 2 and len(whole) <= 3 and 0 < float(raw) <= MAX_LOT_GUESS


def fits_price(
    symbol: str | None, value: float, extra: Mapping[str, tuple[float, float]] | None = None
) -> bool | None:
    """True or False when the symbol's band is known, None when it is not (an unknown or custom symbol)."""
    if symbol is None:
        return None
    band = (extra or {}).get(symbol) or BANDS.get(symbol)
    if band is None:
        return None
    return band[0] <= value <= band[1]


def fit(symbol: str | None, raw: str, extra: Mapping[str, tuple[float, float]] | None = None) -> Fit:
    """Lot, price, either or neither, for a bare number `raw` next to `symbol`.

    Without a known band a plausible lot size is EITHER (asked), anything else PRICE.
    """
    lot = is_lot(raw)
    price = fits_price(symbol, float(raw), extra)
    if price is None:
        return Fit.EITHER if lot else Fit.PRICE
    if lot and price:
        return Fit.EITHER
    if lot:
        return Fit.LOT
    return Fit.PRICE if price else Fit.NEITHER
