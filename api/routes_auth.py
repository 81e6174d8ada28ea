"""GET /api/v1/auth/me: who the caller's token is, so a client (the dashboard) shows only what it may do.

The server refuses what a role may not do anyway; this only spares a read-only user controls that
would be refused.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api.jsonio import ok
from api.routing import Endpoint
from api.security.auth import principal_of
from mt5bridge.common.roles import Role


class WhoAmIOut(BaseModel):
    """The caller as the security gate knows it (never the token)."""

    model_config = ConfigDict(frozen=True)

    subject: str  # stable per token, safe to show: `tok-…` or the JWT's subject
    role: Role
    via: str  # token, read_only_token or jwt
    can_trade: bool


async def whoami(request: web.Request) -> web.Response:
    """The caller's subject, role and whether it may trade."""
    p = principal_of(request)
    return ok(
        WhoAmIOut(subject=p.subject, role=p.role, via=p.via, can_trade=p.can_trade).model_dump(mode="json")
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", "/auth/me", whoami, "Who this token is", "auth", WhoAmIOut, errors=(401,),
        description="The role behind the caller's token (admin, trader, viewer), for clients that show "
        "only what the caller may do; the server refuses the rest anyway.",
    ),
)  # fmt: skip
