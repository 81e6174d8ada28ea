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
import base64
import cProfile
import gc
import multiprocessing as mp
import os
import pstats
import socket
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from api.keys import BUS, CLIENT
from api.ws import ws_hub
from mt5bot.app import create_app
from mt5bot.config import Settings
from mt5bridge.trading.events import TickEvent

TOKEN = "bench-master-token-0123456789"
MARK = 100_000.0  # bench bids start here (bid = MARK + round + symbol index / 100): told from sim ticks
PATH = f"/api/v1/ws?token={TOKEN}"


@dataclass(frozen=True)
class Run:
    clients: int
    symbols: int
    ticks: float  # per second, in total over all symbols
    seconds: float
    grace: float
    stalled: int
    client: str
    server_cpu: int
    client_cpu: int
    profile: bool = False

    @property
    def rounds(self) -> float:
        return self.ticks / self.symbols


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


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- client process ----------------------------------------------------------------------------
@dataclass
class Seen:
    """What one client saw: bench ticks, delays, the last round per symbol, order violations."""

    got: int = 0
    last: dict[str, int] = field(default_factory=dict)
    out_of_order: int = 0

    def tick(self, data: dict[str, Any], arrived: float, delays: list[float]) -> None:
        bid = data["bid"]
        if bid < MARK:
            return  # the simulator's own quote (snapshot, poller)
        self.got += 1
        n = int(bid - MARK)
        symbol = data["symbol"]
        if n <= self.last.get(symbol, -1):
            self.out_of_order += 1
        self.last[symbol] = n
        delays.append(arrived - datetime.fromisoformat(data["time"]).timestamp())


class RawClient(asyncio.Protocol):
    """A minimal WebSocket client: handshake, one masked subscribe frame, unmasked server frames."""

    def __init__(self, port: int, symbols: list[str], delays: list[float], *, read: bool = True) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.subscribe = orjson.dumps({"action": "subscribe", "channel": "ticks", "symbols": symbols})
        self.delays = delays
        self.read = read
        self.seen = Seen()
        self.buf = bytearray()
        self.upgraded = False
        self.recording = False  # once subscribed: keep the chunks, parse them in `replay()`
        self.chunks: list[tuple[float, bytes]] = []
        self.acked = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        n = len(payload)
        head = bytes([0x80 | opcode, 0x80 | n]) if n < 126 else bytes([0x80 | opcode, 0xFE]) + n.to_bytes(2)
        assert self.transport is not None
        self.transport.write(head + mask + masked)

    def data_received(self, data: bytes) -> None:
        arrived = time.time()  # when the bytes reached this process: the client's parsing is not counted
        if self.recording:
            self.chunks.append((arrived, data))  # parsed after the run, so the client stays light
            return
        self.buf += data
        if not self.upgraded:
            head, sep, rest = bytes(self.buf).partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self.acked.set_exception(RuntimeError(head.decode(errors="replace")))
                return
            self.upgraded = True
            self.buf = bytearray(rest)
            self._send(0x1, self.subscribe)
        self._frames(arrived)

    def _frames(self, arrived: float) -> None:
        buf, pos = self.buf, 0
        while (frame := _frame(buf, pos)) is not None:
            opcode, start, pos = frame
            payload = bytes(buf[start:pos])
            if opcode == 0x1:
                body = orjson.loads(payload)
                if body["channel"] == "ticks":
                    self.seen.tick(body["data"], arrived, self.delays)
                elif body["channel"] == "ack" and not self.acked.done():
                    self.acked.set_result(None)
                    self.recording = self.read
                    if not self.read:
                        assert self.transport is not None
                        self.transport.pause_reading()  # never reads again
                        break
            elif opcode == 0x9:
                self._send(0xA, payload)
            elif opcode == 0x8 and self.transport is not None:
                self.transport.close()
        del buf[:pos]

    def replay(self) -> Seen:
        """Parse what arrived during the run, each frame stamped with the arrival of its last byte."""
        self.recording = False
        for arrived, data in self.chunks:
            self.buf += data
            self._frames(arrived)
        self.chunks.clear()
        return self.seen


