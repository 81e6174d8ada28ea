"""A front and its bridges on one PostgreSQL database: every audit row says which account it is for."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage import Database
from tests.api.conftest import start_api
from tests.front.conftest import bridge_overrides, confirm_of, start_front

PG_ENV = "TEST_DATABASE_URL"


@pytest.fixture
async def shared_url() -> AsyncIterator[str]:
    """A database of its own in the test cluster, dropped afterwards."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (scripts/start-postgres.sh sets it)")
    name = f"front_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_the_audit_rows_of_the_front_and_every_bridge_are_told_apart(
    tmp_path: Path, shared_url: str
) -> None:
    database = {"url": shared_url}
    bridges = {}
    for name in ("alpha", "beta"):
        bridges[name] = await start_api(tmp_path / name, database=database, **bridge_overrides(name))
    front = await start_front(tmp_path / "front", bridges, database=database)
    try:
        replies = await front.say("alice", "IC实盘 买入0.01手黄金")
        await front.tap("alice", confirm_of(replies))
        replies = await front.say("alice", "alpha账户 买入0.02手黄金")
        await front.tap("alice", confirm_of(replies))
        await front.say("alice", "/accounts")  # a line of the front's own
        assert front.positions("beta") == 1 and front.positions("alpha") == 1
    finally:
        await front.runner.cleanup()
        for api in bridges.values():
            await api.runner.cleanup()

    db = await Database.open(shared_url)
    try:
        rows = await db.audit.recent(limit=500)
        assert rows and all(row.account for row in rows)  # none without an account
        by_account: dict[str, set[str]] = {}
        for row in rows:
            by_account.setdefault(row.account or "", set()).add(row.action)
        assert set(by_account) == {"alpha", "beta", "front"}
        for name in ("alpha", "beta"):
            # the bridge's own line of the order (under the front's token) and the front's chat lines
            assert "open" in by_account[name] and "chat.confirm" in by_account[name]
            ours = await db.audit.recent(limit=500, account=name)
            assert {r.account for r in ours} == {name}
        assert "chat.command.accounts" in by_account["front"]
    finally:
        await db.close()
