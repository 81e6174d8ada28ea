"""The audit view in a real browser: an admin sees a REST trade's line with its outcome, a new trade's line
arrives live, the outcome filter narrows the table; a read-only token has no Audit link and gets the
admins-only note without a request (tests/web/conftest.py)."""

from __future__ import annotations

import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bot.keys import STATUS
from storage import AuditEntry, Outcome
from tests.web.conftest import READ_ONLY_TOKEN, LiveService, shot
from tests.web.drive import click, primed, rest, sign_in, wait

OPEN = {"symbol": "EURUSD", "type": "buy", "volume": 0.05}
PAGE = 50  # audit.js asks for 50 lines a page
OLDER = [Outcome.OK, Outcome.EXPIRED, Outcome.PENDING, Outcome.DENIED, Outcome.REJECTED, Outcome.FAILED]


def _older_lines(service: LiveService, count: int) -> None:
    """`count` chat lines from a day before, in every outcome but `refused`, so that the trades' lines
    fill the first page only partly and the rest needs "Load more"."""
    db = service.api.app[STATUS].db
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(count):
        line = AuditEntry(
            at=start + timedelta(minutes=n), platform="telegram", user_id="1001", chat_id="1001", role="trader",
            action="chat.confirm", raw_input="平仓黄金", outcome=OLDER[n % len(OLDER)], account="local",
        )  # fmt: skip
        service.call(db.audit.append, line)


def _rows(browser: webdriver.Chrome) -> list[tuple[str, str]]:
    """(outcome, text) of each row, read in one go: a live update may redraw the table at any moment."""
    rows: list[list[str]] = browser.execute_script(
        "return [...document.querySelectorAll('#audit-table tbody tr')].map(r => [r.dataset.outcome, r.innerText])"
    )
    return [(outcome, row_text) for outcome, row_text in rows]


def _outcomes(browser: webdriver.Chrome) -> list[str]:
    return [outcome for outcome, _ in _rows(browser)]


def _shows(browser: webdriver.Chrome, top: list[str], count: int) -> bool:
    """The table starts with rows of these outcomes and has `count` rows in all."""
    outcomes = _outcomes(browser)
    return outcomes[: len(top)] == top and len(outcomes) == count


def _requests(browser: webdriver.Chrome, since: int = 0) -> list[str]:
    names: list[str] = browser.execute_script(
        "return performance.getEntriesByType('resource').slice(arguments[0]).map(e => e.name)", since
    )
    return names


def test_admins_see_trades_with_their_outcome_live_and_filtered(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    _older_lines(service, PAGE)
    opened = rest(primed(service), "POST", "/order/open", OPEN)
    with pytest.raises(urllib.error.HTTPError):
        rest(service, "POST", "/order/open", {**OPEN, "symbol": "NOPE"})  # refused: unknown symbol
    rest(service, "POST", "/chat", {"text": "持仓"})  # a chat message over HTTP: a `chat.message` line
    sign_in(browser, service)
    browser.get(service.url + "/#audit")
    wait(browser, lambda b: _shows(b, ["ok", "refused", "ok", "expired"], PAGE))
    assert all(word in _rows(browser)[0][1] for word in ("HTTP chat", "chat.message", "“持仓”"))
    row = _rows(browser)[2][1]
    assert all(word in row for word in ("REST", "open", "buy 0.05 EURUSD", "10009", "admin")), row
    assert f"#{opened['outcomes'][0]['order']}" in row
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    shot(browser, tmp_path, "audit-more")
    click(browser, "#audit-more")
    wait(browser, lambda b: _shows(b, [], PAGE + 3))
    assert not browser.find_element(By.ID, "audit-more").is_displayed()  # that was the last page
    rest(service, "POST", "/order/open", {**OPEN, "volume": 0.02})  # its trades frame brings it in on top
    wait(browser, lambda b: _shows(b, ["ok", "ok", "refused", "ok"], PAGE + 4))
    browser.execute_script("window.scrollTo(0, 0)")
    shot(browser, tmp_path, "audit")
    Select(browser.find_element(By.ID, "audit-outcome")).select_by_value("refused")
    wait(browser, lambda b: _outcomes(b) == ["refused"])
    assert "unknown_symbol" in _rows(browser)[0][1]
    shot(browser, tmp_path, "audit-refused")

    click(browser, "#signout")
    sign_in(browser, service, READ_ONLY_TOKEN)
    assert not browser.find_element(By.CSS_SELECTOR, "nav a[data-view='audit']").is_displayed()
    asked = len(_requests(browser))
    browser.get(service.url + "/#audit")
    note = wait(browser, lambda b: b.find_element(By.ID, "audit-admins"))
    assert "admins only" in note.text
    assert not any("/api/v1/audit" in url for url in _requests(browser, asked))
    shot(browser, tmp_path, "audit-viewer")
