"""Run the Alembic migrations shipped in `storage/migrations` programmatically, on an async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.engine import Connector

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None, *, account: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, optionally sharing a connection.

    `account` is the service running the upgrade: revision 0005 gives the rows written before it that name
    (docs/storage.md, "Shared database").
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    if account is not None:
        config.attributes["account"] = account
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, account: str | None) -> None:
    command.upgrade(alembic_config(connection, account=account), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_to_head(connector: Connector) -> None:
    """Bring the schema to the newest revision in one transaction (a no-op when already there)."""
    async with connector.write() as conn:
        await conn.run_sync(_upgrade, connector.account)


async def current_revision(connector: Connector) -> str | None:
    """The revision the database is at, None when it was never migrated."""
    async with connector.read() as conn:
        return await conn.run_sync(_current)
