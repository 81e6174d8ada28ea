"""Authentication, IP allow-list, rate limiting and roles for the API (docs/security.md).

`security_middlewares(security)` is the REST gate; `setup_routes(app, security)` adds
`POST /api/v1/auth/login` and, while the app runs, routes aiohttp's protocol errors to the gate's refusal
log (api/security/refusals.py);
`authenticate(security, token)` is for the WebSocket handshake.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Middleware

from api.security import routes
from api.security.auth import PRINCIPAL, Authenticator, Principal, authenticate, principal_of
from api.security.jwt import MIN_SECRET_BYTES
from api.security.middleware import Guard, SecurityMiddleware, security_middleware
from api.security.refusals import ProtocolErrorFilter, install_protocol_filter, remove_protocol_filter
from api.settings import SecuritySettings
from mt5bridge.common.settings_base import ConfigError

__all__ = [
    "PRINCIPAL",
    "Authenticator",
    "Principal",
    "authenticate",
    "principal_of",
    "security_middlewares",
    "setup_routes",
]

log = logging.getLogger(__name__)


def security_middlewares(security: SecuritySettings) -> list[Middleware]:
    """The security gate for REST routes; raises ConfigError on an unusable security section."""
    _check(security)
    return [security_middleware(Guard(security))]


_PROTOCOL_FILTER = web.AppKey("protocol_error_filter", ProtocolErrorFilter)


def setup_routes(app: web.Application, security: SecuritySettings) -> None:
    """Add `POST /api/v1/auth/login`; log aiohttp's protocol errors through the gate's refusal log."""
    routes.setup_routes(app, security)
    gates = [m.guard for m in app.middlewares if isinstance(m, SecurityMiddleware)]
    if not gates:
        return

    async def install(app: web.Application) -> None:
        app[_PROTOCOL_FILTER] = install_protocol_filter(gates[0].refusals)

    async def remove(app: web.Application) -> None:
        if _PROTOCOL_FILTER in app:
            remove_protocol_filter(app[_PROTOCOL_FILTER])

    app.on_startup.append(install)
    app.on_cleanup.append(remove)


def _check(security: SecuritySettings) -> None:
    """Refuse contradictions at start and warn about settings that lock the API."""
    master = security.token.get_secret_value() if security.token else ""
    read_only = security.read_only_token.get_secret_value() if security.read_only_token else ""
    if master and read_only == master:
        raise ConfigError("security.read_only_token must differ from security.token")
    if not master:
        log.warning("security.token is not set: the API refuses every authenticated request")
    secret = security.jwt_secret.get_secret_value() if security.jwt_secret else ""
    if secret and len(secret.encode()) < MIN_SECRET_BYTES:
        log.warning("security.jwt_secret is shorter than %d bytes: JWTs are disabled", MIN_SECRET_BYTES)
    if not security.ip_whitelist:
        log.warning("security.ip_whitelist is empty: every REST request is refused (403)")
