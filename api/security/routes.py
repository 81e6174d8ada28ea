"""`POST /api/v1/auth/login`: the master token in, a JWT out.

The master token travels in the `Authorization: Bearer` header, like every other credential of this API
(headers are kept out of access logs; bodies are easier to log by accident). The optional JSON body
`{"role": "admin" | "trader" | "viewer"}` (default admin) chooses the JWT's role, e.g. a viewer JWT for a
dashboard. The route is public for the middleware (still IP-filtered and rate limited per address) and
checks the master token itself.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ConfigDict, ValidationError

from api.routing import Endpoint, unknown_query
from api.security.auth import NO_TOKEN_MESSAGE, Authenticator, bearer
from api.security.jwt import MIN_SECRET_BYTES
from api.security.middleware import refusal
from api.settings import SecuritySettings
from mt5bridge.common.roles import Role

log = logging.getLogger(__name__)

LOGIN_PATH = "/api/v1/auth/login"
MAX_BODY_BYTES = 4096


class LoginRequest(BaseModel):
    """Body of `POST /auth/login` (may be empty)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role = Role.ADMIN


class LoginResponse(BaseModel):
    """`data` of a successful login."""

    model_config = ConfigDict(frozen=True)

    token: str
    expires_at: datetime
    role: Role


def _problem(error: ValidationError) -> str:
    """A one-line description of the first validation error that never echoes the input."""
    first = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        hint = " (send the master token in the Authorization header)" if where == "token" else ""
        return f"unknown field {where!r}{hint}"
    return f"{where}: {first['msg']}" if where else str(first["msg"])


async def _parse(request: web.Request) -> LoginRequest | web.Response:
    unknown = unknown_query(request, frozenset())
    if unknown is not None:
        return refusal(400, "bad_request", unknown)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return refusal(400, "bad_request", f"body larger than {MAX_BODY_BYTES} bytes")
    body = await request.read()
    if len(body) > MAX_BODY_BYTES:
        return refusal(400, "bad_request", f"body larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        return LoginRequest()
    try:
        return LoginRequest.model_validate_json(body)
    except ValidationError as exc:
        return refusal(400, "bad_request", _problem(exc))


def _credential_refusal(auth: Authenticator, token: str | None) -> web.Response | None:
    if not auth.configured:
        return refusal(
            401, "unauthorized", NO_TOKEN_MESSAGE, {hdrs.WWW_AUTHENTICATE: 'Bearer realm="mt5bot"'}
        )
    if auth.is_master(token):
        return None
    if auth.authenticate(token) is not None:
        return refusal(403, "forbidden_role", "login needs the master token (security.token)")
    return refusal(
        401,
        "unauthorized",
        "missing or invalid master token",
        {hdrs.WWW_AUTHENTICATE: 'Bearer realm="mt5bot", error="invalid_token"'},
    )


def login_handler(security: SecuritySettings) -> Handler:
    """The login handler for one configuration."""
    auth = Authenticator(security)

    async def login(request: web.Request) -> web.StreamResponse:
        """POST /api/v1/auth/login: exchange the master token for a JWT (optionally of a lesser role)."""
        refused = _credential_refusal(auth, bearer(request.headers.get(hdrs.AUTHORIZATION)))
        if refused is not None:
            log.info("login refused from %s (status %d)", request.remote, refused.status)
            return refused
        parsed = await _parse(request)
        if isinstance(parsed, web.Response):
            return parsed
        if not auth.jwt_enabled:
            return refusal(
                400,
                "jwt_disabled",
                f"JWTs are disabled: set MT5BOT_SECURITY__JWT_SECRET ({MIN_SECRET_BYTES}+ characters)",
            )
        issued = auth.mint(parsed.role)
        log.info(
            "issued a %s JWT to %s until %s", issued.role.value, request.remote, issued.expires_at.isoformat()
        )
        data = LoginResponse(token=issued.token, expires_at=issued.expires_at, role=issued.role)
        return web.json_response({"success": True, "data": data.model_dump(mode="json")})

    return login


def setup_routes(app: web.Application, security: SecuritySettings) -> None:
    """Register `POST /api/v1/auth/login`."""
    app.router.add_post(LOGIN_PATH, login_handler(security))


LOGIN_DOC = Endpoint(
    "POST",
    "/auth/login",
    login_handler(SecuritySettings()),
    "Trade the master token for a JWT",
    "auth",
    LoginResponse,
    body=LoginRequest,
    errors=(400, 401, 403, 429),
    public=True,
    description='Send the master token as `Authorization: Bearer`; optional body {"role": "viewer"}.',
)
"""The login route as the OpenAPI document shows it (the route itself is added by `setup_routes`)."""
