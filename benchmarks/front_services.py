"""The services of benchmarks/bench_front.py, each a child process started as `mt5bot serve` starts one: their
configurations, and the counting the benchmark asks of them (never changing what they do): each bridge's
bus by kind, the front's per-account buses, its notifier and its notices, each trade followed by ticket.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing as mp
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

TOKEN = "bench-front-token-0123456789abcdef"
WATCHER = "watcher"  # the front's Telegram user who gets the notices


def service_raw(data: Path, name: str, *, seed: int = 0, positions: int = 100_000) -> dict[str, Any]:
    return {
        "server": {"host": "127.0.0.1", "port": 0},
        "security": {"token": TOKEN, "requests_per_minute": 1_000_000},
        "mt5": {
            "backend": "simulator",
            "heartbeat_interval_sec": 1.0,
            "simulator": {
                "seed": seed,
                "demo_days": 0,
                "market_hours": "always",
                "realtime": False,
                "journal_fsync": False,
                "state_file": str(data / "sim-state.json"),
            },
        },
        "risk": {"max_total_positions": positions, "max_daily_loss": 0},
        "database": {"url": f"sqlite+aiosqlite:///{data}/mt5bot.db", "snapshot_interval_sec": 3600},
        "logging": {"file": str(data / "mt5bot.log"), "level": "WARNING"},
        "account": {"name": name},
    }


def front_raw(data: Path, bridges: dict[str, str], batch: float | None) -> dict[str, Any]:
    raw = service_raw(data, "front")
    raw.pop("mt5")
    raw["account"] = {"name": "front", "terminal": False}
    raw["accounts"] = [{"name": n, "url": url, "token": TOKEN} for n, url in bridges.items()]
    raw["users"] = [{"platform": "telegram", "id": WATCHER, "role": "viewer", "subscribe": True}]
    if batch is not None:
        raw["chat"] = {"notify_batch_sec": batch}
    return raw


@dataclass
class _Counts:
    """What a service counts for the benchmark (read over its pipe)."""

    kinds: Counter[str] = field(default_factory=Counter)  # bridge: its bus; front: the account buses
    consumed: Counter[str] = field(default_factory=Counter)  # front: events its notifier consumed
    notices: int = 0  # front: messages handed to the platform
    chars: int = 0  # front: their text's length
    first: float = 0.0  # time.time() of the first / last trade event counted here
    last: float = 0.0
    last_notice: float = 0.0
    opened: dict[str, float] = field(default_factory=dict)  # "kind:account:ticket" -> when published
    noticed: dict[str, float] = field(default_factory=dict)  # front: -> when the notifier consumed it


def _stamp(counts: _Counts, account: str, event: Any, book: dict[str, float]) -> None:
    """Note when a trade event was seen here; opens and closes by "kind:account:ticket"."""
    now = time.time()
    kind = str(event.kind)
    if kind != "account_update":
        counts.first = counts.first or now
        counts.last = now
    if kind == "position_opened":
        book[f"{kind}:{account}:{event.position.ticket}"] = now
    elif kind == "position_closed":
        book[f"{kind}:{account}:{event.ticket}"] = now


def _count_bus(bus: Any, counts: _Counts, account: str) -> None:
    """Count what `bus` publishes, by kind (wraps the instance's `publish`; the bus is unchanged)."""
    publish = bus.publish

    def counting(event: Any) -> None:
        if str(event.kind) != "tick":
            counts.kinds[str(event.kind)] += 1
            _stamp(counts, account, event, counts.opened)
        publish(event)

    bus.publish = counting


def _count_notifier(notifier: Any, counts: _Counts) -> None:
    on_event = notifier.on_event

    async def counting(event: Any, *, account: str | None = None) -> None:
        counts.consumed[str(event.kind)] += 1
        _stamp(counts, account or "", event, counts.noticed)
        await on_event(event, account=account)

    notifier.on_event = counting  # start_account's consumers call self.on_event: they find this one


def service_process(raw: dict[str, Any], conn: Connection) -> None:
    """A child: one service, as `mt5bot serve` runs it, answering "stats" and "stop" on `conn`."""
    from api.settings import EventLoop
    from mt5bot.serve import loop_factory

    with asyncio.Runner(loop_factory=loop_factory(EventLoop.AUTO)) as runner:
        runner.run(_serve(raw, conn))


def _instrument(app: Any, counts: _Counts, name: str) -> None:
    """Count on a started app: a bridge's bus; a front's account buses, notifier and notices."""
    from api.keys import BUS
    from bot.keys import NOTIFIER
    from bot.messages import Outgoing
    from mt5bot.keys import ACCOUNT_BUSES

    buses = app.get(ACCOUNT_BUSES)
    if buses is None:
        _count_bus(app[BUS], counts, name)
        return

    async def send(out: Outgoing) -> None:
        counts.notices += 1
        counts.chars += len(out.reply.text)
        counts.last_notice = time.time()

    app[NOTIFIER].register("telegram", send)  # as the tests do (tests/front/conftest.py)
    _count_notifier(app[NOTIFIER], counts)
    for account, bus in buses.items():
        _count_bus(bus, counts, account)


async def _serve(raw: dict[str, Any], conn: Connection) -> None:
    from aiohttp import web

    from api.keys import ACCOUNTS, HEARTBEAT
    from mt5bot.app import create_app
    from mt5bot.config import Settings
    from mt5bot.logs import setup_logging
    from mt5bridge.terminal.heartbeat import LinkState

    settings = Settings.model_validate(raw)
    setup_logging(settings)
    app = create_app(settings)
    counts = _Counts()
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()  # the cleanup contexts ran: the notifier, the buses and the feeds exist
    _instrument(app, counts, settings.account.name)
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    for _ in range(0 if settings.accounts else 1000):  # a bridge: orders wait for the heartbeat's first check
        if app[HEARTBEAT].state is LinkState.CONNECTED:
            break
        await asyncio.sleep(0.01)
    gc.collect()  # as `mt5bot serve` does once it listens
    gc.freeze()
    conn.send(runner.addresses[0][1])
    while await asyncio.to_thread(conn.recv) != "stop":
        out = dict(counts.__dict__, cpu=time.process_time())
        if settings.accounts:
            out["feeds"] = {e.name: e.feed.status.state.value for e in app[ACCOUNTS] if e.feed is not None}
        conn.send(out)
    await runner.cleanup()
    conn.send("stopped")


@dataclass
class Service:
    name: str
    proc: Any
    conn: Connection
    url: str = ""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ask(self, request: str) -> Any:
        async with self.lock:
            self.conn.send(request)
            return await asyncio.to_thread(self.conn.recv)


def spawn(name: str, raw: dict[str, Any]) -> Service:
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=service_process, args=(raw, theirs), name=f"bench-front:{name}")
    proc.start()
    theirs.close()
    return Service(name, proc, ours)


async def ready(service: Service, within: float = 120.0) -> None:
    if not await asyncio.to_thread(service.conn.poll, within):
        raise SystemExit(f"{service.name} did not start within {within:g} s")
    try:
        port = service.conn.recv()
    except EOFError:
        raise SystemExit(f"{service.name} died at start (exit code {service.proc.exitcode})") from None
    service.url = f"http://127.0.0.1:{port}"


async def stop(services: list[Service]) -> None:
    for s in services:
        if s.proc.is_alive():
            try:
                s.conn.send("stop")
            except OSError:  # it died: killed below if need be
                pass
    for s in services:
        await asyncio.to_thread(s.proc.join, 30)
        if s.proc.is_alive():
            s.proc.kill()
