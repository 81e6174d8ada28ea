"""mt5bot's REST API side by side with mt5-bridge 1.9.0 (FastAPI + uvicorn), both on our simulator.

What it does, so anyone can reproduce the README's table:
1. installs mt5-bridge==1.9.0 from PyPI into its own venv (kept in the temp folder between runs; `--fresh`
   rebuilds it), plus orjson, which our simulator needs;
2. builds one simulator state: a 30-day demo account (hedging-grid EAs, manual trades, ~380 deals), every
   position closed, so both servers resume from the same account, history and prices, and both follow
   the wall clock (`realtime`), prices moving as in a live terminal;
3. serves the peer through benchmarks/peer/MetaTrader5.py, a `MetaTrader5` stand-in whose functions are
   the simulator's (benchmarks/peer/serve_peer.py starts it as `mt5-bridge server` would on Windows);
4. both servers up at once, pinned to CPU 0, with wrk (1 thread, 16 connections) on CPU 1, loading one
   at a time: per route a 2 s warm-up of each, then `--rounds` runs of each in turn (ours, the peer's,
   ours, ...), the best run of each side kept, so a slow spell of a shared machine lands on both sides
   rather than on whichever ran then; every route with 0 open positions, then again after opening the
   same 1,000 positions through each one's own order route (4 symbols, buys and sells, 4 EA magics);
5. prints requests/s, p99 and the body size per route, and ours / peer.

mt5bot runs as `mt5bot serve` does for a user: token authentication, the rate limiter (limit set high),
the SQLite database, the simulator journal, the heartbeat and the tick, trade and snapshot pollers.
The peer has no authentication; wrk sends the same header to both. Routes the peer lacks (pending orders)
show our figure alone; for "a symbol" the peer's nearest route is /tick/{symbol} (ours also returns the
symbol's specification).

Run: .venv/bin/python benchmarks/bench_vs_peer.py [--seconds 6] [--rounds 2] [--positions 1000]
Targets (issue 15): every route >= 3x the peer, our p99 < 20 ms, at 0 and at 1,000 positions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_api import TOKEN, Load, ensure_wrk, start_server, wrk

from mt5bridge.simulator.persist import open_simulator, save_state
from mt5bridge.terminal import constants as C

ROOT = Path(__file__).resolve().parents[1]
PEER = "mt5-bridge==1.9.0"
PEER_DIR = Path(__file__).resolve().parent / "peer"
SYMBOLS = ("EURUSD", "GBPUSD", "XAUUSD", "USDJPY")
MAGICS = (0, 20250101, 20250202, 20250303)
SIMULATOR = "{{demo_days: 0, market_hours: always, realtime: true, state_file: {state}}}"


def routes(now: datetime) -> list[tuple[str, str | None, str | None]]:
    """(label, our path, the peer's path) for every route of the issue's table."""
    start, end = (now - timedelta(days=30)), now
    ours_window = f"from={start:%Y-%m-%dT%H:%M:%S}Z&to={end:%Y-%m-%dT%H:%M:%S}Z".replace(":", "%3A")
    peer_window = f"start={int(start.timestamp())}&end={int(end.timestamp())}"
    return [
        ("account", "/api/v1/account", "/account"),
        ("positions", "/api/v1/positions", "/positions"),
        ("pending orders", "/api/v1/orders/pending", None),
        ("symbols", "/api/v1/symbols", "/symbols"),
        ("a symbol (peer: tick)", "/api/v1/symbol/EURUSD", "/tick/EURUSD"),
        ("rates H1 x1000", "/api/v1/rates/EURUSD?tf=h1&count=1000", "/rates/EURUSD?timeframe=H1&count=1000"),
        ("deals, 30 days", f"/api/v1/history/deals?{ours_window}", f"/history/deals?{peer_window}"),
    ]


def peer_python(fresh: bool) -> Path:
    """The peer's venv (created and filled from PyPI when missing), reused between runs."""
    venv = Path(tempfile.gettempdir()) / f"mt5bot-bench-{PEER.replace('==', '-')}"
    python = venv / "bin" / "python"
    if fresh and venv.exists():
        shutil.rmtree(venv)
    if not python.exists():
        print(f"installing {PEER} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER, "orjson"], check=True)
    return python


def build_state(path: Path) -> None:
    """A 30-day demo account with every position closed, saved for both servers to resume from."""
    sim = open_simulator(None, seed=0, demo_days=30, realtime=True, market_hours="always", balance=10_000_000)
    for pos in sim.positions_get() or ():
        tick = sim.symbol_info_tick(pos.symbol)
        buy = pos.type == C.POSITION_TYPE_BUY
        result = sim.order_send({
            "action": C.TRADE_ACTION_DEAL, "position": pos.ticket, "symbol": pos.symbol,
            "volume": pos.volume, "type": C.ORDER_TYPE_SELL if buy else C.ORDER_TYPE_BUY,
            "price": tick.bid if buy else tick.ask, "deviation": 100, "type_filling": C.ORDER_FILLING_IOC,
        })  # fmt: skip
        if result is None or result.retcode != C.TRADE_RETCODE_DONE:
            sys.exit(f"could not close demo position {pos.ticket}: {result}")
    save_state(sim, path)


def post(url: str, body: dict[str, object]) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.loads(resp.read())
    if resp.status != 200 or answer.get("ok") is False or answer.get("status") not in (None, "ok"):
        sys.exit(f"opening a position failed at {url}: {answer}")


def body_size(url: str) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return len(resp.read())


def wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"server did not answer {url}")


Result = dict[tuple[str, int], tuple[Load, int]]  # (route, positions) -> load, body bytes


class Side:
    """One server under test: its name, base URL, route paths, how it opens a position, its process."""

    def __init__(
        self, name: str, base: str, paths: list[tuple[str, str | None]], open_one: Callable[[int], None],
        proc: subprocess.Popen[str],
    ) -> None:  # fmt: skip
        self.name, self.base, self.paths, self.open_one, self.proc = name, base, paths, open_one, proc
        self.result: Result = {}

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def run_sides(sides: list[Side], binary: str, seconds: int, rounds: int, positions: int) -> None:
    """Every route at 0 positions, then `positions` opened on each side, then every route again."""
    for held in (0, positions):
        if held:
            for side in sides:
                print(f"{side.name}: opening {held} positions ...", flush=True)
                for i in range(held):
                    side.open_one(i)
            time.sleep(2)  # let the trade watcher and snapshots settle before measuring
        for index, (label, _) in enumerate(sides[0].paths):
            active = [(side, path) for side in sides if (path := side.paths[index][1]) is not None]
            for (side, path), load in zip(active, best_runs(active, binary, seconds, rounds), strict=True):
                side.result[(label, held)] = (load, body_size(side.base + path))
                line = f"{load.rps:9,.0f} req/s  p99 {load.p99:7.2f} ms"
                print(f"  {side.name:6} {held:5} pos  {label:22} {line}", flush=True)


def best_runs(active: list[tuple[Side, str]], binary: str, seconds: int, rounds: int) -> list[Load]:
    """Per side: a warm-up, then `rounds` runs taken in turn with the other sides; its best run."""
    for side, path in active:
        wrk(binary, side.base + path, 2)  # warm-up: caches, lazy imports and pools
    best: list[Load | None] = [None] * len(active)
    for _ in range(rounds):
        for i, (side, path) in enumerate(active):
            load = wrk(binary, side.base + path, seconds)
            if (kept := best[i]) is None or load.rps > kept.rps:
                best[i] = load
    return [load for load in best if load is not None]


def order(i: int, buy: str, sell: str) -> dict[str, object]:
    """The i-th of the positions both sides open: 4 symbols, buys and sells, 4 EA magics."""
    return {"symbol": SYMBOLS[i % 4], "type": buy if i % 2 == 0 else sell, "volume": 0.01,
            "magic": MAGICS[i // 2 % 4]}  # fmt: skip


def ours(tmp: Path, state: Path, now: datetime) -> Side:
    port = 18100 + os.getpid() % 500
    (tmp / "ours").mkdir()
    shutil.copy(state, tmp / "ours" / "state.json")
    proc = start_server(tmp / "ours", port, SIMULATOR.format(state=tmp / "ours" / "state.json"))
    base = f"http://127.0.0.1:{port}"
    paths = [(label, path) for label, path, _ in routes(now)]
    opens = lambda i: post(base + "/api/v1/order/open", order(i, "buy", "sell"))  # noqa: E731
    return Side("mt5bot", base, paths, opens, proc)


def peer(tmp: Path, state: Path, python: Path, now: datetime) -> Side:
    port = 18600 + os.getpid() % 500
    shutil.copy(state, tmp / "peer-state.json")
    env = {**os.environ, "MT5BOT_PEER_STATE": str(tmp / "peer-state.json"),
           "PYTHONPATH": f"{PEER_DIR}{os.pathsep}{ROOT}"}  # fmt: skip
    cmd = ["taskset", "-c", "0", str(python), str(PEER_DIR / "serve_peer.py"), str(port)]
    proc = subprocess.Popen(cmd, env=env, text=True, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/health", proc)
    paths = [(label, path) for label, _, path in routes(now)]
    opens = lambda i: post(base + "/order", order(i, "BUY", "SELL"))  # noqa: E731
    return Side("peer", base, paths, opens, proc)


def table(now: datetime, mine: Result, theirs: Result, positions: int) -> str:
    """The markdown table: per route and position count, ours / peer req/s (ratio), p99s and body sizes."""
    head = (
        f"| route | 0 positions: ours / peer req/s | {positions:,} positions: ours / peer req/s "
        "| our p99 (0 / N) | peer p99 (0 / N) | body ours / peer at N |\n|---|---|---|---|---|---|\n"
    )
    rows = []
    for label, _, peer_path in routes(now):
        cells, p99s, peer_p99s = [], [], []
        for held in (0, positions):
            load, _ = mine[(label, held)]
            p99s.append(f"{load.p99:.1f}")
            if peer_path is None:
                cells.append(f"{load.rps:,.0f} / -")
                continue
            other, _ = theirs[(label, held)]
            peer_p99s.append(f"{other.p99:.1f}")
            cells.append(f"{load.rps:,.0f} / {other.rps:,.0f} ({load.rps / other.rps:.1f}x)")
        size = f"{mine[(label, positions)][1] / 1024:,.1f} / " + (
            f"{theirs[(label, positions)][1] / 1024:,.1f} KB" if peer_path else "- KB"
        )
        rows.append(f"| {label} | {cells[0]} | {cells[1]} | {' / '.join(p99s)} ms | "
                    f"{' / '.join(peer_p99s) + ' ms' if peer_p99s else '-'} | {size} |")  # fmt: skip
    return head + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=6, help="one wrk run (after a 2 s warm-up per route)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per route and side, in turn; best kept")
    parser.add_argument("--positions", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the peer's venv")
    parser.add_argument("--only", choices=("ours", "peer"), help="measure one side (no ratios)")
    args = parser.parse_args()
    binary = ensure_wrk()
    python = peer_python(args.fresh)
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        state = tmp / "state.json"
        build_state(state)
        print(f"wrk -t1 -c16 on CPU 1, both servers on CPU 0, {args.rounds} x {args.seconds} s per route and "
              f"side, best kept; {os.cpu_count()} CPUs: {platform_line()}", flush=True)  # fmt: skip
        sides: list[Side] = []
        try:
            if args.only != "peer":
                sides.append(ours(tmp, state, now))
            if args.only != "ours":
                sides.append(peer(tmp, state, python, now))
            run_sides(sides, binary, args.seconds, args.rounds, args.positions)
        finally:
            for side in sides:
                side.stop()
    if len(sides) == 2:
        print()
        print(table(now, sides[0].result, sides[1].result, args.positions))


def platform_line() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return sys.platform


if __name__ == "__main__":
    main()
