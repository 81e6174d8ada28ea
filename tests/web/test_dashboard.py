"""The dashboard in a real browser (headless Chromium): sign in, live overview, closing with a preview and a
second click, no trading controls for a read-only token, language (tests/web/conftest.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.conftest import READ_ONLY_TOKEN, TOKEN, LiveService, shot
from tests.web.drive import click, money, primed, rest, sign_in, text, wait


def test_sign_in_shows_the_demo_account_and_keeps_the_token_out_of_urls(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    browser.get(service.url + "/")
    wait(browser, lambda b: b.find_element(By.ID, "signin"))
    shot(browser, tmp_path, "signin")
    browser.find_element(By.ID, "token").send_keys("not-the-token")
    browser.find_element(By.ID, "signin-go").click()
    wait(browser, lambda b: "refused" in text(b, "signin-error"))
    browser.find_element(By.ID, "token").clear()
    sign_in(browser, service)
    account = service.call(service.sim.account_info)
    wait(browser, lambda b: text(b, "ov-balance") == f"{money(account.balance)} USD")
    assert str(account.login) in text(browser, "ov-account")
    assert "admin" in text(browser, "who")
    assert TOKEN not in browser.current_url
    stored = browser.execute_script("return sessionStorage.getItem('mt5bot.token')")
    # the service issues JWTs: the master token was traded for one at sign-in and is kept nowhere
    assert stored != TOKEN and stored.count(".") == 2
    assert browser.execute_script("return localStorage.getItem('mt5bot.token')") is None
    shot(browser, tmp_path, "overview")


def test_the_overview_changes_live_when_a_trade_is_made_through_rest(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    sign_in(browser, service)
    wait(browser, lambda b: text(b, "ov-margin") == "0.00 USD")
    wait(browser, lambda b: "live" in text(b, "link"))
    requests_before = browser.execute_script("return performance.getEntriesByType('resource').length")
    rest(service, "POST", "/order/open", {"symbol": "XAUUSD", "type": "buy", "volume": 0.1})
    account = service.call(service.sim.account_info)
    wait(browser, lambda b: text(b, "ov-margin") == f"{money(account.margin)} USD")  # no reload
    assert account.margin > 0
    # it came over the WebSocket: the page asked for no account figures again (only today's P&L)
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').slice(arguments[0]).map(e => e.name)",
        requests_before,
    )
    assert not any(url.endswith("/api/v1/account") for url in fetched), fetched
    shot(browser, tmp_path, "overview-live")


def test_closing_shows_the_preview_and_nothing_closes_before_the_second_click(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    opened = rest(primed(service), "POST", "/order/open", {"symbol": "EURUSD", "type": "buy", "volume": 0.05})
    ticket = opened["outcomes"][0]["order"]
    sign_in(browser, service)
    browser.get(service.url + "/#positions")
    row = f"tr[data-ticket='{ticket}']"
    wait(browser, lambda b: "0.05" in b.find_element(By.CSS_SELECTOR, row).text)
    assert "EURUSD" in browser.find_element(By.CSS_SELECTOR, row).text
    shot(browser, tmp_path, "positions")
    click(browser, f"{row} button.close")
    dialog = wait(browser, lambda b: b.find_element(By.ID, "preview"))
    assert f"#{ticket}" in dialog.text and "EURUSD" in dialog.text
    shot(browser, tmp_path, "preview")
    assert service.call(service.sim.positions_total) == 1  # the preview sent nothing
    click(browser, "#pv-cancel")
    assert service.call(service.sim.positions_total) == 1  # nor did cancelling
    click(browser, f"{row} button.close")  # the live list redraws: found again
    wait(browser, lambda b: b.find_element(By.ID, "preview"))
    click(browser, "#pv-confirm")
    wait(browser, lambda b: service.call(service.sim.positions_total) == 0)
    wait(browser, lambda b: "#" + str(ticket) in text(b, "toast"))  # the result is shown
    wait(browser, lambda b: b.find_elements(By.ID, "pos-none"))  # and the list no longer has it
    shot(browser, tmp_path, "closed")


def test_a_read_only_token_sees_no_trading_controls_and_a_forged_close_is_refused(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    opened = rest(service, "POST", "/order/open", {"symbol": "EURUSD", "type": "sell", "volume": 0.02})
    ticket = opened["outcomes"][0]["order"]
    sign_in(browser, service, READ_ONLY_TOKEN)
    assert "read-only" in text(browser, "who")
    browser.get(service.url + "/#positions")
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, f"tr[data-ticket='{ticket}']"))
    assert browser.find_elements(By.CSS_SELECTOR, "button.close") == []
    shot(browser, tmp_path, "positions-read-only")
    forged = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch('/api/v1/order/close', {method: 'POST', headers: {'Content-Type': 'application/json',
          Authorization: 'Bearer ' + sessionStorage.getItem('mt5bot.token')},
          body: JSON.stringify({ticket: arguments[0]})}).then(r => r.json().then(b => done([r.status, b.code])));""",
        ticket,
    )
    assert forged == [403, "forbidden_role"]
    assert service.call(service.sim.positions_total) == 1


def test_the_language_follows_the_browser_and_can_be_switched(
    browser_factory: Callable[..., webdriver.Chrome], service: LiveService, tmp_path: Path
) -> None:
    zh = browser_factory("zh-CN")
    sign_in(zh, service)
    nav = zh.find_element(By.CSS_SELECTOR, "a[data-view='overview']")
    assert nav.text == "总览"
    wait(zh, lambda b: "余额" in text(b, "overview"))
    shot(zh, tmp_path, "overview-zh")
    Select(zh.find_element(By.ID, "lang")).select_by_value("en")
    wait(zh, lambda b: b.find_element(By.CSS_SELECTOR, "a[data-view='overview']").text == "Overview")
    wait(zh, lambda b: "Balance" in text(b, "overview"))
    zh.refresh()  # the choice is kept (the token too, in this tab)
    wait(zh, lambda b: b.find_element(By.CSS_SELECTOR, "a[data-view='overview']").text == "Overview")
    shot(zh, tmp_path, "overview-en-chosen")


def test_the_dashboard_is_not_reachable_around_the_gate(service: LiveService) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        rest(service, "GET", "/positions", token="")
    assert refused.value.code == 401


def test_a_pending_order_is_cancelled_only_at_the_second_click(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    ask = service.call(service.sim.symbol_info_tick, "EURUSD").ask
    placed = rest(
        primed(service), "POST", "/order/open",
        {"symbol": "EURUSD", "type": "buy_limit", "volume": 0.03, "price": round(ask - 0.01, 5)},
    )  # fmt: skip
    ticket = placed["outcomes"][0]["order"]
    sign_in(browser, service)
    browser.get(service.url + "/#orders")
    row = f"#orders tr[data-ticket='{ticket}']"
    wait(browser, lambda b: "EURUSD" in b.find_element(By.CSS_SELECTOR, row).text)
    shot(browser, tmp_path, "orders")
    click(browser, f"{row} button.cancel")
    dialog = wait(browser, lambda b: b.find_element(By.ID, "preview"))
    assert f"#{ticket}" in dialog.text
    assert service.call(service.sim.orders_total) == 1  # the preview cancelled nothing
    click(browser, "#pv-confirm")
    wait(browser, lambda b: service.call(service.sim.orders_total) == 0)
    wait(browser, lambda b: b.find_elements(By.ID, "ord-none"))
    shot(browser, tmp_path, "orders-cancelled")
