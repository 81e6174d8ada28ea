"""The dashboard on a front acting on several accounts (docs/accounts.md): the account chosen in the header
is the one every page shows, REST and live (the bridge's socket relayed by the front)."""

from __future__ import annotations

from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.conftest import LiveService, shot
from tests.web.drive import money, primed, rest, sign_in, text_of, wait


def test_the_chosen_account_is_the_one_shown_live(
    browser: webdriver.Chrome, front_service: tuple[LiveService, LiveService], tmp_path: Path
) -> None:
    front, bridge = front_service
    primed(bridge)
    sign_in(browser, front)
    select = wait(
        browser,
        lambda b: b.find_element(By.ID, "account").is_displayed() and b.find_element(By.ID, "account"),
    )
    assert [o.get_attribute("value") for o in Select(select).options] == ["a", "b"]
    assert Select(select).first_selected_option.text == "Local demo (a)"
    own = front.call(front.sim.account_info).balance
    wait(browser, lambda b: text_of(b, "#ov-balance") == f"{money(own)} USD")

    Select(select).select_by_value("b")
    theirs = bridge.call(bridge.sim.account_info).balance
    assert theirs != own
    wait(browser, lambda b: text_of(b, "#ov-balance") == f"{money(theirs)} USD")
    browser.get(front.url + "/#positions")
    wait(browser, lambda b: b.find_elements(By.ID, "pos-none"))
    opened = rest(front, "POST", "/order/open?account=b", {"symbol": "EURUSD", "type": "buy", "volume": 0.03})
    ticket = opened["outcomes"][0]["order"]
    assert [p.ticket for p in bridge.call(bridge.sim.positions_get)] == [ticket]  # it went to b, not to a
    wait(browser, lambda b: "0.03" in text_of(b, f'tr[data-ticket="{ticket}"]'))  # live, through the relay
    assert Select(browser.find_element(By.ID, "account")).first_selected_option.get_attribute("value") == "b"
    shot(browser, tmp_path, "front-account-b")
