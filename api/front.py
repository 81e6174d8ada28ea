"""Several accounts on one API (issue 17): `GET /api/v1/accounts` and `?account=NAME` on every route.

`?account=` is a query parameter of every operation but the service's own (health, OpenAPI, login and
`/accounts` itself): one route table, one OpenAPI operation per route, and a client that names no account
keeps working on the default one. Two middlewares carry it (docs/api.md, "REST on the front"):

- `account_param` runs first, before the security gate: on a routed request it takes `account` out of
  the URL (so the routes' strict query models never see it) into the request, and decides nothing.
- `account_router` runs after authentication, inside the error envelope: without an `AccountDirectory`
  on the app (`api.keys.ACCOUNTS`, a single-account service) it accepts only the service's own name; with
  one it resolves the name (absent: the first account) and runs the local terminal's routes as today or
  relays the request to the account's bridge (`api/front_proxy.py`), once the caller's role allows the
  route: a viewer's token on the front never trades through the front's token on a bridge. `/audit` is
  never relayed: the front reads its own audit log, `account` filtering it (`named_account`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ConfigDict

from api import front_proxy
from api.envelope import ApiError
from api.jsonio import ok
from api.keys import ACCOUNTS, CLIENT, HEARTBEAT
from api.openapi import API_DOCS
from api.routing import BASE, Endpoint, add_routes
from api.security.auth import PRINCIPAL, Principal
from api.security.middleware import viewer_may
from mt5bridge.common.roles import Role
from mt5bridge.remote.directory import AccountDirectory, AccountEntry, UnknownAccount
from mt5bridge.remote.feed import FeedState
from mt5bridge.remote.settings import OwnAccountSettings
from mt5bridge.remote.status import BridgeState
from mt5bridge.terminal.heartbeat import LinkState

ACCOUNT_PARAM = "account"
# The own account as configured (`settings.account`); without it the service's settings are searched for
# it, and failing that its name is "local" (OwnAccountSettings' default).
OWN_ACCOUNT = web.AppKey("own_account", OwnAccountSettings)
_ASKED = web.RequestKey("account_asked", tuple)  # the `account` values the URL carried, taken out of it

# The service's own routes: never routed to an account, no `account` parameter. The chat is the front's
# own: its chat core reads the account from the message ("IC实盘 平仓黄金") and the user's settings.
_OWN_ROUTES = frozenset(
    BASE + p
    for p in ("/health", "/openapi.json", "/auth/login", "/accounts", "/chat", "/chat/confirm", "/parse")
)
# Routes whose handler needs more than the security gate checks: on a bridge they run under the front's
# token (its admin), so the front checks the caller's role for them itself before relaying.
_ADMIN_ROUTES = frozenset({("GET", BASE + "/status"), ("POST", BASE + "/rules/{id}/resume")})
# Routes the front serves itself whatever account is named: its audit log holds the lines it wrote for each
# account it routed to, and `account` filters them (the handler reads the name with `named_account`).
_SERVED_HERE = frozenset({BASE + "/audit"})


class AccountStatusOut(BaseModel):
    """One account as `GET /accounts` lists it; the bridge fields are null for the local terminal and
    for a bridge not probed yet."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str | None
    kind: Literal["local", "bridge"]
    default: bool
    state: BridgeState | None = None  # up, down, unauthorized (bridges)
    since: datetime | None = None
    checked_at: datetime | None = None
    last_error: str | None = None
    latency_ms: float | None = None
    mt5_connected: bool | None = None  # the account's terminal link (local: this service's heartbeat)
    version: str | None = None
    feed: FeedState | None = None  # the bridge's event feed


def own_account(app: web.Application) -> OwnAccountSettings:
    """The service's own account settings: `OWN_ACCOUNT`, else the `account` section of its settings."""
    found = app.get(OWN_ACCOUNT)
    if found is not None:
        return found
    for value in app.values():  # the composition root's `Settings` (api may not import mt5bot)
        own = getattr(value, "account", None) if isinstance(value, BaseModel) else None
        if isinstance(own, OwnAccountSettings):
            return own
    return OwnAccountSettings()


def _local_link(app: web.Application) -> bool | None:
    client, heartbeat = app.get(CLIENT), app.get(HEARTBEAT)
    if client is None or heartbeat is None:
        return None
    return client.connected and heartbeat.state is LinkState.CONNECTED


def _entry_out(app: web.Application, entry: AccountEntry, default: bool) -> AccountStatusOut:
    if entry.remote is None:
        link = _local_link(app)
        return AccountStatusOut(
            name=entry.name, label=entry.label, kind="local", default=default, mt5_connected=link
        )
    status = entry.status
    fields = {} if status is None else status.model_dump(exclude={"name", "url", "label"})
    return AccountStatusOut(
        name=entry.name, label=entry.label, kind="bridge", default=default, feed=entry.feed_state, **fields
    )


