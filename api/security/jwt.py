"""JSON Web Tokens for the API: HS256 only, claims `sub`, `role`, `iat`, `exp`, `jti`, all required.

A JWT is minted by `POST /api/v1/auth/login` from the master token and carries the master token's
subject, so minting many JWTs does not multiply a caller's rate-limit budget. Verification refuses any
other algorithm (including `none`), a missing claim, an unknown role and an expired token; it never
raises and never puts the token in a message.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt as pyjwt

from mt5bridge.common.roles import Role

ALGORITHM = "HS256"
# RFC 7518 3.2: an HS256 key must be at least as long as the hash output (32 bytes).
MIN_SECRET_BYTES = 32
_REQUIRED = ("sub", "role", "iat", "exp", "jti")


@dataclass(frozen=True, slots=True)
class JwtClaims:
    """The verified claims of a JWT."""

    sub: str
    role: Role
    issued_at: datetime
    expires_at: datetime
    jti: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly minted JWT and when it stops being accepted."""

    token: str
    expires_at: datetime
    role: Role


def usable_secret(secret: str | None) -> bool:
    """Whether a configured JWT secret is long enough to sign with (shorter ones disable JWTs)."""
    return secret is not None and len(secret.encode()) >= MIN_SECRET_BYTES


def mint(secret: str, subject: str, role: Role, ttl: timedelta, now: datetime | None = None) -> IssuedToken:
    """Sign a JWT for `subject` with `role`, valid for `ttl` from `now` (UTC)."""
    if not usable_secret(secret):
        raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    expires = issued + ttl
    claims = {
        "sub": subject,
        "role": role.value,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.UUID(bytes=secrets.token_bytes(16), version=4).hex,
    }
    return IssuedToken(pyjwt.encode(claims, secret, algorithm=ALGORITHM), expires, role)


def verify(secret: str, token: str, now: datetime | None = None) -> JwtClaims | None:
    """The claims of a valid, unexpired HS256 token signed with `secret`, else None."""
    if not usable_secret(secret) or token.count(".") != 2:
        return None
    wall_clock = now is None
    options: pyjwt.types.Options = {
        "require": list(_REQUIRED),
        "verify_exp": wall_clock,
        "verify_iat": wall_clock,
    }
    try:
        raw = pyjwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
    except (pyjwt.PyJWTError, ValueError, TypeError):
        return None
    return _claims(raw, now)


def _claims(raw: dict[str, object], now: datetime | None) -> JwtClaims | None:
    sub, role, iat, exp, jti = (raw.get(name) for name in _REQUIRED)
    if not (isinstance(sub, str) and sub and isinstance(jti, str) and jti):
        return None
    if not (isinstance(iat, int) and isinstance(exp, int)) or isinstance(iat, bool) or isinstance(exp, bool):
        return None
    if not isinstance(role, str):
        return None
    try:
        parsed_role = Role(role)
    except ValueError:
        return None
    expires = datetime.fromtimestamp(exp, UTC)
    # An injected clock (tests, replay) is checked here since pyjwt only knows the wall clock.
    if now is not None and expires <= now:
        return None
    return JwtClaims(sub, parsed_role, datetime.fromtimestamp(iat, UTC), expires, jti)
