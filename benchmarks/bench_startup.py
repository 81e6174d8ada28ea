"""Start-up time and memory of `mt5bot serve` with the shipped config.yaml (issue 10, point 7).

For each demo_days value: a fresh data directory (the demo account is built from scratch), then a second
start on the same directory (resumed from the saved simulator state). Each start is timed from spawning the
process to the first 200 from /api/v1/health (wall clock, and the CPU time the process used by then,
which other load on the machine disturbs less), and its memory read from /proc/<pid>/status: VmRSS at ready,
VmRSS two seconds later (the tick poller, snapshots and reports have started), VmRSS after a first use
(symbols, 1,000 H1 bars, the daily report; this is where lazily built history gets built) and VmHWM, the
peak resident size over the whole run.

Run: .venv/bin/python benchmarks/bench_startup.py [RUNS] [DEMO_DAYS ...]   (default: 3 runs of 30 and 0)
Targets: default config (30 demo days) ready in < 3 s with < 300 MB resident.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from procinfo import cpu_seconds, free_port, proc_status, service_env

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789abcdef"
FIRST_USE = (
    "/symbols",
    "/rates/XAUUSD?tf=h1&count=1000",
    "/rates/EURUSD?tf=m1&count=1000",
    "/reports/daily",
)


def get(port: int, path: str, token: bool = True) -> bytes:
    headers = {"Authorization": f"Bearer {TOKEN}"} if token else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return bytes(resp.read())


def start(data: Path, demo_days: int) -> dict[str, float]:
    """One start of the service on `data`; its figures."""
    port = free_port()
    env = service_env(data, port, TOKEN, MT5BOT_MT5__SIMULATOR__DEMO_DAYS=str(demo_days))
    cmd = [sys.executable, "-m", "mt5bot", "--config", str(ROOT / "config.yaml"), "serve"]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = began + 120
        while True:
            if proc.poll() is not None:
                sys.exit(f"the service exited with {proc.returncode}; see {data / 'mt5bot.log'}")
            try:
                json.loads(get(port, "/health", token=False))
                break
            except OSError:
                if time.perf_counter() > deadline:
                    sys.exit("the service did not answer /health within 120 s")
                time.sleep(0.02)
        ready = time.perf_counter() - began
        cpu = cpu_seconds(proc.pid)
        at_ready = proc_status(proc.pid)["VmRSS"]
        time.sleep(2)
        settled = proc_status(proc.pid)["VmRSS"]
        t0 = time.perf_counter()
        for path in FIRST_USE:
            get(port, path)
        first_use_s = time.perf_counter() - t0
        used = proc_status(proc.pid)
        return {
            "ready_s": ready,
            "cpu_s": cpu,
            "rss_ready": at_ready,
            "rss_settled": settled,
            "rss_used": used["VmRSS"],
            "hwm": used["VmHWM"],
            "first_use_s": first_use_s,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(label: str, runs: list[dict[str, float]]) -> None:
    def fmt(key: str, unit: str, digits: int) -> str:
        values = [r[key] for r in runs]
        return f"{min(values):.{digits}f}/{statistics.median(values):.{digits}f}{unit}"

    print(
        f"{label:22} ready {fmt('ready_s', ' s', 2):>14} (CPU {fmt('cpu_s', ' s', 2)})"
        f"  RSS ready {fmt('rss_ready', ' MB', 0):>12}"
        f"  +2 s {fmt('rss_settled', ' MB', 0):>12}  after use {fmt('rss_used', ' MB', 0):>12}"
        f" (use {fmt('first_use_s', ' s', 2)})  peak {fmt('hwm', ' MB', 0):>12}",
        flush=True,
    )


def main(runs: int, days: list[int]) -> None:
    print(f"mt5bot serve with {ROOT / 'config.yaml'}; {runs} runs each, figures are min/median")
    for demo_days in days:
        fresh: list[dict[str, float]] = []
        resumed: list[dict[str, float]] = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                fresh.append(start(Path(tmp), demo_days))
                resumed.append(start(Path(tmp), demo_days))
        report(f"demo_days={demo_days} fresh", fresh)
        report(f"demo_days={demo_days} resumed", resumed)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    main(count, [int(d) for d in sys.argv[2:]] or [30, 0])
