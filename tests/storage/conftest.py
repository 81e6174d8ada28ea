"""Every storage test runs on SQLite (a file in a temp dir) and, when TEST_DATABASE_URL is set, on PostgreSQL
in a schema of its own that is dropped afterwards, so reruns start clean."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage import Database

PG_ENV = "TEST_DATABASE_URL"


@dataclass(frozen=True)
class Target:
    """Where a test's database lives."""

    url: str
    schema: str | None

    async def open(self, account: str | None = None) -> Database:
        return await Database.open(self.url, schema=self.schema, account=account)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        yield Target(sqlite_url(tmp_path / "data" / "test.db"), None)
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (scripts/start-postgres.sh sets it)")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(url, poolclass=NullPool)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield Target(url, schema)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@pytest.fixture
async def db(target: Target) -> AsyncIterator[Database]:
    database = await target.open()
    try:
        yield database
    finally:
        await database.close()
