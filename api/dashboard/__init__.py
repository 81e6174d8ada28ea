"""The web dashboard (issue 18): static files shipped in this package, served by the service's own app.

`GET /` is the page; `/ui/...` its modules, styles and vendored libraries. The page holds no secret and
needs no token (it asks for one); every figure it shows comes from the REST API and the WebSocket under the
same security gate as any client, so the IP allow-list, the rate limit and the roles apply unchanged. Every
response of the dashboard carries a strict Content-Security-Policy (no inline script or style, nothing
from another origin) and the usual hardening headers. Docs: docs/dashboard.md.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
PAGE = "/"
PREFIX = "/ui"

# 'self' covers the page's own ws:// and wss:// (CSP Level 3); nothing inline, nothing from elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidated each load: an upgrade is seen at once (ETag keeps it cheap)
}


async def page(request: web.Request) -> web.FileResponse:
    """GET /: the dashboard's one page."""
    return web.FileResponse(STATIC / "index.html")


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == PAGE or request.path.startswith(PREFIX + "/"):
        response.headers.update(HEADERS)


def setup_dashboard(app: web.Application) -> None:
    """Serve the page at / and its files under /ui/, with the security headers."""
    app.router.add_get(PAGE, page, name="dashboard")
    app.router.add_static(PREFIX, STATIC, name="dashboard-files", follow_symlinks=False)
    app.on_response_prepare.append(_headers)
