"""The vendored chart library (scripts/vendor-charts.sh): served under the dashboard's policy, exactly the
file its README records, with its licence and attribution notice, at the path chart.js loads."""

from __future__ import annotations

import hashlib
import re

import aiohttp

from api.dashboard import CSP, STATIC
from tests.api.conftest import Api

VENDOR = STATIC / "vendor" / "lightweight-charts"
BUILD = "lightweight-charts.standalone.production.js"


def _recorded(field: str) -> str:
    """A `- field: value` line of the vendor README, written by the script."""
    found = re.search(rf"^- {re.escape(field)}: (\S+)", (VENDOR / "README.md").read_text(), re.MULTILINE)
    assert found, f"the vendor README records no {field!r}"
    return found.group(1)


async def test_the_vendored_library_is_served_under_the_policy_as_recorded(api: Api) -> None:
    path = f"/ui/vendor/lightweight-charts/{BUILD}"
    assert f'"{path}"' in (STATIC / "chart.js").read_text()  # the view loads this very file
    async with aiohttp.ClientSession() as http, http.get(api.url + path) as served:
        assert served.status == 200
        assert served.content_type in ("text/javascript", "application/javascript")
        assert served.headers["Content-Security-Policy"] == CSP
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        body = await served.read()
    assert hashlib.sha512(body).hexdigest() == _recorded("file sha512")
    version = _recorded("version")
    assert f"TradingView Lightweight Charts™ v{version}\n" in body[:300].decode()
    assert _recorded("tarball integrity").startswith("sha512-")
    assert f"lightweight-charts-{version}.tgz" in _recorded("source")


def test_the_licence_and_the_attribution_notice_ship_with_it() -> None:
    licence = (VENDOR / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "TradingView" in licence
    notice = (VENDOR / "NOTICE").read_text()
    assert "TradingView Lightweight Charts" in notice and "https://www.tradingview.com/" in notice
    # the README's requirement: the notice and a link to tradingview.com where the chart is shown
    view = (STATIC / "chart.js").read_text()
    assert 'CREDIT = "https://www.tradingview.com/"' in view and "TradingView Lightweight Charts" in view
