"""REST API throughput and latency: the server on one core, wrk (16 connections) on the other.

Starts `mt5bot serve` on the simulator pinned to CPU 0 (authentication and rate limiting on, a limit high
enough not to trip), opens 1,000 positions for the positions benchmark, then drives each endpoint with
Debian's `wrk` pinned to CPU 1 and prints requests/s and p50/p99 latency. Also prints how long the same
reads take through the trading core directly, so the API's own cost shows.

Run: .venv/bin/python benchmarks/bench_api.py [SECONDS_PER_ENDPOINT]   (installs wrk with apt when root)
Targets (issue 5): GET /account >= 4,500 req/s, GET /rates/EURUSD?tf=h1&count=1000 >= 200 req/s, p99 < 20 ms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

TOKEN = "bench-token-0123456789abcdef"
HEADER = f"Authorization: Bearer {TOKEN}"
ROOT = Path(__file__).resolve().parents[1]
OPEN_BODY = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("this benchmark needs wrk: apt-get install wrk")


BARE = "{demo_days: 0, market_hours: always, realtime: false, balance: 10000000}"


def start_server(tmp: Path, port: int, simulator: str = BARE, cpu: str = "0") -> subprocess.Popen[str]:
    """`mt5bot serve` pinned to `cpu`, its `mt5.simulator` section given as YAML flow text."""
    config = tmp / "config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            server: {{host: 127.0.0.1, port: {port}}}
            security: {{token: {TOKEN}, requests_per_minute: 100000000}}
            mt5:
              backend: simulator
              simulator: {simulator}
            risk: {{max_total_positions: 100000, max_order_volume: 100, max_daily_loss: 0}}
            database: {{url: "sqlite+aiosqlite:///{tmp}/bench.db", snapshot_interval_sec: 3600}}
            logging: {{file: null, level: WARNING}}
            """
        )
    )
    cmd = ["taskset", "-c", cpu, sys.executable, "-m", "mt5bot", "--config", str(config), "serve"]
    proc = subprocess.Popen(cmd, cwd=ROOT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("server did not start")


def call(port: int, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class Load(NamedTuple):
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int  # non-2xx answers and socket errors


def wrk(binary: str, url: str, seconds: int, script: Path | None = None) -> Load:
    """Drive `url` with wrk (1 thread, 16 connections) pinned to CPU 1, authenticated as the bench user."""
    cmd = ["taskset", "-c", "1", binary, "-t1", "-c16", f"-d{seconds}s", "--latency", "-H", HEADER, url]
    if script is not None:
        cmd[6:6] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    if errors:
        print(f"  warning: {errors} failed requests on {url}")
    return Load(rps, pct("50"), pct("99"), errors)


def main(seconds: int) -> None:
    binary = ensure_wrk()
    port = 18000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        proc = start_server(tmp, port)
        try:
            post_lua = tmp / "post.lua"
            post_lua.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = '{json.dumps(OPEN_BODY)}'\n"
            )
            base = f"http://127.0.0.1:{port}/api/v1"
            print(f"server on CPU 0, wrk -t1 -c16 -d{seconds}s on CPU 1, auth + rate limit on")
            for name, path in (
                ("GET /account", "/account"),
                ("GET /rates h1x1000", "/rates/EURUSD?tf=h1&count=1000"),
            ):
                rps, p50, p99, _ = wrk(binary, base + path, seconds)
                print(f"{name:28} {rps:9,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
            for _ in range(1000):
                call(port, "POST", "/api/v1/order/open", OPEN_BODY)
            rps, p50, p99, _ = wrk(binary, base + "/positions", seconds)
            print(f"{'GET /positions (1,000)':28} {rps:9,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
            # wrk stops with up to 16 slow /positions requests still running; let them finish, or the
            # first orders wait behind them and the order p99 measures the previous phase.
            time.sleep(3)
            rps, p50, p99, _ = wrk(binary, base + "/order/open", min(seconds, 5), post_lua)
            print(f"{'POST /order/open':28} {rps:9,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
