"""`mt5bot retention [--dry-run] [--days N]`: archive, then remove, rows older than `database.retention_days`.

The same path the service runs daily (storage/retention.py): account snapshots, audit lines and settled
request ids before the cutoff go to `archive/<table>-<first>-<last>.jsonl.gz` (fsync'd) before they are
deleted, with an audit line per table. Safe while the service runs. `--dry-run` only counts.
Only the rows of this service's account (config `account.name`) are touched: several services may share
one database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Collection

from mt5bot.config import load_settings
from storage.database import Database
from storage.errors import StorageConfigError
from storage.retention import RetentionReport, apply_retention, archive_directory
from storage.settings import DatabaseSettings


async def run_retention(
    settings: DatabaseSettings,
    days: int,
    *,
    dry_run: bool,
    account: str | None = None,
    routed: Collection[str] = (),
) -> RetentionReport:
    """Open the database as `account` (config `account.name`), apply retention to that account's rows
    (and to the audit lines written for the `routed` bridges, config `accounts`) once, close it."""
    db = await Database.open(settings.url, account=account)
    try:
        return await apply_retention(
            db.connector, archive_directory(settings), days, dry_run=dry_run, routed=routed
        )
    finally:
        await db.close()


def describe(report: RetentionReport) -> list[str]:
    """One line per table, then the cutoff."""
    lines = []
    for table in report.tables:
        if report.dry_run:
            lines.append(f"{table.table}: {table.rows} rows would be archived and removed")
        elif table.archive is None:
            lines.append(f"{table.table}: nothing older than the cutoff")
        else:
            lines.append(
                f"{table.table}: {table.rows} rows archived to {table.archive}, {table.deleted} removed"
            )
    lines.append(
        f"cutoff: {report.cutoff.isoformat(timespec='seconds')}" + (" (dry run)" if report.dry_run else "")
    )
    return lines


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add `retention`'s arguments; return its runner."""
    parser.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    parser.add_argument("--days", type=int, help="override database.retention_days for this run (>= 1)")

    def run(args: argparse.Namespace) -> int:
        config = load_settings(args.config)
        settings = config.database
        days = args.days if args.days is not None else settings.retention_days
        if days is None:
            print("mt5bot: retention: database.retention_days is not set (null keeps everything); "
                  "set it or pass --days", file=sys.stderr)  # fmt: skip
            return 2
        if days < 1:
            print("mt5bot: retention: --days must be at least 1", file=sys.stderr)
            return 2
        try:
            report = asyncio.run(
                run_retention(
                    settings,
                    days,
                    dry_run=args.dry_run,
                    account=config.account.name,
                    routed=[bridge.name for bridge in config.accounts],
                )
            )
        except StorageConfigError as exc:
            print(f"mt5bot: retention: {exc}", file=sys.stderr)
            return 1
        print("\n".join(describe(report)))
        return 0

    return run
