"""Browser tests: Debian's headless Chromium, driven by Selenium, against the whole service on 127.0.0.1.

Fixtures and helpers (tests are plain synchronous functions, `def test_...`, not `async def`):

* `service` — the whole service with the simulator (`tests.api.conftest.start_api`), one per test, in its own
  temporary folder. `service.url` is `http://127.0.0.1:PORT`; `service.call(fn, *args)` runs `fn` (a plain
  function or a coroutine function) on the service's event loop and returns its result, for reaching into
  the app or the simulator (`service.call(service.sim.account_info)`); `service.api` is the `Api`.
  Settings can be overridden per test with `service_factory(**overrides)` (same overrides as `start_api`).
* `front_service` — a front acting on two accounts, its own terminal `a` and a bridge `b`: (front, bridge).
* `browser` — a headless Chromium WebDriver whose language is en-US, viewport 1280x900 (the window's
  inside: screenshots are 1280x900). One Chromium per language serves the whole session (a start takes
  ~0.4 s, the clean-up between tests ~0.1 s): between tests its cookies, cache and every origin's storage
  are cleared, extra windows closed, and it is left on about:blank.
* `browser_factory(lang="zh-CN")` — the session's Chromium for another language (`--lang`, the
  `intl.accept_languages` preference and a CDP locale override): `navigator.language` is `lang`, the
  requests' `Accept-Language` starts with it and `Intl` formats dates and numbers in it.
* `shot(browser, tmp_path, name)` — saves a PNG of the page as `tmp_path / "screenshots" / f"{name}.png"`
  and returns that path (pytest keeps the last runs' tmp folders: `pytest --basetemp=DIR` to choose).

Sync and async: Selenium's calls block, while aiohttp serves from an event loop. Each `service` runs on
an event loop of its own in a background thread, so a test blocked in a WebDriver call never blocks the
server: the test thread only drives the browser, the service thread only serves. Anything touching the
app's objects goes through `service.call`, which hands the work to the service's loop and waits for it.

Chromium must be installed: `scripts/install-browser.sh` (run by scripts/test.sh and .ci/run) installs
`chromium` and `chromium-driver` on Debian as root. Without them the tests fail, saying so, rather than
skip: they are meant to run wherever the suite runs. Selenium Manager never runs (the driver's path is
given and SE_OFFLINE is set), so nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from mt5bridge.simulator import Simulator
from tests.api.conftest import READ_ONLY_TOKEN, TOKEN, Api, start_api
from tests.front_api.conftest import BRIDGE_B, start_front

__all__ = ["READ_ONLY_TOKEN", "TOKEN", "LiveService", "shot", "start_chromium"]

# Debian's packages: /usr/bin/chromium is a shell wrapper that adds desktop flags; the real binary is used.
CHROMIUM = os.environ.get("MT5BOT_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMEDRIVER = os.environ.get("MT5BOT_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1280, 900)
DEFAULT_LANG = "en-US"
SERVICE_TIMEOUT = 30.0  # seconds for a start, a stop or a `service.call`

os.environ.setdefault("SE_OFFLINE", "true")  # belt and braces: Selenium Manager must never download
os.environ.setdefault("SE_AVOID_STATS", "true")


def shot(browser: webdriver.Chrome, tmp_path: Path, name: str) -> Path:
    """Save a PNG screenshot of the browser's page under the test's tmp folder and return its path."""
    folder = tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    if not browser.save_screenshot(str(path)):
        pytest.fail(f"the browser could not save a screenshot to {path}")
    return path


# ---------------------------------------------------------------------------------------------- browser


def _missing_browser() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return None
    return (
        f"the browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} missing): "
        "run scripts/install-browser.sh as root (scripts/test.sh and .ci/run do), "
        "or apt-get install chromium chromium-driver"
    )


def start_chromium(lang: str = DEFAULT_LANG) -> webdriver.Chrome:
    """A new headless Chromium speaking `lang` (BCP 47, e.g. "zh-CN"); the caller quits it."""
    problem = _missing_browser()
    if problem:
        pytest.fail(problem)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # as root the sandbox refuses to start
        "--disable-dev-shm-usage",  # a container's /dev/shm is small
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",  # no update checks, safe browsing lists, ...: the tests are offline
        "--disable-component-update",
        "--hide-scrollbars",  # steadier screenshots
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        f"--lang={lang}",
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": f"{lang},{lang.split('-')[0]}"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    # The preference sets navigator.language(s) and Accept-Language; --lang alone does not on Linux, and
    # neither sets the locale of Intl (dates, numbers): this does, for the tab the tests drive.
    driver.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": lang})
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    _fit_viewport(driver)
    return driver


def _fit_viewport(driver: webdriver.Chrome) -> None:
    """Size the window so that the page's viewport, what a screenshot shows, is WINDOW exactly."""
    driver.set_window_size(*WINDOW)
    width, height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if (width, height) != WINDOW:  # the window's frame and toolbars take the rest
        driver.set_window_size(2 * WINDOW[0] - width, 2 * WINDOW[1] - height)


