"""The server's TLS context from `server.tls`, shared by every listener (API port and WebSocket port)."""

from __future__ import annotations

import ssl

from api.settings import TLSSettings


class TLSConfigError(Exception):
    """`server.tls` names files that cannot be loaded as a certificate chain and its key."""


def server_ssl_context(tls: TLSSettings) -> ssl.SSLContext | None:
    """A TLS context when `server.tls.cert` and `key` are set, else None (plain HTTP)."""
    if not (tls.cert and tls.key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(tls.cert, tls.key)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TLSConfigError(f"server.tls: cannot load {tls.cert} / {tls.key}: {reason}") from None
    return context
