"""GET /api/v1/status: the service's status for admins, the same `ServiceStatus` `/status` shows in chat.

One core, two front-ends: bot/core/status.py gathers it; this route only checks the role and encodes it.
"""

from __future__ import annotations

from aiohttp import web

from api.envelope import ApiError
from api.jsonio import ok
from api.routing import Endpoint
from api.security.auth import principal_of
from bot.core.status import ServiceStatus, gather
from bot.keys import STATUS
from mt5bridge.common.roles import Role


async def status(request: web.Request) -> web.Response:
    """Version, uptime, terminal link, queue depths, last report, database size, recent errors."""
    if principal_of(request).role is not Role.ADMIN:
        # queue names and error counts are about the service, not the account: admins only
        raise ApiError(403, "forbidden_role", "the service status is for admin tokens only")
    found = await gather(request.app[STATUS])
    return ok(found.model_dump(mode="json"))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", "/status", status, "Service status (admin)", "service", ServiceStatus, errors=(403,),
        description="What `/status` shows admins in chat: version, uptime, the terminal link and its last "
        "heartbeat, the outboxes' and the event bus's queues, the last scheduled report and its delivery, "
        "the database's size and the errors logged in the last hour. Needs an admin token.",
    ),
)  # fmt: skip
