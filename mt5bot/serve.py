"""`mt5bot serve`: run the service in one asyncio loop until Ctrl+C or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from api.settings import EventLoop
from api.tls import TLSConfigError, server_ssl_context
from mt5bot import stopfile
from mt5bot.config import Settings, load_settings
from mt5bot.logs import setup_logging
from storage.errors import StorageConfigError

log = logging.getLogger("mt5bot")


class StartupError(Exception):
    """The service cannot start for a reason the user can fix; the message is one line saying which."""


async def run_service(
    settings: Settings, ready: Callable[[list[str]], None] | None = None, stop_file: Path | None = None
) -> None:
    """Start the app, listen, and wait for a stop signal (or `stop_file` to appear: mt5bot/stopfile.py);
    `ready` receives the listening URLs."""
    from mt5bot.app import create_app  # the whole service: loaded when it runs, not for `mt5bot --version`

    runner = web.AppRunner(create_app(settings), handle_signals=False, access_log=None)
    try:
        await runner.setup()
    except StorageConfigError as exc:
        await runner.cleanup()
        raise StartupError(str(exc)) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C arrives as KeyboardInterrupt
            pass
    watcher = None
    if stop_file is not None:
        stopfile.clear(stop_file)
        watcher = loop.create_task(stopfile.watch(stop_file, stop), name="serve:stop-file")
    try:
        try:
            context = server_ssl_context(settings.server.tls)
        except TLSConfigError as exc:
            raise StartupError(str(exc)) from None
        host, port = settings.server.host, settings.server.port
        site = web.TCPSite(runner, host, port, ssl_context=context)
        try:
            await site.start()
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        scheme = "https" if context else "http"
        urls = [f"{scheme}://{settings.server.host}:{port}" for port in _ports(runner)]
        log.info("mt5bot listening on %s", ", ".join(urls))
        # What start-up built (modules, settings, the book, caches) lives as long as the service: moved out
        # of the collector's generations, a full collection no longer walks it while requests wait.
        gc.collect()
        gc.freeze()
        if ready:
            ready(urls)
        await stop.wait()
        log.info("stopping")
    finally:
        if watcher is not None:
            watcher.cancel()
        await runner.cleanup()
        log.info("stopped")


def loop_factory(choice: EventLoop) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop `server.event_loop` names (None: asyncio's own). `uvloop` when it is not
    installed is a start-up error, not a silent fallback; `auto` falls back quietly."""
    if choice is EventLoop.ASYNCIO or (choice is EventLoop.AUTO and sys.platform == "win32"):
        return None
    try:
        import uvloop
    except ImportError:
        if choice is EventLoop.UVLOOP:
            raise StartupError("server.event_loop is uvloop, but uvloop is not installed") from None
        return None
    return uvloop.new_event_loop


def _ports(runner: web.AppRunner) -> list[int]:
    ports = []
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            ports.append(int(address[1]))
    return ports


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `serve`'s arguments; return its runner."""
    parser.add_argument(
        "--stop-file",
        type=Path,
        metavar="FILE",
        help="shut down cleanly when FILE appears (how `mt5bot service stop` stops it on Windows)",
    )

    def run(args: argparse.Namespace) -> int:
        return serve(args.config, args.stop_file)

    return run


def serve(config: str | None, stop_file: Path | None = None) -> int:
    """Load the settings and run the service until it is stopped: 0, or 1 when it cannot start (said in
    one line); a bad config raises ConfigError. `mt5bot service run` calls it again after a crash."""
    settings = load_settings(config)
    setup_logging(settings)
    try:
        with asyncio.Runner(loop_factory=loop_factory(settings.server.event_loop)) as runner:
            runner.run(run_service(settings, stop_file=stop_file))
    except StartupError as exc:
        log.error("cannot start: %s", exc)
        print(f"mt5bot: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0
