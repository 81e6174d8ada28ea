"""The browser harness works for real: headless Chromium loads the service's pages and a page of our own,
runs JavaScript, saves screenshots and speaks the language it was asked to, while the service keeps
serving from its own thread (tests/web/conftest.py)."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.web.conftest import TOKEN, LiveService, shot

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>harness</title>
<style>body{font:16px sans-serif;background:#f4f6fa} h1{color:#1d4ed8}</style></head>
<body><h1 id="title">行情 Quotes</h1><p id="out"></p>
<script>document.getElementById("out").textContent = "ready " + (6 * 7);</script>
</body></html>"""


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_the_browser_reads_the_services_health_json(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    browser.get(f"{service.url}/api/v1/health")
    body = json.loads(browser.find_element(By.TAG_NAME, "pre").text)
    assert body["success"] is True
    assert body["data"]["mt5_connected"] is True
    path = shot(browser, tmp_path, "health")
    assert path == tmp_path / "screenshots" / "health.png"
    assert png_size(path) == (1280, 900)
    assert path.stat().st_size > 1_000


def test_the_browser_renders_the_api_docs_page(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    browser.get(f"{service.url}/docs")
    assert "/health" in browser.find_element(By.TAG_NAME, "body").text
    assert shot(browser, tmp_path, "docs").stat().st_size > 10_000  # a rendered page, not a blank one


def test_page_javascript_calls_the_service_while_the_test_waits(
    browser: webdriver.Chrome, service: LiveService
) -> None:
    """The test thread is blocked in a WebDriver call while the page's fetch is served: no deadlock."""
    browser.get(f"{service.url}/api/v1/health")  # same origin as the API
    account = browser.execute_async_script(
        """const [token, done] = arguments;
        fetch("/api/v1/account", {headers: {Authorization: "Bearer " + token}})
          .then(r => r.json()).then(done, e => done(String(e)));""",
        TOKEN,
    )
    assert account["success"] is True
    assert account["data"]["balance"] == pytest.approx(
        service.call(lambda: service.sim.account_info().balance)
    )


def test_a_page_of_our_own_runs_its_javascript(browser: webdriver.Chrome, tmp_path: Path) -> None:
    browser.get("data:text/html;charset=utf-8," + quote(PAGE))
    assert browser.title == "harness"
    assert browser.find_element(By.ID, "out").text == "ready 42"
    assert browser.execute_script("return [window.innerWidth, document.title, 1 + arguments[0]]", 2) == [
        1280,
        "harness",
        3,
    ]
    path = shot(browser, tmp_path, "own-page")
    assert png_size(path) == (1280, 900)
    assert path.stat().st_size > 2_000


def test_a_test_starts_on_a_clean_page(browser: webdriver.Chrome) -> None:
    """The session's browser is shared: the previous test's page and windows are gone."""
    assert browser.current_url == "about:blank"
    assert len(browser.window_handles) == 1


@pytest.mark.parametrize("lang", ["en-US", "zh-CN"])
def test_the_browser_speaks_the_language_asked(
    browser_factory: Callable[..., webdriver.Chrome], lang: str, tmp_path: Path
) -> None:
    browser = browser_factory(lang)
    browser.get("data:text/html;charset=utf-8," + quote(PAGE))
    assert browser.execute_script("return navigator.language") == lang
    assert browser.execute_script("return navigator.languages")[0] == lang
    assert browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().locale") == lang
    assert shot(browser, tmp_path, f"page-{lang}").is_file()


def test_service_call_reaches_the_app_on_its_loop(service: LiveService) -> None:
    async def later() -> str:
        return "awaited"

    assert service.call(later) == "awaited"
    assert service.call(lambda: 6 * 7) == 42
    started = time.monotonic()
    assert service.call(service.sim.account_info).balance > 0
    assert time.monotonic() - started < 5
