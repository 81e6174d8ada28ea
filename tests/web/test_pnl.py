"""The P&L view in a real browser: the calendar's colours and figures are the monthly report's days, and a
hedge suggestion's button opens the preview, trading only at the second click (tests/web/conftest.py)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.by import By

from mt5bot.keys import DATABASE
from storage.models import AccountSnapshot
from tests.web.conftest import READ_ONLY_TOKEN, LiveService, shot
from tests.web.drive import click, money, primed, rest, sign_in, wait

DAY = 86400


def signed(value: float) -> str:
    return ("+" if value > 0 else "") + money(value)


def trade(service: LiveService, side: str, volume: float, move: float) -> None:
    """Open EURUSD at market, move the price by `move`, close it: a closed trade of known sign."""
    opened = rest(service, "POST", "/order/open", {"symbol": "EURUSD", "type": side, "volume": volume})
    tick = service.call(service.sim.symbol_info_tick, "EURUSD")
    service.call(service.sim.set_price, "EURUSD", round(tick.bid + move, 5), round(tick.ask + move, 5))
    rest(service, "POST", "/order/close", {"ticket": opened["outcomes"][0]["order"]})


def server_day(service: LiveService) -> datetime:
    return datetime.fromtimestamp(service.call(lambda: service.sim.now), UTC)


def record_curve(service: LiveService, start: datetime, end: datetime) -> None:
    """What the snapshot recorder would have written from `start` to `end`, with a stretch of downtime."""
    login = service.call(service.sim.account_info).login
    snaps = []
    for i in range(61):
        if 0.4 < i / 60 < 0.55:  # the service was not running
            continue
        equity = 10_000.0 + 80 * math.sin(i / 5) + 3 * i
        at = start + (end - start) * i / 60
        free, profit = equity - 100, equity - 10_000
        snaps.append(
            AccountSnapshot(at=at, login=login, balance=10_000.0, equity=equity, margin=100.0, margin_free=free,
                            margin_level=equity, profit=profit)
        )  # fmt: skip

    async def write() -> None:
        for snap in snaps:
            await service.api.app[DATABASE].snapshots.record(snap)

    service.call(write)


def rgba(css: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css))


CELLS = """return [...document.querySelectorAll('.pnl-cal .day[data-day]')].map((c) => ({
  day: c.dataset.day, classes: [...c.classList], realized: c.dataset.realized ?? null, text: c.innerText,
  background: getComputedStyle(c).backgroundColor}));"""


def cells(browser: webdriver.Chrome) -> dict[str, dict[str, Any]]:
    """The calendar's day cells as the page has them at one moment (a live redraw cannot go stale)."""
    return {c["day"]: c for c in browser.execute_script(CELLS)}


def cells_match(browser: webdriver.Chrome, days: list[dict[str, Any]]) -> bool:
    """Every day row of the report has its cell, with the report's class, realized and text; the days the
    report has no row for (still to come) carry no figures."""
    shown = cells(browser)
    if {d for d, c in shown.items() if c["realized"] is not None} != {d["day"] for d in days}:
        return False
    for row in days:
        cell = shown[row["day"]]
        kind = "pos" if row["realized"] > 0 else "neg" if row["realized"] < 0 else "flat"
        trades = f"{row['trades']} trade" + ("" if row["trades"] == 1 else "s")
        if kind not in cell["classes"] or float(cell["realized"]) != row["realized"]:
            return False
        if cell["text"].split("\n") != [str(int(row["day"][8:])), signed(row["realized"]), trades]:
            return False
    return True


