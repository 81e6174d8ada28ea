"""WebSocket tick fan-out: N clients (in a second process) subscribed to S symbols on the real server.

The server process runs the whole app on the simulator and publishes TickEvents on its bus at a fixed
rate, one round = one tick of every symbol at once (as the tick poller does). `--ticks` is the total
publish rate across all symbols: the issue's "200 clients on 20 symbols at 100 ticks/s" is
`--clients 200 --symbols 20 --ticks 100` = 5 rounds/s, 20,000 messages/s to deliver. Every client
subscribes to every symbol.

The client process holds every connection in one loop. The default `raw` client speaks the WebSocket
protocol on a plain asyncio protocol and stamps each chunk of bytes as it arrives, so the delay is the
server's and not the client library's parsing (`--client aiohttp` measures through aiohttp's client, as
before; its parsing adds to the delay). The client checks, per client and symbol, that ticks arrive in
publish order and that the last published tick arrives: anything else missing was conflated.

`--stalled N` adds N clients that subscribe and then never read (tiny receive buffer): the server's RSS
before/after and its buffered bytes for them show that memory stays bounded. The server and client
processes are pinned to different cores (`--server-cpu`, `--client-cpu`, like `taskset -c`), and each
reports its CPU time; the server's CPU time per delivered message is less noisy than the delays.

    .venv/bin/python benchmarks/bench_ws.py                 # the issue's two runs (below)
    .venv/bin/python benchmarks/bench_ws.py --clients 200 --symbols 20 --ticks 100 --seconds 8
    .venv/bin/python benchmarks/bench_ws.py --clients 200 --symbols 20 --ticks 500 --stalled 1

With no --ticks the issue's scenario runs twice: 100 ticks/s, then 500 ticks/s with one stalled client.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import multiprocessing as mp
import pstats
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from ws_clients import MARK, TOKEN, Run, client_process, pin

from api.keys import BUS, CLIENT
from api.ws import ws_hub
from mt5bot.app import create_app
from mt5bot.config import Settings
from mt5bridge.trading.events import TickEvent


def _settings(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "server": {"host": "127.0.0.1", "port": 0},
            "security": {"token": TOKEN, "requests_per_minute": 1_000_000},
            "mt5": {
                "backend": "simulator",
                "simulator": {
                    "demo_days": 0,
                    "market_hours": "always",
                    "realtime": False,
                    "state_file": str(tmp / "sim.json"),
                },
            },
            "database": {"url": f"sqlite+aiosqlite:///{tmp}/bench.db", "snapshot_interval_sec": 3600},
            "logging": {"file": None, "level": "WARNING"},
        }
    )


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def bench(run: Run) -> None:
    pin(run.server_cpu)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(_settings(Path(tmp)))
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        # As `mt5bot serve` does once it listens (mt5bot/serve.py): what start-up built is moved out of
        # the collector's generations, so a full collection does not walk it in the middle of a round.
        gc.collect()
        gc.freeze()
        symbols = [s.name for s in await app[CLIENT].symbols()][: run.symbols]
        ours, theirs = mp.get_context("spawn").Pipe()
        proc = mp.get_context("spawn").Process(target=client_process, args=(port, run, symbols, theirs))
        proc.start()
        theirs.close()  # only the child holds its end now: if it dies, recv() ends with EOFError
        try:
            await asyncio.to_thread(ours.recv)  # every client connected and subscribed
        except EOFError:
            proc.join()
            raise SystemExit(f"the client process died (exit code {proc.exitcode})") from None
        await asyncio.sleep(0.5)  # subscription snapshots out of the way
        idle0 = time.process_time()
        await asyncio.sleep(1.0)
        idle = time.process_time() - idle0
        start = time.time()
        ours.send(start)
        rss0, cpu0 = _rss_mb(), time.process_time()
        profile = cProfile.Profile() if run.profile else None
        if profile is not None:
            profile.enable()
        hub = ws_hub(app)
        rss: list[float] = []
        published, rounds, worst_buffer, worst_pending = await _publish(app, symbols, start, run, rss)
        await asyncio.sleep(max(0.0, start + run.seconds + run.grace - 0.3 - time.time()))
        rss1 = _rss_mb()  # at the end of the grace period, before the client's report arrives
        try:
            results = asyncio.to_thread(ours.recv)
            seen, delays, client_cpu = await asyncio.wait_for(results, run.seconds + run.grace + 120)
        except TimeoutError:
            proc.kill()
            raise SystemExit("the client process did not report in time") from None
        except EOFError:
            proc.join()
            died = f"the client process died (exit code {proc.exitcode}); see its traceback"
            raise SystemExit(died) from None
        cpu, wall = time.process_time() - cpu0, time.time() - start
        if profile is not None:
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        proc.join()
        connections = len(hub.connections)
        await runner.cleanup()
    delivered = sum(s[0] for s in seen)
    to_deliver = published * run.clients
    missing_last = sum(1 for s in seen for sym in symbols if s[1].get(sym) != rounds - 1)
    out_of_order = sum(s[2] for s in seen)
    print(
        f"--- {run.clients} clients x {len(symbols)} symbols, {run.ticks:g} ticks/s in total "
        f"({run.rounds:g} rounds/s), {run.seconds:g} s, client={run.client}, stalled={run.stalled}, "
        f"server on cpu {run.server_cpu}, clients on cpu {run.client_cpu}; {connections} sockets at the end"
    )
    print(
        f"published {published} ticks ({published / run.seconds:.0f}/s), to deliver "
        f"{published * run.clients:,} ({published * run.clients / run.seconds:,.0f} msg/s)"
    )
    print(
        f"delivered {delivered:,} ({delivered / run.seconds:,.0f} msg/s, "
        f"{delivered / max(1, to_deliver):.1%}); conflated {to_deliver - delivered:,}"
    )
    print(
        f"NOT conflation: last tick missing {missing_last} (of {run.clients * len(symbols)} client-symbols), "
        f"out of order {out_of_order}"
    )
    p50, p99, worst, mean = delays
    print(f"delay ms: p50={p50:.1f} p99={p99:.1f} max={worst:.1f} mean={mean:.1f}")
    print(
        f"server CPU {cpu:.2f} s over the run (idle {idle * 1000:.0f} ms/s): "
        f"{cpu / max(1, delivered) * 1e6:.2f} us per delivered message "
        f"({(cpu - idle * wall) / max(1, delivered) * 1e6:.2f} us net of idle); "
        f"client process CPU {client_cpu:.0%}"
        + ("  <- client saturated, delays are the client's" if client_cpu > 0.8 else "")
    )
    print(f"server RSS {rss0:.1f} MB before publishing, {rss1:.1f} MB after delivering "
          f"(each second: {' '.join(f'{r:.0f}' for r in rss)})"
          + (f"; worst socket: {worst_buffer:,} bytes buffered, {worst_pending} ticks pending"
             if run.stalled else ""))  # fmt: skip


async def _publish(
    app: web.Application, symbols: list[str], start: float, run: Run, rss: list[float]
) -> tuple[int, int, int, int]:
    """Publish rounds until `seconds` are up; also watch the sockets of the stalled clients."""
    bus, offset, hub = app[BUS], app[CLIENT].server_utc_offset, ws_hub(app)
    await asyncio.sleep(max(0.0, start - time.time()))
    stalled = {f"ws-{i + 1}" for i in range(run.stalled)}  # they connect first
    for conn in hub.connections:
        sock = conn._transport.get_extra_info("socket") if conn.name in stalled and conn._transport else None
        if sock is not None:  # loopback buffers auto-tune to megabytes: make the backlog show as over a WAN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    published, n, worst_buffer, worst_pending = 0, 0, 0, 0
    while (now := time.time()) < start + run.seconds:
        msc = int(now * 1000) + offset * 1000
        at = datetime.now(UTC)
        for i, symbol in enumerate(symbols):
            bid = MARK + n + i / 100
            bus.publish(TickEvent(symbol=symbol, bid=bid, ask=bid + 1, time=at, time_msc=msc))
            published += 1
        n += 1
        if now - start >= len(rss):
            rss.append(_rss_mb())
        if run.stalled and n % 10 == 0:
            for conn in hub.connections:
                transport = conn._transport
                if isinstance(transport, asyncio.WriteTransport):
                    worst_buffer = max(worst_buffer, transport.get_write_buffer_size())
                worst_pending = max(worst_pending, *(s.pending for s in conn._subs.values()), 0)
        await asyncio.sleep(max(0.0, start + n / run.rounds - time.time()))
    return published, n, worst_buffer, worst_pending


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--ticks", type=float, help="ticks/s published in total over all symbols")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--grace", type=float, default=2.0, help="clients keep reading this long after")
    parser.add_argument("--stalled", type=int, default=0, help="clients that subscribe and never read")
    parser.add_argument("--client", choices=["raw", "aiohttp"], default="raw")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the server while it delivers")
    a: Any = parser.parse_args()
    runs = [(a.ticks, a.stalled)] if a.ticks else [(100.0, a.stalled), (500.0, max(1, a.stalled))]
    for ticks, stalled in runs:
        run = Run(
            a.clients,
            a.symbols,
            ticks,
            a.seconds,
            a.grace,
            stalled,
            a.client,
            a.server_cpu,
            a.client_cpu,
            a.profile,
        )
        asyncio.run(bench(run))


if __name__ == "__main__":
    main()
