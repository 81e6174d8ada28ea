"""The one security gate every REST request passes: IP allow-list, authentication, rate limit, role.

Deny by default: a route is public only if listed in PUBLIC_ROUTES, and the policy is looked up on the
route the router actually matched (its canonical path), not on the raw URL, so no spelling of a path can
reach a handler under another route's rules. The WebSocket route is left to the WebSocket code, which
checks its query-string token with `api.security.auth.authenticate` and is not IP-filtered (the
allow-list is for REST); only its failed handshakes are rate limited here, per address, against guessing.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, LooseHeaders

from api.jsonio import UnreadableBody, read_raw
from api.security.auth import NO_TOKEN_MESSAGE, PRINCIPAL, Authenticator, bearer, offered
from api.security.ipfilter import IpPolicy
from api.security.ratelimit import RateLimiter, retry_after_header
from api.security.refusals import RefusalLog, loggable_path
from api.settings import SecuritySettings
from mt5bridge.common.roles import Role

WS_ROUTE = "/api/v1/ws"
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/api/v1/health"),
        ("HEAD", "/api/v1/health"),
        ("GET", "/api/v1/openapi.json"),
        ("HEAD", "/api/v1/openapi.json"),
        ("GET", "/docs"),
        ("HEAD", "/docs"),
        ("POST", "/api/v1/auth/login"),
        # the dashboard's page and files (api/dashboard): no secret in them; they ask for a token
        ("GET", "/"),
        ("HEAD", "/"),
        ("GET", "/ui"),
        ("HEAD", "/ui"),
    }
)
# Routes that authenticate themselves: Telegram's webhook comes from Telegram's servers (never on the
# allow-list, no bearer token) and carries our secret header, which its handler checks in constant time;
# the OneBot reverse WebSocket carries the OneBot access token, which its handler checks the same way;
# WeCom's callbacks are signed and encrypted with the app's callback token and AES key, checked likewise.
SELF_AUTHENTICATED = frozenset({"telegram-webhook", "onebot-ws", "wecom-callback", "qqbot-callback"})
READ_METHODS = frozenset({"GET", "HEAD"})
# Non-GET routes a viewer may call: a preview only reads what an order would do; the chat core checks
# every command against the caller's role itself (a viewer may query, never trade); /parse acts on nothing.
VIEWER_ROUTES = frozenset(
    {
        ("POST", "/api/v1/order/preview"),
        ("POST", "/api/v1/rules/preview"),  # a preview changes nothing, as for orders
        ("POST", "/api/v1/chat"),
        ("POST", "/api/v1/parse"),
    }
)

_PEER_CACHE_SIZE = 4096

_CHALLENGE = {hdrs.WWW_AUTHENTICATE: 'Bearer realm="mt5bot"'}
_CHALLENGE_INVALID = {hdrs.WWW_AUTHENTICATE: 'Bearer realm="mt5bot", error="invalid_token"'}


def refusal(status: int, code: str, message: str, headers: LooseHeaders | None = None) -> web.Response:
    """The error envelope `{"success": false, "error", "code"}` with `status`."""
    return web.json_response(
        {"success": False, "error": message, "code": code}, status=status, headers=headers
    )


def viewer_may(method: str, route: str | None) -> bool:
    """Whether a read-only caller may call `method` on the matched route."""
    return method in READ_METHODS or (method, route) in VIEWER_ROUTES


def _route_of(request: web.Request) -> str | None:
    match = request.match_info
    resource = match.route.resource
    if match.http_exception is not None or resource is None:
        return None  # 404/405: authenticated like any other route, then the router's error
    return resource.canonical


class Guard:
    """The checks for one configuration, built once per app."""

    def __init__(self, security: SecuritySettings) -> None:
        self.auth = Authenticator(security)
        self.ip = IpPolicy.from_lists(security.ip_whitelist, security.trusted_proxies)
        self.limiter = RateLimiter(security.requests_per_minute)
        # peer -> (rate-limit key, admitted) for requests without a proxy chain; bounded below.
        self._peers: dict[str, tuple[str, bool]] = {}
        # A few short lines per minute per address at most, secrets masked: refusals cannot flood the log
        # nor put a token in it. aiohttp's protocol errors go there too (see security.setup_routes).
        secrets = (security.token, security.read_only_token, security.jwt_secret)
        self.refusals = RefusalLog(s.get_secret_value() for s in secrets if s is not None)

    def check(self, request: web.Request) -> web.Response | None:
        """A refusal for `request`, or None after storing its principal (if it needs one)."""
        if request.match_info.route.name in SELF_AUTHENTICATED:
            return None
        route = _route_of(request)
        if route == WS_ROUTE:
            return self._ws_guesses(request)
        address_key, admitted = self._address(request)
        if not admitted:
            self._log(address_key, request, "not in security.ip_whitelist")
            return refusal(403, "forbidden_address", "this address is not allowed to use the API")
        if (request.method, route) in PUBLIC_ROUTES:
            return self._limit((address_key,))
        principal = self.auth.authenticate(bearer(request.headers.get(hdrs.AUTHORIZATION)))
        if principal is None:
            return self._limit((address_key,)) or self._unauthorized(request, address_key)
        limited = self._limit((f"sub:{principal.subject}", address_key))
        if limited is not None:
            return limited
        if principal.role is Role.VIEWER and not viewer_may(request.method, route):
            self._log(address_key, request, f"{principal.subject} is read-only")
            return refusal(403, "forbidden_role", "this token is read-only: it may only read and preview")
        # A typed key (named "principal"): aiohttp warns about plain string keys on requests.
        request[PRINCIPAL] = principal
        return None

    def _ws_guesses(self, request: web.Request) -> web.Response | None:
        """The WebSocket code checks its own token; failed handshakes still spend the address budget."""
        token = (
            request.query.get("token") or bearer(request.headers.get(hdrs.AUTHORIZATION)) or offered(request)
        )
        if self.auth.authenticate(token) is not None:
            return None
        return self._limit((self._address(request)[0],))

    def _address(self, request: web.Request) -> tuple[str, bool]:
        """The client's rate-limit key (`ip:<address>`) and whether the allow-list admits it."""
        peer = request.remote or ""
        chain = request.headers.getall(hdrs.X_FORWARDED_FOR, ()) if self.ip.trusted_proxies else ()
        if not chain:
            known = self._peers.get(peer)
            if known is not None:
                return known
        address = self.ip.client(peer, chain)
        found = (f"ip:{address}", address is not None and self.ip.admits(address))
        if not chain:
            if len(self._peers) >= _PEER_CACHE_SIZE:
                self._peers.clear()
            self._peers[peer] = found
        return found

    def _limit(self, keys: tuple[str, ...]) -> web.Response | None:
        wait = self.limiter.take(keys)
        if not wait:
            return None
        after = retry_after_header(wait)
        return refusal(
            429, "rate_limited", f"too many requests: retry in {after} s", {hdrs.RETRY_AFTER: after}
        )

    def _unauthorized(self, request: web.Request, address_key: str) -> web.Response:
        if not self.auth.configured:
            return refusal(401, "unauthorized", NO_TOKEN_MESSAGE, _CHALLENGE)
        if not request.headers.get(hdrs.AUTHORIZATION):
            self._log(address_key, request, "no bearer token")
            return refusal(
                401, "unauthorized", "missing bearer token (Authorization: Bearer <token>)", _CHALLENGE
            )
        self._log(address_key, request, "invalid or expired token")
        return refusal(401, "unauthorized", "invalid or expired token", _CHALLENGE_INVALID)

    def _log(self, address_key: str, request: web.Request, reason: str) -> None:
        # Never the Authorization header nor the query string, and the path only as its route (or masked):
        # any of them may carry a token.
        self.refusals.refused(address_key[3:], f"{request.method} {loggable_path(request)}", reason)


async def read_admitted_body(request: web.Request) -> web.Response | None:
    """Read an admitted request's whole body here, once, so no handler meets one it cannot read.

    The body is bounded by `client_max_size` after decompression (a compressed bomb is a 413) and a body
    that cannot be decoded (corrupt deflate/gzip, a broken chunked transfer) is a 400, both with the
    envelope, on every route, the chat platforms' callbacks included. Handlers then read the cached bytes.
    """
    try:
        await read_raw(request)
    except UnreadableBody as exc:
        return refusal(400, "invalid_request", str(exc))
    except web.HTTPRequestEntityTooLarge:
        return refusal(413, "body_too_large", "request body too large")
    return None


class SecurityMiddleware:
    """The aiohttp middleware running `guard` before every handler, then reading the body it admitted."""

    __middleware_version__ = 1  # a new-style middleware, as @web.middleware marks functions

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = self.guard.check(request)
        if refused is None and request.body_exists:
            refused = await read_admitted_body(request)
        if refused is not None:
            return refused
        return await handler(request)


def security_middleware(guard: Guard) -> SecurityMiddleware:
    """The gate as a middleware; `.guard` is reachable from the app (security.setup_routes uses it)."""
    return SecurityMiddleware(guard)
