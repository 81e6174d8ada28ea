"""WebSocket API at /api/v1/ws (being built; see issue 5)."""

from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    """No WebSocket route yet."""
