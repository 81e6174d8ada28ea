"""`mt5bot service install|remove|start|stop|status|run`: mt5bot started with the machine (mt5bot/autostart/).

Windows: a Task Scheduler task at the logon of the terminal's owner (docs/windows.md says why not a
Windows service). Linux: a systemd unit, system-wide as root, else the user's own (docs/linux.md).
`run` is what the Windows task starts: `serve`, restarted after a crash, stopped by `service stop`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from mt5bot import stopfile
from mt5bot.autostart import spec as specs
from mt5bot.autostart.hosts import Command, HostError, Report, run_command
from mt5bot.autostart.linux import SYSTEM_UNITS, Systemd, user_units
from mt5bot.autostart.supervise import CONFIG_ERROR, supervise
from mt5bot.autostart.windows import STOP_WAIT_SEC, TaskScheduler
from mt5bot.config import ConfigError
from mt5bot.serve import serve

log = logging.getLogger("mt5bot")

ACTIONS = ("install", "remove", "start", "stop", "status", "run")
NOT_RUNNING = 3  # `status` when the service is not running, as LSB init scripts and systemctl answer


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `service`'s arguments; return its runner."""
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--name", default=specs.DEFAULT_NAME, help="task or unit name (default: mt5bot)")
    parser.add_argument("--account", help="install: the user it runs as (default: you, the terminal's owner)")
    parser.add_argument("--wine", action="store_true", help="install (Linux): start after mt5-rpyc.service")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--user", dest="user_mode", action="store_true", default=None, help="Linux: user unit")
    scope.add_argument("--system", dest="user_mode", action="store_false", help="Linux: system unit (root)")
    parser.add_argument(
        "--timeout", type=float, default=STOP_WAIT_SEC, help="stop (Windows): clean-stop wait, s"
    )

    def run(args: argparse.Namespace) -> int:
        if args.action == "run":
            return run_supervised(args.config, os.environ)
        return act(args, manager_for(sys.platform, run_command, os.environ, args), os.environ)

    return run


def manager_for(
    platform: str, command: Command, environ: Mapping[str, str], args: argparse.Namespace
) -> TaskScheduler | Systemd:
    """The Task Scheduler on Windows; systemd elsewhere, system-wide as root unless --user."""
    if platform == "win32":
        return TaskScheduler(command, stop_wait=args.timeout)
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    user_mode = (not is_root) if args.user_mode is None else args.user_mode
    unit_dir = user_units(Path(environ.get("HOME") or Path.home())) if user_mode else SYSTEM_UNITS
    return Systemd(command, unit_dir, user_mode)


def act(args: argparse.Namespace, manager: TaskScheduler | Systemd, environ: Mapping[str, str]) -> int:
    """Do `args.action` with `manager`; print what happened; the exit code says whether it worked."""
    try:
        report = _dispatch(args, manager, environ)
    except specs.SpecError as exc:
        print(f"mt5bot: service: {exc}", file=sys.stderr)
        return 2
    except HostError as exc:
        print(f"mt5bot: service: {exc}", file=sys.stderr)
        return 1
    print(report.message)
    if args.action == "status":
        return 0 if report.ok else NOT_RUNNING
    return 0 if report.ok else 1


Manager = TaskScheduler | Systemd


def _dispatch(args: argparse.Namespace, manager: Manager, environ: Mapping[str, str]) -> Report:
    if args.action == "install":
        windows = isinstance(manager, TaskScheduler)
        account = args.account or specs.current_account(environ, windows=windows)
        spec = specs.build(args.name, specs.config_file(args.config, environ), account)
        if isinstance(manager, Systemd):
            return manager.install(spec, after_wine=args.wine)
        return manager.install(spec)
    actions: dict[str, Callable[[str], Report]] = {
        "remove": manager.remove,
        "start": manager.start,
        "stop": manager.stop,
        "status": manager.status,
    }
    return actions[args.action](args.name)


def run_supervised(config: str | None, environ: Mapping[str, str]) -> int:
    """`serve` until stopped, again after a crash; the stop file next to the config ends it."""
    try:
        config_path = specs.config_file(config, environ)
    except specs.SpecError as exc:
        print(f"mt5bot: service: {exc}", file=sys.stderr)
        return CONFIG_ERROR
    stop = Path(specs.stop_file_in(config_path.parent))
    stopfile.clear(stop)

    def once() -> int:
        try:
            return serve(str(config_path), stop)
        except ConfigError as exc:
            print(f"mt5bot: config error: {exc}", file=sys.stderr)
            return CONFIG_ERROR
        except Exception:  # a crash: logged, and the loop starts it again
            log.exception("mt5bot serve failed")
            return 1

    return supervise(once, lambda: stopfile.consume(stop))
