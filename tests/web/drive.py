"""What every browser test does: REST calls from the test thread, waits, stale-safe clicks, signing in.

Plain functions over a `LiveService` and a WebDriver (tests/web/conftest.py)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.keys import BUS
from tests.web.conftest import TOKEN, LiveService

WAIT = 10.0


def primed(service: LiveService) -> LiveService:
    """The service once its trade watcher took its first snapshot: a trade made before that is part of
    the starting state, not news (see the issue's notes on trades in the first round)."""
    deadline = time.monotonic() + WAIT
    while service.call(lambda: service.api.app[BUS].published) < 1:
        assert time.monotonic() < deadline, "the trade watcher never took its first snapshot"
        time.sleep(0.05)
    return service


def rest(service: LiveService, method: str, path: str, body: Any = None, token: str = TOKEN) -> Any:
    """One REST call from the test (the service serves from its own thread)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1, our own service
        f"{service.url}/api/v1{path}", data=data, method=method,
        headers={**service.headers(token), "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own service
        return json.load(response)["data"]


def wait(browser: webdriver.Chrome, condition: Callable[[webdriver.Chrome], Any]) -> Any:
    return WebDriverWait(browser, WAIT, poll_frequency=0.05).until(condition)


def click(browser: webdriver.Chrome, css: str) -> None:
    """Click what `css` finds, again if a live redraw replaced it between the finding and the click."""

    def attempt(b: webdriver.Chrome) -> bool:
        try:
            b.find_element(By.CSS_SELECTOR, css).click()
        except StaleElementReferenceException:
            return False
        return True

    wait(browser, attempt)


def text(browser: webdriver.Chrome, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def sign_in(browser: webdriver.Chrome, service: LiveService, token: str = TOKEN) -> None:
    browser.get(service.url + "/")
    wait(browser, lambda b: b.find_element(By.ID, "token"))
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "signin-go").click()
    wait(browser, lambda b: b.find_element(By.ID, "top").is_displayed())


def money(value: float) -> str:
    return f"{value:,.2f}"


def text_of(browser: webdriver.Chrome, css: str) -> str:
    """The text of what `css` finds, or "" when nothing does or a live redraw replaced it meanwhile (for
    use inside `wait`)."""
    try:
        found = browser.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""