def _frame(buf: bytearray, pos: int) -> tuple[int, int, int] | None:
    """(opcode, payload start, payload end) of the unmasked frame at `pos`, or None if incomplete."""
    end = len(buf)
    if end - pos < 2:
        return None
    length, head = buf[pos + 1] & 0x7F, 2
    if length >= 126:
        head = 4 if length == 126 else 10
        if end - pos < head:
            return None
        length = int.from_bytes(buf[pos + 2 : pos + head])
    if end - pos < head + length:
        return None
    return buf[pos] & 0x0F, pos + head, pos + head + length


async def _raw_client(port: int, symbols: list[str], delays: list[float], *, read: bool) -> RawClient:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    if not read:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    _, proto = await loop.create_connection(lambda: RawClient(port, symbols, delays, read=read), sock=sock)
    await asyncio.wait_for(proto.acked, 10)
    return proto


async def _aiohttp_client(http: aiohttp.ClientSession, port: int, symbols: list[str],
                          ready: asyncio.Queue[None], stop_at: asyncio.Future[float],
                          delays: list[float]) -> Seen:  # fmt: skip
    seen = Seen()
    async with http.ws_connect(f"http://127.0.0.1:{port}{PATH}", max_msg_size=0) as ws:
        await ws.send_json({"action": "subscribe", "channel": "ticks", "symbols": symbols})
        while orjson.loads((await ws.receive(timeout=30)).data)["channel"] != "ack":
            pass
        ready.put_nowait(None)
        stop = await stop_at
        while (left := stop - time.time()) > 0:
            try:
                msg = await ws.receive(timeout=left)
            except TimeoutError:
                break
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            body = orjson.loads(msg.data)
            if body["channel"] == "ticks":
                seen.tick(body["data"], time.time(), delays)
    return seen


async def _start(pipe: Pipe, run: Run) -> tuple[float, float, float]:
    """Tell the server every client is subscribed; (start, stop, CPU time) once it answers."""
    pipe.send("ready")
    start: float = await asyncio.to_thread(pipe.recv)
    return start, start + run.seconds + run.grace, time.process_time()


async def _clients(port: int, run: Run, symbols: list[str], pipe: Pipe) -> None:
    delays: list[float] = []
    stalled = [await _raw_client(port, symbols, [], read=False) for _ in range(run.stalled)]
    if run.client == "raw":
        raw = await asyncio.gather(
            *(_raw_client(port, symbols, delays, read=True) for _ in range(run.clients))
        )
        start, stop, cpu0 = await _start(pipe, run)
        await asyncio.sleep(max(0.0, stop - time.time()))
        cpu = (time.process_time() - cpu0) / (time.time() - start)
        seen = [c.replay() for c in raw]
    else:
        ready: asyncio.Queue[None] = asyncio.Queue()
        stop_at = asyncio.get_running_loop().create_future()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            tasks = [
                asyncio.create_task(_aiohttp_client(http, port, symbols, ready, stop_at, delays))
                for _ in range(run.clients)
            ]
            for _ in tasks:
                await ready.get()
            start, stop, cpu0 = await _start(pipe, run)
            stop_at.set_result(stop)
            seen = list(await asyncio.gather(*tasks))
        cpu = (time.process_time() - cpu0) / (time.time() - start)
    for c in stalled:
        assert c.transport is not None
        c.transport.abort()
    ordered = sorted(delays) or [0.0]  # only the percentiles travel: the list would swell the server's RSS
    p = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    summary = (p(0.5), p(0.99), ordered[-1] * 1000, statistics.fmean(ordered) * 1000)
    pipe.send(([(s.got, s.last, s.out_of_order) for s in seen], summary, cpu))


def client_process(port: int, run: Run, symbols: list[str], pipe: Pipe) -> None:
    _pin(run.client_cpu)
    asyncio.run(_clients(port, run, symbols, pipe))


# --- server process ----------------------------------------------------------------------------
async def bench(run: Run) -> None:
    _pin(run.server_cpu)
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
