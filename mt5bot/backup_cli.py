"""`mt5bot backup [--to FILE] [--force] [--run]`: a verified copy of the database, the service running.

SQLite: an online copy through sqlite3's backup API (storage/backup.py), by default to
`backups/mt5bot-<UTC time>.db` beside the database. PostgreSQL: the `pg_dump` command for the configured
database, without its password; `--run` runs it when `pg_dump` is on PATH (the password reaches it through
its environment only). The simulator's state is not part of the backup (docs/storage.md says why).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mt5bot.config import load_settings
from storage.backup import BackupError, backup_sqlite, database_file, default_target, pg_dump_command
from storage.errors import StorageConfigError
from storage.migrate import head_revision


def _sqlite(database: Path, target: Path, force: bool) -> int:
    result = backup_sqlite(database, target, force=force)
    print(
        f"backup: {result.path} ({result.size:,} bytes, schema {result.revision}, integrity ok, "
        f"{result.seconds:.2f} s)"
    )
    if result.revision != head_revision():
        print(f"note: the copy is at schema {result.revision}; this mt5bot ships {head_revision()}")
    print(f"restore it with the service stopped: mt5bot restore {result.path}")
    return 0


def _postgres(url: str, target: Path, run: bool) -> int:
    command = pg_dump_command(url, target)
    print(command.shown())
    if not run:
        print("(the password goes in PGPASSWORD or ~/.pgpass; `mt5bot backup --run` runs it for you)")
        return 0
    if shutil.which("pg_dump") is None:
        print("mt5bot: pg_dump is not on PATH; install the PostgreSQL client tools", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if command.password:
        env["PGPASSWORD"] = command.password
    done = subprocess.run(command.argv, env=env, check=False)  # noqa: S603 - our own argv, no shell
    if done.returncode != 0:
        print(f"mt5bot: pg_dump failed (exit {done.returncode})", file=sys.stderr)
        return 1
    print(f"backup: {target} ({target.stat().st_size:,} bytes)")
    return 0


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `backup`'s arguments; return its runner."""
    parser.add_argument(
        "--to", type=Path, metavar="FILE", help="where (default: backups/ beside the database)"
    )
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--run", action="store_true", help="PostgreSQL: run pg_dump instead of printing it")

    def run(args: argparse.Namespace) -> int:
        url = load_settings(args.config).database.url
        try:
            database = database_file(url)
            target = args.to or default_target(url)
            if database is None:
                return _postgres(url, target, args.run)
            return _sqlite(database, target, args.force)
        except (BackupError, StorageConfigError) as exc:
            print(f"mt5bot: backup: {exc}", file=sys.stderr)
            return 1

    return run
