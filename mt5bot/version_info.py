"""`mt5bot --version`: the package version, the schema revision this code ships, and the database's.

Fast and never failing: the database is only read (SQLite read-only, never created; PostgreSQL with a
short timeout), and anything that goes wrong (no config, no file, server down) becomes one line of text.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mt5bridge.common.version import __version__

PG_TIMEOUT_SEC = 3.0


def _sqlite_revision(path: Path) -> str:
    from storage.backup import read_only_uri

    if not path.is_file():
        return f"none yet ({path} is created on the first start)"
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        return f"unreadable ({exc})"
    finally:
        conn.close()
    return "never migrated" if row is None else str(row[0])


async def _pg_revision(url: str) -> str:
    from storage.engine import Connector, create_engine
    from storage.migrate import current_revision

    connector = Connector(create_engine(url))
    try:
        revision = await asyncio.wait_for(current_revision(connector), PG_TIMEOUT_SEC)
    finally:
        await connector.engine.dispose()
    return revision or "never migrated"


def database_revision(config: str | None) -> str:
    """The configured database's schema revision, or why it is not known."""
    from mt5bot.config import ConfigError, load_settings
    from storage.backup import database_file

    try:
        url = load_settings(config).database.url
        path = database_file(url)
        if path is not None:
            return _sqlite_revision(path)
        return asyncio.run(_pg_revision(url))
    except ConfigError as exc:
        return f"unknown (config error: {exc})"
    except Exception as exc:  # unreachable server, refused login: --version still answers
        return f"unreachable ({type(exc).__name__})"


def version_text(config: str | None) -> str:
    """The lines `mt5bot --version` prints."""
    from storage.migrate import head_revision

    return "\n".join(
        [
            f"mt5bot {__version__}",
            f"schema {head_revision()} (shipped)",
            f"database {database_revision(config)}",
        ]
    )


class VersionAction(argparse.Action):
    """`--version`: print `version_text` for the `--config` given so far (else the default) and exit."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and schema revisions")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option: str | None = None,
    ) -> None:
        print(version_text(getattr(namespace, "config", None)))
        sys.exit(0)
