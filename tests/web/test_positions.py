"""The positions page in a real browser: EA names, profit moving with the ticks, SL/TP changes and partial
closes through the preview and the second click (tests/web/conftest.py, tests/web/drive.py)."""

from __future__ import annotations

import json
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By

from api.keys import BUS
from tests.web.conftest import LiveService, shot
from tests.web.drive import click, primed, rest, sign_in, text_of, wait

GOLD_GRID = 20001


def open_gold(service: LiveService, magic: int = 0, **extra: float) -> int:
    body = {"symbol": "XAUUSD", "type": "buy", "volume": 0.1, "magic": magic, **extra}
    result = rest(service, "POST", "/order/open", body)
    assert result["ok"], result
    return int(result["outcomes"][0]["order"])


def position(service: LiveService, ticket: int) -> dict | None:
    found = [p for p in rest(service, "GET", "/positions") if p["ticket"] == ticket]
    return found[0] if found else None


def row_text(browser: webdriver.Chrome, ticket: int, css: str) -> str:
    return text_of(browser, f'tr[data-ticket="{ticket}"] {css}')


def frames(browser: webdriver.Chrome) -> dict[str, int]:
    return json.loads(browser.execute_script("return document.body.dataset.frames || '{}'"))


def test_ea_names_group_the_positions_and_profit_moves_with_the_ticks(
    browser: webdriver.Chrome, service_factory, tmp_path: Path
) -> None:
    service = primed(service_factory(reports={"ea_names": {GOLD_GRID: "Gold grid"}}))
    published = service.call(lambda: service.api.app[BUS].published)
    grid, manual = open_gold(service, GOLD_GRID), open_gold(service)
    # both openings are through the watcher before the page subscribes: its snapshot is the last list
    wait(browser, lambda _: service.call(lambda: service.api.app[BUS].published) >= published + 2)
    sign_in(browser, service)
    browser.get(service.url + "/#positions")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, f'tr[data-ticket="{manual}"]'))
    assert row_text(browser, grid, "td.ea") == f"Gold grid ({GOLD_GRID})"
    assert row_text(browser, manual, "td.ea") == "manual"
    click(browser, "#by-ea")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, f'tbody[data-group="{GOLD_GRID}"]'))
    head = browser.find_element(By.CSS_SELECTOR, f'tbody[data-group="{GOLD_GRID}"] tr.group').text
    assert head.startswith(f"Gold grid ({GOLD_GRID}) · 1 ·")

    # The market moves; no position changes, so no new list comes: the row moves with the ticks alone.
    listed = frames(browser).get("positions", 0)
    before = row_text(browser, grid, "td.profit")
    service.call(service.sim.advance, 600)
    now = position(service, grid)
    assert now is not None
    expected = f"{now['profit']:+,.2f}".replace("+-", "-")
    wait(browser, lambda b: row_text(b, grid, "td.profit") == expected)
    assert row_text(browser, grid, "td.price") == str(now["current_price"])
    assert expected != before, "the simulator's prices did not move in ten minutes"
    assert frames(browser).get("positions", 0) == listed
    shot(browser, tmp_path, "positions-by-ea")


def test_sl_tp_and_partial_close_go_through_the_preview_and_the_second_click(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    primed(service)
    ticket = open_gold(service)
    price = position(service, ticket)["price_open"]
    sl, tp = round(price - 20, 2), round(price + 30, 2)
    sign_in(browser, service)
    browser.get(service.url + "/#positions")
    click(browser, f'button.edit[data-ticket="{ticket}"]')
    wait(browser, lambda b: b.find_element(By.ID, "edit").is_displayed())
    browser.find_element(By.ID, "edit-sl").send_keys(str(sl))
    browser.find_element(By.ID, "edit-tp").send_keys(str(tp))
    shot(browser, tmp_path, "positions-edit")
    click(browser, "#edit-modify")
    wait(browser, lambda b: b.find_element(By.ID, "preview").is_displayed())
    assert f"SL {sl} · TP {tp}" in browser.find_element(By.ID, "preview").text
    shot(browser, tmp_path, "positions-modify-preview")
    unchanged = position(service, ticket)
    assert (unchanged["sl"], unchanged["tp"]) == (None, None), "changed before the second click"
    click(browser, "#pv-confirm")
    wait(browser, lambda b: row_text(b, ticket, "td:nth-child(7)") == str(sl))
    changed = position(service, ticket)
    assert (changed["sl"], changed["tp"]) == (sl, tp)

    click(browser, f'button.edit[data-ticket="{ticket}"]')
    wait(browser, lambda b: b.find_element(By.ID, "edit-volume").is_displayed())
    browser.find_element(By.ID, "edit-volume").send_keys("0.04")
    click(browser, "#edit-partial")
    wait(browser, lambda b: b.find_element(By.ID, "preview").is_displayed())
    assert "0.04" in browser.find_element(By.ID, "preview").text
    assert position(service, ticket)["volume"] == 0.1, "closed before the second click"
    click(browser, "#pv-confirm")
    wait(browser, lambda b: row_text(b, ticket, "td:nth-child(4)") == "0.06")
    assert position(service, ticket)["volume"] == 0.06