async def list_accounts(request: web.Request) -> web.Response:
    """GET /api/v1/accounts: every account in order, the first being the default."""
    app = request.app
    directory = app.get(ACCOUNTS)
    if directory is None:
        own = own_account(app)
        out = [
            AccountStatusOut(
                name=own.name, label=own.label, kind="local", default=True, mt5_connected=_local_link(app)
            )
        ]
    else:
        out = [_entry_out(app, e, e is directory.default) for e in directory]
    return ok([a.model_dump(mode="json") for a in out])


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", "/accounts", list_accounts, "Accounts this service acts on", "accounts", AccountStatusOut,
        many=True, errors=(),
        description="Each account in configured order (the first is the default of `?account=`): `kind` "
        "`local` (this service's own terminal) or `bridge` (another `mt5bot serve`, reached over its API) "
        "with the bridge's last probe (`state`, `since`, `checked_at`, `last_error`, `latency_ms`, "
        "`mt5_connected`, `version`) and its event feed's state. A single-account service lists itself.",
    ),
)  # fmt: skip


def _route(request: web.Request) -> str | None:
    """The matched route's canonical path when the request may be routed to an account, else None."""
    match = request.match_info
    resource = match.route.resource
    if match.http_exception is not None or resource is None:
        return None
    route = resource.canonical
    if not route.startswith(BASE + "/") or route in _OWN_ROUTES:
        return None
    return route


@web.middleware
async def account_param(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Before the security gate: move `?account=` of a routed request out of its URL into the request."""
    if ACCOUNT_PARAM not in request.query or _route(request) is None:
        return await handler(request)
    asked = tuple(request.query.getall(ACCOUNT_PARAM))
    clean = request.clone(rel_url=request.rel_url.without_query_params(ACCOUNT_PARAM))
    clean[_ASKED] = asked
    return await handler(clean)


def _asked_name(request: web.Request) -> str | None:
    asked = request.get(_ASKED)
    if not asked:
        return None
    if len(asked) > 1:
        raise ApiError(400, "invalid_request", f"query parameter {ACCOUNT_PARAM!r} given more than once")
    return str(asked[0])


def named_account(request: web.Request) -> str | None:
    """The account `?account=` named, spelt as configured; None when it named none. The router has
    already refused a name that is no account."""
    name = _asked_name(request)
    if name is None:
        return None
    directory: AccountDirectory | None = request.app.get(ACCOUNTS)
    return own_account(request.app).name if directory is None else directory.get(name).name


def _unknown(name: str, known: list[str]) -> ApiError:
    return ApiError(400, "unknown_account", UnknownAccount(name, known).message, accounts=known)


def may_relay(principal: Principal | None, method: str, route: str) -> bool:
    """Whether the caller's role allows `method route` on a bridge (which sees the front's token)."""
    if principal is None:
        return False
    if (method, route) in _ADMIN_ROUTES:
        return principal.role is Role.ADMIN
    return viewer_may(method, route) or principal.can_trade


@web.middleware
async def account_router(request: web.Request, handler: Handler) -> web.StreamResponse:
    """After authentication: run the request on the account it names (module docstring)."""
    directory: AccountDirectory | None = request.app.get(ACCOUNTS)
    name = _asked_name(request)
    if directory is None:
        if name is None:
            return await handler(request)
        own = own_account(request.app).name
        if name.lower() != own.lower():
            raise _unknown(name, [own])
        return await handler(request)
    route = _route(request)
    if route is None:
        return await handler(request)
    try:
        entry = directory.get(name) if name is not None else directory.default
    except UnknownAccount:
        raise _unknown(name or "", directory.names) from None
    if entry.remote is None or route in _SERVED_HERE:
        return await handler(request)
    if route == front_proxy.WS_ROUTE:
        return await front_proxy.relay_ws(request, entry.name, entry.remote)
    principal = request.get(PRINCIPAL)
    if not may_relay(principal, request.method, route):
        role = principal.role if principal is not None else "none"
        raise ApiError(
            403, "forbidden_role", f"role {role} may not call {request.method} {route} on {entry.name}"
        )
    return await front_proxy.forward(request, entry.name, entry.remote, route)


def setup_routes(app: web.Application) -> None:
    """`GET /api/v1/accounts` (in the OpenAPI document too) and the relayed sockets' shutdown."""
    add_routes(app, ENDPOINTS)
    app[API_DOCS].add(ENDPOINTS, routed=False)
    front_proxy.setup(app)
