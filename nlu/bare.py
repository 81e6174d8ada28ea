"""Numbers nothing labelled: a volume, a price or a ticket, decided by the instrument's price band.

"long gold 0.03": 0.03 can only be a lot size for gold. "buy limit eurusd 1.0650 0.2": one fits the price
band, the other only the lot range. "sell eurusd 1": parity or one lot, so the chat asks. "平仓 88776655":
an integer of five or more digits where a ticket goes. A reading is taken only when it is the only one.
"""

from __future__ import annotations

import re
from itertools import product

from nlu import patterns as P
from nlu.bands import Fit, fit, fits_price
from nlu.command import Intent, NumberField, OrderType
from nlu.scan import Scan, blank, order_word

_TICKET_DIGITS = 5
_TICKET_KINDS = frozenset({Intent.CLOSE, Intent.CANCEL, Intent.MODIFY, Intent.LOCK})
_VOLUME_KINDS = frozenset({Intent.OPEN, Intent.CLOSE})


def assign(scan: Scan, kind: Intent) -> float | None:
    """Fill the fields the bare numbers can only be; the number to ask about when it fits two."""
    if not P.DIGIT.search(scan.text):
        return None
    found = list(P.BARE.finditer(scan.text))
    if not found or len(found) > 2:
        return None
    symbol = next(iter(scan.symbols)) if len(scan.symbols) == 1 else None
    typed = order_word(scan) not in (None, OrderType.MARKET) or P.PENDING_WORD.search(scan.text)
    options = [_options(scan, kind, symbol, match.group(0), bool(typed)) for match in found]
    solutions = [combo for combo in product(*options) if len(set(combo)) == len(combo)]
    if len(solutions) == 1:
        for match, name in zip(found, solutions[0], strict=True):
            _set(scan, name, match)
        return None
    if len(found) == 1 and set(options[0]) == {"volume", "price"}:
        scan.text = blank(scan.text, found[0].start(), found[0].end())
        return float(found[0].group(0))
    return None


def _options(scan: Scan, kind: Intent, symbol: str | None, raw: str, typed: bool) -> list[NumberField]:
    """The fields `raw` could fill; a price needs an order-type word unless it could also be the volume."""
    options: list[NumberField] = []
    value = float(raw)
    if (
        kind in _TICKET_KINDS
        and scan.ticket is None
        and raw.isdigit()
        and len(raw) >= _TICKET_DIGITS
        and not fits_price(symbol, value, scan.bands)
    ):
        options.append("ticket")
    shape = fit(symbol, raw, scan.bands)
    if kind in _VOLUME_KINDS and scan.volume is None and shape in (Fit.LOT, Fit.EITHER):
        options.append("volume")
    if kind is Intent.OPEN and scan.price is None and (shape is Fit.EITHER or (typed and shape is Fit.PRICE)):
        options.append("price")
    if kind is Intent.MODIFY and scan.price is None and typed and shape is Fit.PRICE and not options:
        options.append("price")  # "黄金挂单改到3300": the pending order's new price
    return options


def _set(scan: Scan, name: NumberField, match: re.Match[str]) -> None:
    raw = match.group(0)
    if name == "ticket":
        scan.ticket = int(raw)
    elif name == "volume":
        scan.volume = float(raw)
    else:
        scan.price = float(raw)
    scan.zero = scan.zero or not float(raw)
    scan.spans[name] = match.span()
    scan.text = blank(scan.text, match.start(), match.end())
