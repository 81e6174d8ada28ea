"""Alembic environment. The application passes its own connection in `config.attributes["connection"]`;
the `alembic` command line (developers only) passes `-x url=...` and gets a fresh async engine, and
`-x account=NAME` for the service whose rows revision 0005 upgrades (the application passes its own)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.tables import metadata

# Any fixed number: it only has to be the same for every process that migrates this database.
_PG_MIGRATION_LOCK = 0x6D7435626F74


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes starting at once must not both create the tables.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        context.run_migrations()


async def _run_with_new_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _main() -> None:
    shared = context.config.attributes.get("connection")
    if shared is not None:
        _run(shared)
        return
    x_args = context.get_x_argument(as_dictionary=True)
    url = x_args.get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database with: alembic -x url=sqlite+aiosqlite:///path.db ...")
    asyncio.run(_run_with_new_engine(url))


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; they differ per dialect")
_main()
