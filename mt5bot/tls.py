"""The server's TLS context from `server.tls`, shared by every listener (API port and WebSocket port)."""

from __future__ import annotations

import ssl

from mt5bot.config import Settings


def server_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """A TLS context when `server.tls.cert` and `key` are set, else None (plain HTTP)."""
    tls = settings.server.tls
    if not (tls.cert and tls.key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)
    return context
