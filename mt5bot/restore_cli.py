"""`mt5bot restore FILE [--no-keep]`: put a backup back, with the service stopped.

SQLite: refused while anything has the database open (the service, `mt5bot retention`, ...); the
current database is first copied to `backups/before-restore-<UTC time>.db` unless `--no-keep`. The next
start migrates a backup from an older version to head. PostgreSQL: prints the `pg_restore` command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from mt5bot.config import load_settings
from storage.backup import BackupError, database_file, default_target, pg_restore_command, restore_sqlite
from storage.errors import StorageConfigError


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `restore`'s arguments; return its runner."""
    parser.add_argument("file", type=Path, metavar="FILE", help="a backup made by `mt5bot backup`")
    parser.add_argument(
        "--no-keep", action="store_true", help="do not keep a copy of the database being replaced"
    )

    def run(args: argparse.Namespace) -> int:
        url = load_settings(args.config).database.url
        try:
            database = database_file(url)
            if database is None:
                print(pg_restore_command(url, args.file).shown())
                print("(stop the service first; the password goes in PGPASSWORD or ~/.pgpass)")
                return 0
            if not args.file.is_file():
                raise BackupError(f"{args.file}: no such file")
            keep = None if args.no_keep else default_target(url, prefix="before-restore")
            revision = restore_sqlite(args.file, database, keep=keep)
        except (BackupError, StorageConfigError) as exc:
            print(f"mt5bot: restore: {exc}", file=sys.stderr)
            return 1
        if keep is not None and keep.exists():
            print(f"kept the replaced database as {keep}")
        print(f"restored {args.file} into {database} (schema {revision}; the next start migrates it to head)")
        return 0

    return run
