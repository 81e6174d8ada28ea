"""The client side of benchmarks/bench_ws.py: the run's settings and the client process, which holds every
WebSocket connection in one loop and stamps each message as it arrives (see bench_ws.py's docstring)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection as Pipe
from typing import Any

import aiohttp
import orjson

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


def pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


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
    pin(run.client_cpu)
    asyncio.run(_clients(port, run, symbols, pipe))


# --- server process ----------------------------------------------------------------------------
