"""The `mt5bot` command: `serve`, `parse`, and the subcommands later issues add.

Each subcommand lives in its own module and registers itself through `COMMANDS`: a name mapped to a
function that adds its arguments to a subparser and returns the function that runs it. The CLI only
translates arguments and prints; the work happens in the packages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from mt5bot.config import ConfigError
from mt5bot.version_info import VersionAction

Runner = Callable[[argparse.Namespace], int]
Register = Callable[[argparse.ArgumentParser], Runner]

# name -> (module path, one-line help); the module exposes `register(parser) -> runner`.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("mt5bot.serve", "run the service (terminal layer, API, bots, scheduler)"),
    "parse": ("mt5bot.parse_cli", "parse trading messages into commands (JSON)"),
    "chat": ("mt5bot.chat_cli", "talk to the running service in plain language"),
    "report": ("mt5bot.report_cli", "print a daily, monthly or hedge report from the running service"),
    "service": ("mt5bot.service_cli", "start mt5bot with the machine: install|remove|start|stop|status"),
    "doctor": ("mt5bot.doctor_cli", "check the setup: config, terminal, database, ports, TLS, platforms"),
    "backup": ("mt5bot.backup_cli", "copy the database while the service runs (PostgreSQL: pg_dump)"),
    "restore": ("mt5bot.restore_cli", "put a backup back, with the service stopped"),
    "retention": ("mt5bot.retention_cli", "archive, then remove, rows older than database.retention_days"),
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Runner]]:
    """The argument parser with every subcommand whose module is present."""
    parser = argparse.ArgumentParser(prog="mt5bot", description="MetaTrader 5 trading assistant")
    parser.add_argument("--version", action=VersionAction)  # the schema revisions too
    parser.add_argument(
        "--config", metavar="FILE", help="config file (default: $MT5BOT_CONFIG or config.yaml)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners: dict[str, Runner] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that part of the product has not landed yet
            raise
        register: Register = module.register
        runners[name] = register(sub.add_parser(name, help=help_text, description=help_text))
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser, runners = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return runners[args.command](args)
    except ConfigError as exc:
        print(f"mt5bot: config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
