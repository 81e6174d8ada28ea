"""Shared builders for the simulator market-data tests."""

from __future__ import annotations

import calendar
from collections.abc import Callable

import pytest

from mt5bridge.simulator.prices import PriceEngine
from mt5bridge.simulator.symbols import get_spec

SMALL_SET = ("EURUSD", "USDJPY", "XAUUSD", "US500", "HK50", "BTCUSD")


def server(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    """A server wall-clock moment as the server epoch (wall clock encoded as UTC)."""
    return calendar.timegm((y, mo, d, h, mi, s))


# Monday 23 Nov 2026 11:00 server time: every session in SMALL_SET except HK50's lunch gap is trading.
MONDAY = server(2026, 11, 23, 11, 0)
SATURDAY = server(2026, 11, 28, 12, 0)


@pytest.fixture
def make_engine() -> Callable[..., PriceEngine]:
    def build(names: tuple[str, ...] = SMALL_SET, **kw: object) -> PriceEngine:
        options: dict[str, object] = {"seed": 7, "start": MONDAY, **kw}
        return PriceEngine([get_spec(n) for n in names], **options)  # type: ignore[arg-type]

    return build
