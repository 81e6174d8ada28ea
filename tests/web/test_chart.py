"""The chart view in a real browser: the bars REST answers, and exactly the open position's open price, SL
and TP and the pending order's price as lines, which follow the positions live, and the ticks opening a new
bar (tests/web/conftest.py).

The view writes what it drew to `document.body.dataset.chart` (JSON), which these tests read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.conftest import LiveService, shot
from tests.web.drive import primed, rest, sign_in, wait

SYMBOL = "XAUUSD"
BARS = 500  # what chart.js asks for


def drawn(browser: webdriver.Chrome) -> dict[str, Any]:
    """The chart's summary of what it drew; empty when no chart is shown."""
    summary = browser.execute_script("return document.body.dataset.chart || null")
    return {} if summary is None else dict(json.loads(summary))


def lines(service: LiveService, symbol: str) -> list[dict[str, Any]]:
    """The lines the chart should show, from REST: each position's open, SL and TP, each order's price."""
    out = []
    for p in rest(service, "GET", f"/positions?symbol={symbol}"):
        out.append({"kind": "position", "ticket": p["ticket"], "price": p["price_open"]})
        out += [{"kind": k, "ticket": p["ticket"], "price": p[k]} for k in ("sl", "tp") if p[k]]
    out += [
        {"kind": "order", "ticket": o["ticket"], "price": o["price_open"]}
        for o in rest(service, "GET", f"/orders/pending?symbol={symbol}")
    ]
    return out


def place(service: LiveService, **order: Any) -> int:
    """Open a position or place a pending order of SYMBOL over REST; its ticket."""
    return int(rest(service, "POST", "/order/open", {"symbol": SYMBOL, **order})["outcomes"][0]["order"])


def shows(browser: webdriver.Chrome, service: LiveService, symbol: str, tf: str) -> bool:
    """The chart has the bars REST answers with the same parameters, and REST's lines exactly."""
    now = drawn(browser)
    if (now.get("symbol"), now.get("timeframe")) != (symbol, tf):
        return False
    rates = rest(service, "GET", f"/rates/{symbol}?tf={tf}&count={BARS}")
    bars = (rates["count"], rates["rates"][-1]["time"])
    return (now["bars"], now["last"]) == bars and now["lines"] == lines(service, symbol)


def test_the_chart_draws_the_bars_and_the_trade_levels_and_follows_them_live(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    spec = rest(primed(service), "GET", f"/symbol/{SYMBOL}")
    bid, ask = spec["tick"]["bid"], spec["tick"]["ask"]
    recent = rest(service, "GET", f"/rates/{SYMBOL}?tf=h1&count=100")["rates"]
    room = max(r["high"] for r in recent) - min(r["low"] for r in recent)  # levels inside the drawn range
    sl, tp, limit = round(bid - room / 4, 2), round(ask + room / 4, 2), round(bid - room / 8, 2)
    ticket = place(service, type="buy", volume=0.1, sl=sl, tp=tp)
    order_ticket = place(service, type="buy_limit", volume=0.2, price=limit)

    sign_in(browser, service)
    browser.get(service.url + "/#chart")
    wait(browser, lambda b: shows(b, service, SYMBOL, "h1"))  # the position's symbol is the default
    assert [(line["kind"], line["ticket"]) for line in drawn(browser)["lines"]] == [
        ("position", ticket), ("sl", ticket), ("tp", ticket), ("order", order_ticket),
    ]  # fmt: skip
    assert {line["price"] for line in drawn(browser)["lines"]} >= {sl, tp, limit}
    assert browser.find_element(By.CSS_SELECTOR, "#chart-box canvas").is_displayed()
    credit = browser.find_element(By.CSS_SELECTOR, "#chart-credit a")
    assert credit.get_attribute("href") == "https://www.tradingview.com/" and credit.is_displayed()
    status = browser.find_element(By.ID, "chart-status")
    ActionChains(browser).move_to_element(status).perform()  # the pointer off the chart: no crosshair
    shot(browser, tmp_path, "chart")

    Select(browser.find_element(By.ID, "chart-symbol")).select_by_value("EURUSD")  # another symbol, no lines
    Select(browser.find_element(By.ID, "chart-tf")).select_by_value("m15")
    wait(browser, lambda b: shows(b, service, "EURUSD", "m15"))
    assert drawn(browser)["lines"] == []
    Select(browser.find_element(By.ID, "chart-symbol")).select_by_value(SYMBOL)
    wait(browser, lambda b: shows(b, service, SYMBOL, "m15"))

    rest(service, "POST", "/order/close", {"ticket": ticket})
    wait(browser, lambda b: drawn(b)["lines"] == [{"kind": "order", "ticket": order_ticket, "price": limit}])
    shot(browser, tmp_path, "chart-closed")
    service.call(service.sim.advance, 15 * 60)  # into the next M15 bar: its ticks open it on the chart
    newest = rest(service, "GET", f"/rates/{SYMBOL}?tf=m15&count=1")["rates"][-1]["time"]
    wait(browser, lambda b: (drawn(b)["bars"], drawn(b)["last"]) == (BARS + 1, newest))
    blocked = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []  # nothing the chart does is refused by the page's policy
    browser.get(service.url + "/#overview")  # leaving the view removes the chart and its summary
    wait(browser, lambda b: drawn(b) == {} and not b.find_elements(By.ID, "chart-box"))
