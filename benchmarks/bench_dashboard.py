"""The web dashboard's load: first paint, and a positions view of 1,000 positions kept live.

Starts `mt5bot serve` on the simulator (ticks flowing with the wall clock) pinned to CPU 0 and drives
Debian's headless Chromium (scripts/install-browser.sh) on the other core:

1. First paint: a fresh load of http://127.0.0.1:PORT/ (the sign-in page): the browser's
   first-contentful-paint, and for a signed-in tab the time until the overview shows the balance.
2. 1,000 positions over ten symbols: time until the positions view shows all of them; then, with the
   view open, the page's own time to apply each `positions` list (a position opened or closed through
   REST), end to end from the REST call to the row on screen, and the time to apply each tick of the ten
   symbols (window.mt5botTimings, api/dashboard/static/timing.js), plus the page's long tasks (>50 ms)
   meanwhile.

Run: .venv/bin/python benchmarks/bench_dashboard.py [POSITIONS] [SECONDS_OF_TICKS]
Targets (issue 18): first paint < 1 s on localhost; with 1,000 positions, updates applied in < 100 ms.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_api import TOKEN, call, start_server  # noqa: E402
from benchmarks.laps import loadavg, table  # noqa: E402
from benchmarks.procinfo import free_port  # noqa: E402
from tests.web.conftest import start_chromium  # noqa: E402

SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "AUDUSD", "USDCAD", "USDCHF", "NZDUSD", "EURJPY", "GBPJPY")
REALTIME = "{demo_days: 0, market_hours: always, realtime: true, balance: 100000000}"
WAIT = 60.0
FCP = "const e = performance.getEntriesByName('first-contentful-paint'); return e.length && e[0].startTime"
BALANCE_SHOWN = (
    "const b = document.getElementById('ov-balance'); return b && b.textContent !== '–' && performance.now()"
)
ONE = {"type": "buy", "volume": 0.01}
ROWS_SHOWN = "return document.querySelectorAll('tr[data-ticket]').length >= arguments[0] && performance.now()"
WATCH = (
    "window.mt5botTimings['positions-list'] = []; window.mt5botTimings['positions-tick'] = [];"
    "window.longTasks = []; new PerformanceObserver((l) => window.longTasks.push("
    "...l.getEntries().map((e) => e.duration))).observe({type: 'longtask'});"
)


def until(driver, script: str, timeout: float = WAIT, *args: object) -> object:
    """Poll `script` in the page until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.005)
    raise SystemExit(f"timed out waiting for: {script}")


def first_paint(driver, url: str, runs: int = 10) -> tuple[list[float], list[float]]:
    paints, ready = [], []
    for _ in range(runs):
        driver.get("about:blank")
        driver.get(url + "/")
        until(driver, "return document.getElementById('signin')")
        fcp = until(driver, FCP)
        paints.append(float(fcp) / 1000)
    for _ in range(runs):  # a signed-in tab: the token is in this tab's sessionStorage
        driver.get(url + "/")
        driver.execute_script("sessionStorage.setItem('mt5bot.token', arguments[0])", TOKEN)
        driver.get("about:blank")
        driver.get(url + "/#overview")
        shown = until(driver, BALANCE_SHOWN)
        ready.append(float(shown) / 1000)
    return paints, ready


def open_positions(port: int, count: int) -> None:
    started = time.monotonic()
    for i in range(count):
        body = {
            "symbol": SYMBOLS[i % len(SYMBOLS)],
            "type": "buy" if i % 3 else "sell",
            "volume": 0.01,
            "magic": 1000 + i % 7,
        }
        assert call(port, "POST", "/api/v1/order/open", body)["data"]["ok"]
    print(f"opened {count} positions in {time.monotonic() - started:.1f} s")


def positions_view(driver, url: str, port: int, count: int, seconds: float) -> None:
    driver.get("about:blank")  # a fresh load: performance.now() counts from this navigation
    driver.get(url + "/#positions")
    shown = until(
        driver, f"return document.querySelectorAll('tr[data-ticket]').length >= {count} && performance.now()"
    )
    first = driver.execute_script("return window.mt5botTimings['positions-draw'][0]")
    print(
        f"\npositions view with {count} rows shown {float(shown):.0f} ms after navigation "
        f"(its first drawing took {first:.0f} ms)"
    )
    until(driver, "return document.body.dataset.lastTickMs")  # the ticks are flowing
    driver.execute_script(
        "window.mt5botTimings['positions-list'] = []; window.mt5botTimings['positions-tick'] = [];"
        "window.longTasks = []; new PerformanceObserver((l) => window.longTasks.push("
        "...l.getEntries().map((e) => e.duration))).observe({type: 'longtask'});"
    )
    ends = []
    for i in range(20):  # each opening or closing sends one new list
        rows = driver.execute_script("return document.querySelectorAll('tr[data-ticket]').length")
        sent = time.time()
        if i % 2 == 0:
            result = call(
                port, "POST", "/api/v1/order/open", {"symbol": "EURUSD", "type": "buy", "volume": 0.01}
            )
            last = result["data"]["outcomes"][0]["order"]
            until(driver, f"return document.querySelector('tr[data-ticket=\"{last}\"]')")
        else:
            call(port, "POST", "/api/v1/order/close", {"ticket": last})
            until(driver, f"return !document.querySelector('tr[data-ticket=\"{last}\"]')")
        ends.append(time.time() - sent)
        assert rows > 0
    time.sleep(seconds)
    laps = {
        k: [ms / 1000 for ms in v] for k, v in driver.execute_script("return window.mt5botTimings").items()
    }
    longs = driver.execute_script("return window.longTasks")
    table(f"positions view, {count} positions, ticks of {len(SYMBOLS)} symbols for {seconds:.0f} s", [
        ("apply a positions list (page)", len(laps["positions-list"]), laps["positions-list"]),
        ("REST call -> row on screen", len(ends), ends),
        ("apply a tick (page)", len(laps["positions-tick"]), laps["positions-tick"]),
    ])  # fmt: skip
    print(
        f"  long tasks (>50 ms) meanwhile: {len(longs)}" + (f", longest {max(longs):.0f} ms" if longs else "")
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder), port, REALTIME, cpu="0")
        driver = start_chromium()
        try:
            url = f"http://127.0.0.1:{port}"
            paints, ready = first_paint(driver, url)
            table("first paint (10 fresh loads each)", [
                ("sign-in page: first contentful paint", len(paints), paints),
                ("signed in: overview shows the balance", len(ready), ready),
            ])  # fmt: skip
            open_positions(port, count)
            positions_view(driver, url, port, count, seconds)
        finally:
            driver.quit()
            server.terminate()
            server.wait(30)
    print(f"\n{loadavg()}")


if __name__ == "__main__":
    main()