def _blank(driver: webdriver.Chrome) -> None:
    """Forget what a test left: cookies, cache, every origin's storage; back on about:blank."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": "*", "storageTypes": "all"})
    handles = driver.window_handles
    for handle in handles[1:]:  # windows a test opened
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(handles[0])
    _fit_viewport(driver)


@pytest.fixture(scope="session")
def _chromiums() -> Iterator[dict[str, webdriver.Chrome]]:
    started: dict[str, webdriver.Chrome] = {}
    yield started
    for driver in started.values():
        driver.quit()


@pytest.fixture
def browser_factory(_chromiums: dict[str, webdriver.Chrome]) -> Iterator[Callable[..., webdriver.Chrome]]:
    """`browser_factory(lang="zh-CN")`: the session's Chromium for that language, clean for this test."""
    used: list[webdriver.Chrome] = []

    def get(lang: str = DEFAULT_LANG) -> webdriver.Chrome:
        driver = _chromiums.get(lang)
        if driver is None:
            driver = _chromiums[lang] = start_chromium(lang)
        if driver not in used:
            used.append(driver)
        return driver

    yield get
    for driver in used:
        _blank(driver)


@pytest.fixture
def browser(browser_factory: Callable[..., webdriver.Chrome]) -> webdriver.Chrome:
    """The session's headless Chromium in en-US (1280x900), clean for this test."""
    return browser_factory(DEFAULT_LANG)


# ---------------------------------------------------------------------------------------------- service


@dataclass
class LiveService:
    """The whole service, served from its own event loop in a background thread."""

    api: Api
    loop: asyncio.AbstractEventLoop = field(repr=False)

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def sim(self) -> Simulator:
        return self.api.sim

    def headers(self, token: str = TOKEN) -> dict[str, str]:
        return self.api.headers(token)

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = SERVICE_TIMEOUT) -> Any:
        """Run `fn(*args)` on the service's loop (awaited if it is a coroutine function); its result."""

        async def run() -> Any:
            result = fn(*args)
            return await result if inspect.isawaitable(result) else result

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)


class _LoopThread:
    """An event loop running forever in a daemon thread, until `stop()`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="web-test-service", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Any, timeout: float = SERVICE_TIMEOUT) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        async def finish() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        try:
            self.run(finish())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(SERVICE_TIMEOUT)
            if not self.thread.is_alive():
                self.loop.close()


@pytest.fixture
def service_factory(tmp_path: Path) -> Iterator[Callable[..., LiveService]]:
    """`service_factory(**overrides)`: start the service with settings overridden (as `start_api`)."""
    started: list[tuple[_LoopThread, Api]] = []

    def start(**overrides: Any) -> LiveService:
        folder = tmp_path / f"service{len(started)}" if started else tmp_path / "service"
        folder.mkdir()
        worker = _LoopThread()
        try:
            api = worker.run(start_api(folder, **overrides))
        except BaseException:
            worker.stop()
            raise
        started.append((worker, api))
        return LiveService(api, worker.loop)

    yield start
    for worker, api in reversed(started):
        try:
            worker.run(api.runner.cleanup())
        finally:
            worker.stop()


@pytest.fixture
def front_service(tmp_path: Path) -> Iterator[tuple[LiveService, LiveService]]:
    """A front (its own terminal is account `a`) and one bridge `b` (tests/front_api/conftest.py), both
    served from one loop thread: (front, bridge)."""
    worker = _LoopThread()
    started: list[Api] = []
    try:
        bridge = worker.run(start_api(tmp_path / "b", mt5={"simulator": BRIDGE_B}))
        started.append(bridge)
        front = worker.run(start_front(tmp_path, {"b": bridge.url}, feeds=("b",))).api
        started.append(front)
        yield LiveService(front, worker.loop), LiveService(bridge, worker.loop)
    finally:
        try:
            for api in reversed(started):
                worker.run(api.runner.cleanup())
        finally:
            worker.stop()


@pytest.fixture
def service(service_factory: Callable[..., LiveService]) -> LiveService:
    """The whole service on 127.0.0.1 with the simulator, default settings (tests.api.conftest)."""
    return service_factory()
