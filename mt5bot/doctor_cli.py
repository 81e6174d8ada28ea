"""`mt5bot doctor [--json]`: is everything in place? One line per check; exit 1 when any check fails."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `doctor`'s arguments; return its runner."""
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")

    def run(args: argparse.Namespace) -> int:
        # The checks report what went wrong; the libraries' own log lines would only repeat it on stderr
        # (Python prints WARNING records when no handler is set up).
        logging.getLogger().addHandler(logging.NullHandler())
        # Imported here: the checks load the service's packages, which the other subcommands do without.
        from mt5bot.doctor import render
        from mt5bot.doctor.model import failed
        from mt5bot.doctor.runner import run_checks

        checks = asyncio.run(run_checks(args.config))
        encoding = getattr(sys.stdout, "encoding", None)
        print(render.as_json(checks) if args.json else render.text(checks, encoding))
        return 1 if failed(checks) else 0

    return run