def test_the_calendars_colours_and_figures_are_the_monthly_reports_days(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    primed(service)
    now = server_day(service)
    while now.day == 1 or (now + timedelta(days=1)).month != now.month:  # a day of curve, two trading days
        service.call(service.sim.advance, DAY)
        now = server_day(service)
    service.call(service.sim.deposit, 1000.0)
    trade(service, "buy", 1.0, 0.0030)  # a profit on the first day
    first = rest(service, "GET", "/reports/monthly")
    record_curve(service, datetime.fromisoformat(first["start"]), server_day(service) - timedelta(hours=1))
    sign_in(browser, service)
    browser.get(service.url + "/#pnl")
    wait(browser, lambda b: cells_match(b, first["days"]))
    # The next day, while the page is open: a loss, then a small profit; the closes come over the WebSocket
    # and the view reads the month again.
    service.call(service.sim.advance, DAY)
    trade(service, "buy", 0.5, -0.0040)
    trade(service, "sell", 0.1, -0.0010)
    monthly = rest(service, "GET", "/reports/monthly")
    realized = {d["day"]: d["realized"] for d in monthly["days"]}
    assert sum(v > 0 for v in realized.values()) >= 1 and sum(v < 0 for v in realized.values()) >= 1
    wait(browser, lambda b: cells_match(b, monthly["days"]))
    shown = cells(browser)
    for row in monthly["days"]:
        r, g, b, *alpha = rgba(shown[row["day"]]["background"])
        if row["realized"] > 0:
            assert g > r + 60 and g > b and alpha and alpha[0] > 0.15, (row, r, g, b, alpha)
        elif row["realized"] < 0:
            assert r > g + 60 and r > b + 60 and alpha and alpha[0] > 0.15, (row, r, g, b, alpha)
        else:
            assert max(r, g, b) - min(r, g, b) < 20 and max(r, g, b) < 60, (row, r, g, b)
    alphas = {day: rgba(c["background"])[3] for day, c in shown.items() if {"pos", "neg"} & set(c["classes"])}
    largest = max(monthly["days"], key=lambda d: abs(d["realized"]))["day"]
    assert alphas[largest] == max(alphas.values())  # the month's largest |realized| is the strongest colour
    assert browser.find_elements(By.CSS_SELECTOR, "#pnl-svg path.equity")  # the curve, broken at the gap
    assert int(browser.find_element(By.ID, "pnl-svg").get_attribute("data-runs") or 0) >= 2
    shot(browser, tmp_path, "pnl-month")
    loss_day = next(d for d, v in realized.items() if v < 0)
    click(browser, f".pnl-cal [data-day='{loss_day}']")
    daily = rest(service, "GET", f"/reports/daily?date={loss_day}")
    day_panel = wait(browser, lambda b: b.find_element(By.ID, "pnl-day-body"))
    wait(
        browser, lambda b: signed(daily["total"]["realized"]) in day_panel.text and "EURUSD" in day_panel.text
    )
    browser.execute_script("document.getElementById('pnl-day').scrollIntoView()")
    shot(browser, tmp_path, "pnl-day")


def test_a_hedge_suggestion_previews_its_tickets_and_trades_only_at_the_second_click(
    browser: webdriver.Chrome, service: LiveService, tmp_path: Path
) -> None:
    buy = rest(primed(service), "POST", "/order/open", {"symbol": "EURUSD", "type": "buy", "volume": 1.0})
    tick = service.call(service.sim.symbol_info_tick, "EURUSD")
    service.call(service.sim.set_price, "EURUSD", round(tick.bid + 0.002, 5), round(tick.ask + 0.002, 5))
    sell = rest(service, "POST", "/order/open", {"symbol": "EURUSD", "type": "sell", "volume": 1.0})
    tickets = {buy["outcomes"][0]["order"], sell["outcomes"][0]["order"]}
    hedge = rest(service, "GET", "/reports/hedge")
    unlock = next(s for s in hedge["hedge"]["suggestions"] if s["kind"] == "unlock")  # the legs are in profit
    assert set(unlock["tickets"]) == tickets
    sign_in(browser, service, READ_ONLY_TOKEN)  # a read-only user sees the suggestion, no button
    browser.get(service.url + "/#pnl")
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "li.sugg[data-kind='unlock']"))
    assert browser.find_elements(By.CSS_SELECTOR, "li.sugg button") == []
    click(browser, "#signout")
    sign_in(browser, service)
    browser.get(service.url + "/#pnl")
    row = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#pnl-books tr[data-symbol='EURUSD']"))
    assert "1.00 (1)" in row.text
    browser.execute_script("document.getElementById('pnl-hedge').scrollIntoView()")
    shot(browser, tmp_path, "pnl-hedge")
    click(browser, "li.sugg[data-kind='unlock'] button.act")
    dialog = wait(browser, lambda b: b.find_element(By.ID, "preview"))
    assert all(f"#{t}" in dialog.text for t in tickets) and "EURUSD" in dialog.text
    shot(browser, tmp_path, "pnl-suggestion-preview")
    assert service.call(service.sim.positions_total) == 2  # the preview sent nothing
    click(browser, "#pv-confirm")
    wait(browser, lambda b: service.call(service.sim.positions_total) == 0)
    wait(browser, lambda b: b.find_elements(By.ID, "pnl-no-positions"))  # the books read again
    assert rest(service, "GET", "/reports/hedge")["hedge"]["suggestions"] == []
