"""Authentication, IP allow-list, rate limiting and roles for the API (being built; see issue 5)."""

from __future__ import annotations

from aiohttp.typedefs import Middleware

from mt5bot.config import Settings


def security_middlewares(settings: Settings) -> list[Middleware]:
    """No security middleware yet."""
    return []
