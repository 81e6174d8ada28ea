"""Who is calling: bearer tokens (static master and read-only tokens, JWT) to a Principal with a role.

Comparison is constant-time (`hmac.compare_digest`) and tokens are never logged. No token configured
means the API refuses every authenticated call rather than running open.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from pydantic import SecretStr

from api.security import jwt
from api.settings import SecuritySettings
from mt5bridge.common.roles import Role

NO_TOKEN_MESSAGE = "the API has no token configured: set MT5BOT_SECURITY__TOKEN (security.token) to use it"  # noqa: S105
_JWT_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. `subject` is stable per token and safe to log (never the token)."""

    subject: str
    role: Role
    via: str  # "token", "read_only_token" or "jwt"

    @property
    def can_trade(self) -> bool:
        return self.role in (Role.ADMIN, Role.TRADER)


PRINCIPAL = web.RequestKey("principal", Principal)


def principal_of(request: web.Request) -> Principal:
    """The caller of an authenticated route (set by the security middleware)."""
    return request[PRINCIPAL]


def token_subject(token: str) -> str:
    """A short fingerprint of a token for logs and rate-limit buckets."""
    return "tok-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _equal(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode(), secret.encode())


def static_principal(security: SecuritySettings, token: str) -> Principal | None:
    """The principal of a static token: the master token is admin, the read-only token a viewer."""
    if not token:
        return None
    if security.token is not None and _equal(token, security.token.get_secret_value()):
        return Principal(token_subject(token), Role.ADMIN, "token")
    if security.read_only_token is not None and _equal(token, security.read_only_token.get_secret_value()):
        return Principal(token_subject(token), Role.VIEWER, "read_only_token")
    return None


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _secret(value: SecretStr | None) -> str | None:
    """The plain text of an optional SecretStr; an empty secret counts as not configured."""
    return (value.get_secret_value() if value is not None else None) or None


class Authenticator:
    """Token checks for one configuration, built once per app so the hot path does no setup work.

    Static tokens map to precomputed principals. A JWT is accepted only while its `sub` is the current
    master token's subject, so rotating the master token revokes every JWT minted from it. Verified JWTs
    are cached (bounded) until their expiry, which keeps signature checks off the per-request path.
    """

    def __init__(self, security: SecuritySettings) -> None:
        self._master = _secret(security.token)
        self._read_only = _secret(security.read_only_token)
        secret = _secret(security.jwt_secret)
        self._jwt_secret = secret if jwt.usable_secret(secret) else None
        self._ttl = timedelta(minutes=security.jwt_expire_minutes)
        self.master_subject = token_subject(self._master) if self._master else None
        self._static: tuple[tuple[str, Principal], ...] = tuple(
            (secret, Principal(token_subject(secret), role, via))
            for secret, role, via in (
                (self._master, Role.ADMIN, "token"),
                (self._read_only, Role.VIEWER, "read_only_token"),
            )
            if secret is not None
        )
        self._jwt_cache: dict[str, tuple[Principal, float]] = {}

    @property
    def configured(self) -> bool:
        """Whether a master token is set; without one nothing authenticates (never run open)."""
        return self._master is not None

    @property
    def jwt_enabled(self) -> bool:
        return self._jwt_secret is not None and self._master is not None

    def authenticate(self, token: str | None) -> Principal | None:
        """The principal of a static token or a valid JWT, else None."""
        if not token or self._master is None:
            return None
        # Same answers as static_principal, with the principals built once.
        for secret, principal in self._static:
            if _equal(token, secret):
                return principal
        return self._jwt_principal(token)

    def is_master(self, token: str | None) -> bool:
        """Whether `token` is the master token (constant-time)."""
        return bool(token) and self._master is not None and _equal(token or "", self._master)

    def mint(self, role: Role) -> jwt.IssuedToken:
        """A JWT for the master token's subject with `role`; requires `jwt_enabled`."""
        if self._jwt_secret is None or self.master_subject is None:
            raise RuntimeError("JWTs are not enabled")
        return jwt.mint(self._jwt_secret, self.master_subject, role, self._ttl)

    def _jwt_principal(self, token: str) -> Principal | None:
        if self._jwt_secret is None:
            return None
        cached = self._jwt_cache.get(token)
        if cached is not None:
            if cached[1] > time.time():
                return cached[0]
            del self._jwt_cache[token]
        claims = jwt.verify(self._jwt_secret, token)
        if claims is None or self.master_subject is None or not _equal(claims.sub, self.master_subject):
            return None
        principal = Principal(claims.sub, claims.role, "jwt")
        if len(self._jwt_cache) >= _JWT_CACHE_SIZE:
            self._jwt_cache.clear()  # bounded; only validly signed tokens ever get in
        self._jwt_cache[token] = (principal, claims.expires_at.timestamp())
        return principal


def authenticate(security: SecuritySettings, token: str | None) -> Principal | None:
    """The caller behind `token` (static master or read-only token, or JWT), or None if not accepted.

    For the WebSocket handshake; the REST middleware keeps one `Authenticator` per app instead.
    """
    return Authenticator(security).authenticate(token)


# A browser cannot set headers on a WebSocket, and a token in the URL may end in logs or history: the
# dashboard offers the subprotocols `mt5bot` and `bearer.<token>`; the server selects `mt5bot`, never
# echoing the token.
SUBPROTOCOL = "mt5bot"
_BEARER_PROTOCOL = "bearer."


def offered(request: web.Request) -> str | None:
    """The token a client offered as the subprotocol `bearer.<token>` (Sec-WebSocket-Protocol)."""
    for value in request.headers.getall("Sec-WebSocket-Protocol", ()):
        for item in value.split(","):
            item = item.strip()
            if item.startswith(_BEARER_PROTOCOL) and len(item) > len(_BEARER_PROTOCOL):
                return item[len(_BEARER_PROTOCOL) :]
    return None
