"""Does a burst of big bar requests stall the rest of the service? (issue 10, point 7)

Starts `mt5bot serve` with the shipped config.yaml (30 demo days, fresh data directory), then fires 16
concurrent `GET /rates/EURUSD/range?tf=m1` requests of about 8 MB each (45 calendar days of M1 bars,
~46,000 bars) with curl, while this process asks /api/v1/health every 10 ms on its own keep-alive
connection. With `taskset`, the service runs on CPU 0 and the clients (curl, this probe) on CPU 1.
Prints the /health latency (p50, p99, max) before and during the burst, how long the burst took, and
the service's VmRSS before, right after and 2 s after the burst (and VmHWM, the peak).

Run: .venv/bin/python benchmarks/bench_loop_stall.py [ROUNDS]   (default 3; figures are min/median)
Target: /health max latency under 50 ms during the burst.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from procinfo import free_port, proc_status, service_env

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789abcdef"
REQUESTS = 16
RANGE_DAYS = 45
# The service on CPU 0, curl and this probe on CPU 1 (as bench_api.py does), so that 16 curls do not
# compete with the service for its core: the figures are the service's, not the box's run queue.
PIN_SERVER = ["taskset", "-c", "0"] if shutil.which("taskset") and os.cpu_count() != 1 else []
PIN_CLIENTS = ["taskset", "-c", "1"] if PIN_SERVER else []


def start(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = service_env(data, port, TOKEN)
    cmd = [*PIN_SERVER, sys.executable, "-m", "mt5bot", "--config", str(ROOT / "config.yaml"), "serve"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).read()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the service did not start")


def health_ms(conn: http.client.HTTPConnection) -> float:
    began = time.perf_counter()
    conn.request("GET", "/api/v1/health")
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        sys.exit(f"/health answered {resp.status}")
    return (time.perf_counter() - began) * 1000


def probe(conn: http.client.HTTPConnection, until: callable) -> list[float]:  # type: ignore[valid-type]
    samples = []
    while not until():
        samples.append(health_ms(conn))
        time.sleep(0.01)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered):6.1f}  p99 {p99:6.1f}  max {ordered[-1]:6.1f} ms (n={len(ordered)})"
    )


def one_round(port: int, pid: int) -> dict[str, float]:
    end = datetime.now(UTC).replace(microsecond=0)
    begin = end - timedelta(days=RANGE_DAYS)
    url = (
        f"http://127.0.0.1:{port}/api/v1/rates/EURUSD/range?tf=m1"
        f"&from={begin.isoformat().replace('+00:00', 'Z')}&to={end.isoformat().replace('+00:00', 'Z')}"
    )
    curl = [*PIN_CLIENTS, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}\n"]
    sample = subprocess.run(
        [*curl, "-H", f"Authorization: Bearer {TOKEN}", url], capture_output=True, text=True
    )
    code, size = sample.stdout.split()
    if code != "200":
        sys.exit(f"range request answered {code}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    quiet_until = time.monotonic() + 2
    quiet = probe(conn, lambda: time.monotonic() > quiet_until)
    time.sleep(1)
    before = proc_status(pid)["VmRSS"]
    began = time.perf_counter()
    burst = [
        subprocess.Popen(
            [*curl, "-H", f"Authorization: Bearer {TOKEN}", url], stdout=subprocess.PIPE, text=True
        )
        for _ in range(REQUESTS)
    ]
    during = probe(conn, lambda: all(p.poll() is not None for p in burst))
    took = time.perf_counter() - began
    after = proc_status(pid)
    codes = [p.communicate()[0].split()[0] for p in burst]
    if set(codes) != {"200"}:
        sys.exit(f"burst answers: {codes}")
    time.sleep(2)
    settled = proc_status(pid)["VmRSS"]
    conn.close()
    print(f"  body {int(size) / 2**20:.1f} MB; idle /health {summary(quiet)}")
    print(f"  during {REQUESTS} range requests ({took:.2f} s): /health {summary(during)}")
    print(
        f"  VmRSS {before} MB before, {after['VmRSS']} right after, {settled} 2 s later;"
        f" VmHWM {after['VmHWM']}"
    )
    return {
        "max": max(during),
        "p99": sorted(during)[min(len(during) - 1, int(len(during) * 0.99))],
        "took": took,
        "rss_delta": settled - before,
        "hwm": after["VmHWM"],
    }


def main(rounds: int) -> None:
    if PIN_CLIENTS:
        os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start(Path(tmp))
        try:
            results = []
            for i in range(rounds):
                print(f"round {i + 1}")
                results.append(one_round(port, proc.pid))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)

    def fmt(key: str, unit: str, digits: int = 1) -> str:
        values = [r[key] for r in results]
        return f"{min(values):.{digits}f}/{statistics.median(values):.{digits}f}{unit}"

    print(
        f"/health during the burst: max {fmt('max', ' ms')}, p99 {fmt('p99', ' ms')}; "
        f"burst {fmt('took', ' s', 2)}; RSS +{fmt('rss_delta', ' MB', 0)} after it;"
        f" peak {fmt('hwm', ' MB', 0)}"
        " (min/median)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
